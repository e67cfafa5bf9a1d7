// Cross-check with an independent RFC 9421 implementation (the http-message-signatures package):
// what certgate signs, it verifies; what it signs, certgate/verify accepts. Also with a body
// digest (RFC 9530) and a nonce, as certgate signs requests with a body (issue 14).
import t from 'tap';
import { createHash } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { createRequestSigner } from '../../src/signing/request-signer.js';
import { createReplayCache, verifyForwardedRequest } from '../../src/verify/index.js';
import { contentDigestValue } from '../../src/wire/content-digest.js';
import { encodeCertHeader } from '../../src/wire/header-codecs.js';
import { LEAF_DER, signatureConfig } from './forwarded-request-fixture.js';

const ALGS = ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256'] as const;
const AUTHORITY = 'idp.internal:8443';
const certHeader = encodeCertHeader('pem-urlencoded', LEAF_DER);

for (const alg of ALGS) {
  t.test(`${alg}: certgate signs, http-message-signatures verifies`, async (t) => {
    const sig = signatureConfig(alg, `gw-${alg}`);
    const added = ['X-Client-Cert', certHeader, 'X-Client-Verify', 'SUCCESS'];
    const signed = createRequestSigner(sig).sign({ method: 'POST', authority: AUTHORITY, path: '/token', query: '?a=b%20c', added });
    const message = {
      method: 'POST',
      url: `https://${AUTHORITY}/token?a=b%20c`,
      headers: {
        'x-client-cert': certHeader,
        'x-client-verify': 'SUCCESS',
        'signature-input': signed.signatureInput,
        signature: signed.signature,
      } as Record<string, string>,
    };
    const keyLookup = async (params: { keyid?: string }) => (params.keyid === sig.keyId ? { id: sig.keyId, algs: [alg], verify: createVerifier(sig.publicKey, alg) } : null);
    const config = {
      keyLookup,
      requiredFields: ['@method', '@authority', '@path', '@query', 'x-client-cert'],
      requiredParams: ['created', 'keyid', 'alg'],
    };
    t.equal(await httpbis.verifyMessage(config, message), true);

    message.headers['x-client-verify'] = 'FAILED:x';
    t.not(await httpbis.verifyMessage(config, message).catch(() => false), true, 'a tampered header fails there too');
  });

  t.test(`${alg}: http-message-signatures signs, certgate/verify verifies`, async (t) => {
    const sig = signatureConfig(alg, `ext-${alg}`);
    const request = {
      method: 'POST',
      url: `https://${AUTHORITY}/token?grant_type=client_credentials`,
      headers: { host: AUTHORITY, 'x-client-cert': certHeader, 'x-client-verify': 'SUCCESS' } as Record<string, string>,
    };
    const signed = await httpbis.signMessage(
      {
        key: createSigner(sig.key, alg, sig.keyId),
        name: 'certgate',
        fields: ['@method', '@authority', '@path', '@query', 'x-client-cert', 'x-client-verify'],
        params: ['created', 'keyid', 'alg', 'expires'],
      },
      request,
    );
    const upstreamView = { method: 'POST', url: '/token?grant_type=client_credentials', headers: lowerCase(signed.headers) };
    const id = verifyForwardedRequest(upstreamView, { keys: { [sig.keyId]: sig.publicKey }, maxAge: 60 });
    t.equal(id.keyId, sig.keyId);
    t.ok(id.certificate!.der.equals(LEAF_DER));

    t.throws(() => verifyForwardedRequest({ ...upstreamView, method: 'PUT' }, { keys: { [sig.keyId]: sig.publicKey }, maxAge: 60 }), { code: 'ERR_BAD_SIGNATURE' });
  });
}

const BODY = Buffer.from('grant_type=client_credentials&scope=api');
/** Computed here with node:crypto, not by certgate's own helper. */
const DIGEST = `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:`;

for (const alg of ALGS) {
  t.test(`${alg}: certgate's digest and nonce signature verifies with http-message-signatures`, async (t) => {
    const sig = signatureConfig(alg, `gw-${alg}`);
    const contentDigest = contentDigestValue(BODY);
    t.equal(contentDigest, DIGEST);
    const signed = createRequestSigner(sig).sign({ method: 'POST', authority: AUTHORITY, path: '/token', added: ['X-Client-Verify', 'SUCCESS'], contentDigest });
    const message = {
      method: 'POST',
      url: `https://${AUTHORITY}/token`,
      headers: { 'x-client-verify': 'SUCCESS', 'content-digest': contentDigest, 'signature-input': signed.signatureInput, signature: signed.signature } as Record<string, string>,
    };
    const keyLookup = async (params: { keyid?: string }) => (params.keyid === sig.keyId ? { id: sig.keyId, algs: [alg], verify: createVerifier(sig.publicKey, alg) } : null);
    const config = { keyLookup, requiredFields: ['@method', '@authority', '@path', 'content-digest'], requiredParams: ['created', 'expires', 'keyid', 'alg', 'nonce'] };
    t.equal(await httpbis.verifyMessage(config, message), true);
    message.headers['content-digest'] = contentDigestValue(Buffer.from('grant_type=client_credentials&scope=admin'));
    t.not(await httpbis.verifyMessage(config, message).catch(() => false), true, 'another digest fails there too');
  });

  t.test(`${alg}: http-message-signatures signs digest and nonce, certgate/verify checks the body and the nonce`, async (t) => {
    const sig = signatureConfig(alg, `ext-${alg}`);
    const request = {
      method: 'POST',
      url: `https://${AUTHORITY}/token`,
      headers: { host: AUTHORITY, 'x-client-verify': 'SUCCESS', 'content-digest': DIGEST, 'content-length': String(BODY.length) } as Record<string, string>,
    };
    const signed = await httpbis.signMessage(
      {
        key: createSigner(sig.key, alg, sig.keyId),
        name: 'certgate',
        fields: ['@method', '@authority', '@path', 'x-client-verify', 'content-digest'],
        params: ['created', 'keyid', 'alg', 'expires', 'nonce'],
        paramValues: { nonce: 'ZXh0ZXJuYWwtbm9uY2UtMQ', expires: new Date(Date.now() + 30_000) },
      },
      request,
    );
    const view = { method: 'POST', url: '/token', headers: lowerCase(signed.headers) };
    const keys = { [sig.keyId]: sig.publicKey };
    const replay = createReplayCache({ ttl: 65 });
    const id = verifyForwardedRequest(view, { keys, maxAge: 60, body: BODY, requireBodyCoverage: true, replay });
    t.equal(id.nonce, 'ZXh0ZXJuYWwtbm9uY2UtMQ');
    t.equal(id.bodyVerified, true);
    t.throws(() => verifyForwardedRequest(view, { keys, maxAge: 60, body: Buffer.from('grant_type=password') }), { code: 'ERR_DIGEST_MISMATCH' });
    t.throws(() => verifyForwardedRequest(view, { keys, maxAge: 60, body: BODY, replay }), { code: 'ERR_REPLAYED' });
  });
}

function lowerCase(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
