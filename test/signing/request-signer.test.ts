// The signer: RFC 9421 fields in certgate's shape, the same base the general builder makes, every
// algorithm round-tripping through certgate/verify, and wrong keys refused at provisioning.
import t from 'tap';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { parseDictionary, serializeInnerList } from 'structured-headers';
import type { InnerList } from 'structured-headers';
import { createRequestSigner } from '../../src/signing/request-signer.js';
import { signingKeyProblem } from '../../src/signing/signing-key.js';
import { createVerifyFn } from '../../src/wire/signature-algorithms.js';
import { buildSignatureBase } from '../../src/wire/signature-base.js';
import { verifyForwardedRequest } from '../../src/verify/index.js';
import { forwardedRequest, signatureConfig } from '../verify/forwarded-request-fixture.js';

const NOW = 1_763_000_000_123;
const CREATED = Math.floor(NOW / 1000);

t.test('Signature-Input: label certgate, derived components, added headers lower-cased, params', async (t) => {
  const sig = signatureConfig('ed25519', 'gw-2026-11');
  const signer = createRequestSigner(sig);
  const out = signer.sign({
    method: 'POST',
    authority: 'IdP.Internal:8443',
    path: '/token',
    query: '?a=1',
    added: ['X-Client-Cert', 'abc', 'X-Client-Verify', 'SUCCESS'],
    now: NOW,
  });
  t.match(
    out.signatureInput,
    new RegExp(
      `^certgate=\\("@method" "@authority" "@path" "@query" "x-client-cert" "x-client-verify"\\);created=${CREATED};keyid="gw-2026-11";alg="ed25519";expires=${CREATED + 30};nonce="[A-Za-z0-9_-]{22}"$`,
    ),
  );
  t.match(out.signature, /^certgate=:[A-Za-z0-9+/]{86}==:$/);
  // What we concatenate is what an RFC 8941 serializer produces from the parsed value.
  const entry = parseDictionary(out.signatureInput).get('certgate') as InnerList;
  t.equal(`certgate=${serializeInnerList(entry)}`, out.signatureInput);

  const noQuery = signer.sign({ method: 'GET', authority: 'a', path: '', added: [], now: NOW });
  t.match(
    noQuery.signatureInput,
    new RegExp(`^certgate=\\("@method" "@authority" "@path"\\);created=${CREATED};keyid="gw-2026-11";alg="ed25519";expires=${CREATED + 30};nonce="[A-Za-z0-9_-]{22}"$`),
  );
});

t.test('expires = created + expiresIn as configured', async (t) => {
  const out = createRequestSigner(signatureConfig('hmac-sha256', 'h', 45)).sign({
    method: 'GET',
    authority: 'a',
    path: '/',
    added: [],
    now: NOW,
  });
  t.match(out.signatureInput, new RegExp(`;created=${CREATED};keyid="h";alg="hmac-sha256";expires=${CREATED + 45};nonce="[A-Za-z0-9_-]{22}"$`));
});

t.test('the fast path signs exactly the base the general RFC 9421 builder makes', async (t) => {
  for (const alg of ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256'] as const) {
    const sig = signatureConfig(alg);
    const signer = createRequestSigner(sig);
    const input = {
      method: 'POST',
      authority: 'Upstream:9080',
      path: '/p',
      query: '?x=%20y',
      added: ['X-Client-Cert', ' v1 ', 'X-Dup', 'a', 'X-Client-Verify', 'SUCCESS', 'x-dup', 'b'],
      now: NOW,
    };
    // Twice: the second call takes the cached shape.
    for (let round = 0; round < 2; round++) {
      const out = signer.sign(input);
      const params = out.signatureInput.slice('certgate='.length);
      const base = buildSignatureBase(
        [
          ['@method', 'POST'],
          ['@authority', 'upstream:9080'],
          ['@path', '/p'],
          ['@query', '?x=%20y'],
          ['x-client-cert', 'v1'],
          ['x-dup', 'a, b'],
          ['x-client-verify', 'SUCCESS'],
        ],
        params,
      );
      t.match(params, /^\("@method" "@authority" "@path" "@query" "x-client-cert" "x-dup" "x-client-verify"\);/);
      const bytes = Buffer.from(/^certgate=:(.*):$/.exec(out.signature)![1]!, 'base64');
      t.ok(createVerifyFn(alg, sig.publicKey)(base, bytes), `${alg} round ${round}`);
    }
  }
});

t.test('each algorithm round-trips through certgate/verify', async (t) => {
  for (const alg of ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256'] as const) {
    const sig = signatureConfig(alg);
    const req = forwardedRequest({ sig });
    const id = verifyForwardedRequest(req, { keys: { [sig.keyId]: sig.publicKey }, maxAge: 30 });
    t.equal(id.keyId, sig.keyId, alg);
    t.equal(id.verify, 'SUCCESS');
    t.ok(id.certificate);
  }
});

t.test('a key that does not fit the alg is refused when the signer is built', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const base = { keyId: 'k', keyPath: 'x', expiresIn: 30, digestMaxBody: 1024, largeBodies: 'reject' } as const;
  t.throws(() => createRequestSigner({ ...base, alg: 'ed25519', key: ec.privateKey }), /needs an Ed25519 private key/);
  t.throws(() => createRequestSigner({ ...base, alg: 'ecdsa-p256-sha256', key: p384.privateKey }), /EC P-256/);
  t.throws(() => createRequestSigner({ ...base, alg: 'ecdsa-p256-sha256', key: ec.publicKey }), /private key/);
  t.throws(() => createRequestSigner({ ...base, alg: 'hmac-sha256', key: ed.privateKey }), /secret key/);
  t.equal(signingKeyProblem('ed25519', ed.privateKey), undefined);
  t.match(signingKeyProblem('hmac-sha256', signatureConfig('hmac-sha256').key), undefined);
});

t.test('signingKeyProblem: the messages `certgate check` shows, naming the key file', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  t.equal(signingKeyProblem('ed25519', ec.privateKey, 'k.pem'), 'alg ed25519 needs an Ed25519 private key; k.pem holds an EC P-256 key');
  t.equal(signingKeyProblem('ecdsa-p256-sha256', p384.privateKey, 'k.pem'), 'alg ecdsa-p256-sha256 needs an EC P-256 private key; k.pem holds an EC P-384 key');
  t.equal(signingKeyProblem('ecdsa-p256-sha256', rsa.privateKey, 'k.pem'), 'alg ecdsa-p256-sha256 needs an EC P-256 private key; k.pem holds an RSA key');
  t.equal(signingKeyProblem('ecdsa-p256-sha256', ed.privateKey, 'k.jwk'), 'alg ecdsa-p256-sha256 needs an EC P-256 private key; k.jwk holds an ed25519 key');
  t.equal(signingKeyProblem('hmac-sha256', ed.privateKey, 'k.pem'), 'alg hmac-sha256 needs a secret key; k.pem holds an ed25519 key');
  t.equal(signingKeyProblem('ed25519', createSecretKey(Buffer.alloc(32)), 'k.key'), 'alg ed25519 needs an Ed25519 private key; k.key holds a secret key');
  t.equal(signingKeyProblem('ed25519', ed.publicKey, 'k.pem'), 'alg ed25519 needs a private key to sign');
  t.equal(signingKeyProblem('hmac-sha256', createSecretKey(Buffer.alloc(31)), 'k.key'), 'hmac-sha256 secret in k.key is 31 bytes; at least 32 are needed');
  t.equal(signingKeyProblem('hmac-sha256', createSecretKey(Buffer.alloc(32)), 'k.key'), undefined, '32 bytes are enough');
});

t.test('added must be name/value pairs', async (t) => {
  const signer = createRequestSigner(signatureConfig('hmac-sha256'));
  t.throws(() => signer.sign({ method: 'GET', authority: 'a', path: '/', added: ['x-only-name'] }), TypeError);
});

t.test('every signature carries its own nonce: 128 random bits, base64url, never repeated', async (t) => {
  const sig = signatureConfig('ed25519', 'gw-ed');
  const signer = createRequestSigner(sig);
  // The same request twice in one second: before issue 14 the same signature; now two.
  const input = { method: 'GET', authority: 'api:443', path: '/a', added: Object.freeze(['X-Client-Cert', 'abc']), now: NOW };
  const nonces = new Set<string>();
  for (let i = 0; i < 600; i++) {
    const nonce = /;nonce="([^"]*)"/.exec(signer.sign(input).signatureInput)![1]!;
    t.equal(Buffer.from(nonce, 'base64url').length, 16);
    t.match(nonce, /^[A-Za-z0-9_-]{22}$/);
    nonces.add(nonce);
  }
  t.equal(nonces.size, 600, 'no nonce twice, across pool refills');
  const first = signer.sign(input);
  t.not(signer.sign(input).signature, first.signature, 'same base, same second: another signature');
  const base = buildSignatureBase(
    [
      ['@method', 'GET'],
      ['@authority', 'api:443'],
      ['@path', '/a'],
      ['x-client-cert', 'abc'],
    ],
    first.signatureInput.slice('certgate='.length),
  );
  t.ok(createVerifyFn('ed25519', sig.publicKey)(base, Buffer.from(first.signature.slice('certgate=:'.length, -1), 'base64')), 'the nonce is in the signed base');
});

t.test('a body digest is covered last; an unsigned body is tagged certgate-nobody', async (t) => {
  const sig = signatureConfig('ed25519');
  const signer = createRequestSigner(sig);
  const input = {
    method: 'POST',
    authority: 'up',
    path: '/token',
    added: Object.freeze(['X-Client-Verify', 'NONE']),
    requestIdHeader: 'X-Request-Id',
    requestId: 'id-1',
    now: NOW,
  };
  const digest = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
  const withDigest = signer.sign({ ...input, contentDigest: digest });
  const params = withDigest.signatureInput.slice('certgate='.length);
  t.match(params, /^\("@method" "@authority" "@path" "x-client-verify" "x-request-id" "content-digest"\);/);
  t.notMatch(params, /tag=/);
  const base = buildSignatureBase(
    [
      ['@method', 'POST'],
      ['@authority', 'up'],
      ['@path', '/token'],
      ['x-client-verify', 'NONE'],
      ['x-request-id', 'id-1'],
      ['content-digest', digest],
    ],
    params,
  );
  t.ok(createVerifyFn('ed25519', sig.publicKey)(base, Buffer.from(withDigest.signature.slice('certgate=:'.length, -1), 'base64')), 'the digest is in the signed base');
  const nobody = signer.sign({ ...input, unsignedBody: true });
  t.match(nobody.signatureInput, /^certgate=\("@method" "@authority" "@path" "x-client-verify" "x-request-id"\);.*;nonce="[^"]+";tag="certgate-nobody"$/);
  t.throws(() => signer.sign({ ...input, contentDigest: digest, unsignedBody: true }), TypeError, 'digested or unsigned, not both');
});

t.test('a request ID is covered last, after the added headers, and each one signs afresh', async (t) => {
  const sig = signatureConfig('ed25519');
  const signer = createRequestSigner(sig);
  const added = Object.freeze(['X-Client-Verify', 'NONE']);
  const input = { method: 'GET', authority: 'up', path: '/p', added, requestIdHeader: 'X-Request-Id', now: NOW };
  const first = signer.sign({ ...input, requestId: 'id-1' });
  const params = first.signatureInput.slice('certgate='.length);
  t.match(params, /^\("@method" "@authority" "@path" "x-client-verify" "x-request-id"\);/);
  const base = buildSignatureBase(
    [
      ['@method', 'GET'],
      ['@authority', 'up'],
      ['@path', '/p'],
      ['x-client-verify', 'NONE'],
      ['x-request-id', 'id-1'],
    ],
    params,
  );
  const bytes = Buffer.from(/^certgate=:(.*):$/.exec(first.signature)![1]!, 'base64');
  t.ok(createVerifyFn('ed25519', sig.publicKey)(base, bytes), 'the base the general builder makes');
  const second = signer.sign({ ...input, requestId: 'id-2' });
  t.not(second.signature, first.signature, 'another ID in the same second: another signature');
  t.throws(() => signer.sign({ ...input }), TypeError, 'a header without an ID is a caller bug');
  t.throws(() => signer.sign({ ...input, requestIdHeader: 'x-client-verify', requestId: 'id' }), TypeError, 'the ID header cannot also be an added header');
});
