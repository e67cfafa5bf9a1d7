// RFC 9421 Appendix B: certgate's base builder reproduces the RFC's signature bases byte for byte,
// its signer functions reproduce the deterministic signatures (HMAC, Ed25519), and its verifier
// accepts the RFC's ECDSA P-256 signatures (B.2.4, and B.3, the TLS-terminating proxy case).
import t from 'tap';
import { parseDictionary } from 'structured-headers';
import { buildSignatureBase, fieldValue, signatureParamsValue } from '../../src/wire/signature-base.js';
import type { ComponentLine } from '../../src/wire/signature-base.js';
import { createSignFn } from '../../src/signing/signing-key.js';
import { createVerifyFn } from '../../src/wire/signature-algorithms.js';
import { verifyMessageSignature } from '../../src/verify/message-signature.js';
import { requestView } from '../../src/verify/request-view.js';
import { verifyForwardedRequest } from '../../src/verify/index.js';
import { keys, nodeHeaders, readMessage, vectors } from '../fixtures/rfc9421/rfc9421-fixtures.js';
import type { HttpMessage, Vector } from '../fixtures/rfc9421/rfc9421-fixtures.js';

const CREATED = 1618884473;

/** The RFC's covered components, resolved from the test message the way certgate resolves them. */
function baseFor(v: Vector, msg: HttpMessage): string {
  const [label] = v.signatureInput!.split('=', 1);
  const entry = parseDictionary(v.signatureInput!).get(label!)!;
  const covered = (entry[0] as Array<[string, unknown]>).map(([id]) => id);
  const headers = nodeHeaders(msg);
  const target = msg.target ?? '';
  const lines: ComponentLine[] = covered.map((id) => {
    switch (id) {
      case '@method':
        return [id, msg.method!];
      case '@authority':
        return [id, headers.host!];
      case '@path':
        return [id, target.split('?')[0]!];
      case '@status':
        return [id, String(msg.status)];
      default:
        return [id, fieldValue([headers[id]!])];
    }
  });
  const params = signatureParamsValue(covered, [
    ['created', CREATED],
    ['keyid', v.keyid],
  ]);
  return buildSignatureBase(lines, params);
}

function sigBytes(v: Vector): Buffer {
  return Buffer.from(/=:(.*):$/.exec(v.signature!)![1]!, 'base64');
}

t.test('B.2.5 hmac-sha256: base byte for byte, signature equal', async (t) => {
  const v = vectors.b25;
  const base = baseFor(v, readMessage(v.message));
  t.equal(base, v.base.join('\n'));
  t.equal(createSignFn('hmac-sha256', keys.sharedSecret)(base).toString('base64'), sigBytes(v).toString('base64'));
  t.ok(createVerifyFn('hmac-sha256', keys.sharedSecret)(base, sigBytes(v)));
});

t.test('B.2.6 ed25519: base byte for byte, signature equal (Ed25519 is deterministic)', async (t) => {
  const v = vectors.b26;
  const base = baseFor(v, readMessage(v.message));
  t.equal(base, v.base.join('\n'));
  t.equal(createSignFn('ed25519', keys.ed25519Private)(base).toString('base64'), sigBytes(v).toString('base64'));
  t.ok(createVerifyFn('ed25519', keys.ed25519Public)(base, sigBytes(v)));
});

t.test('B.2.4 ecdsa-p256-sha256: base byte for byte, RFC signature verifies', async (t) => {
  const v = vectors.b24;
  const base = baseFor(v, readMessage(v.message));
  t.equal(base, v.base.join('\n'));
  const verify = createVerifyFn('ecdsa-p256-sha256', keys.eccP256Public);
  t.ok(verify(base, sigBytes(v)));
  t.notOk(verify(base.replace('200', '201'), sigBytes(v)), 'a changed base fails');
  // ECDSA is randomised: ours differs from the RFC's but verifies the same way (r||s, 64 bytes).
  const ours = createSignFn('ecdsa-p256-sha256', keys.eccP256Private)(base);
  t.equal(ours.length, 64);
  t.ok(verify(base, ours));
});

/** The RFC's request as an upstream receives it, with the vector's signature fields. */
function signedRfcRequest(v: Vector): { method: string; url: string; headers: Record<string, string> } {
  const msg = readMessage(v.message);
  return {
    method: msg.method!,
    url: msg.target!,
    headers: { ...nodeHeaders(msg), 'signature-input': v.signatureInput!, signature: v.signature! },
  };
}

for (const name of ['b25', 'b26'] as const) {
  t.test(`${name}: certgate's message verifier accepts the RFC signature`, async (t) => {
    const v = vectors[name];
    const key = name === 'b25' ? keys.sharedSecret : keys.ed25519Public;
    const label = v.signatureInput!.split('=', 1)[0]!;
    const opts = { label, keys: { [v.keyid]: key }, maxAge: 300, clockSkew: 0, now: CREATED * 1000, requiredComponents: [] };
    const result = verifyMessageSignature(requestView(signedRfcRequest(v)), opts);
    t.equal(result.keyId, v.keyid);
    t.equal(result.created, CREATED);
    const tampered = signedRfcRequest(v);
    tampered.headers['content-type'] = 'text/plain';
    t.throws(() => verifyMessageSignature(requestView(tampered), opts), { code: 'ERR_BAD_SIGNATURE' });
  });
}

t.test('B.3 TLS-terminating proxy: verifyForwardedRequest accepts the RFC signature and reads Client-Cert', async (t) => {
  const v = vectors.b3;
  const msg = readMessage(v.message);
  const req = { method: msg.method!, url: msg.target!, headers: nodeHeaders(msg) };
  const opts = {
    keys: { 'test-key-ecc-p256': keys.eccP256Public },
    maxAge: 60,
    format: 'rfc9440' as const,
    label: 'ttrp',
    now: (CREATED + 10) * 1000,
  };
  const id = verifyForwardedRequest(req, opts);
  t.equal(id.keyId, 'test-key-ecc-p256');
  t.equal(id.created, CREATED);
  const der = Buffer.from(/^:(.*):$/.exec(req.headers['client-cert']!)![1]!, 'base64');
  t.ok(id.certificate!.der.equals(der));
  t.match(id.certificate!.pem, /^-----BEGIN CERTIFICATE-----\n/);
  t.equal(id.certificate!.x5tS256.length, 43);

  t.throws(() => verifyForwardedRequest(req, { ...opts, now: (CREATED + 61 + 5) * 1000 }), { code: 'ERR_SIGNATURE_EXPIRED' });
  t.throws(() => verifyForwardedRequest({ ...req, url: '/foo?param=Value&Pet=cat' }, opts), { code: 'ERR_BAD_SIGNATURE' });
  t.throws(() => verifyForwardedRequest(req, { ...opts, keys: { 'test-key-ecc-p256': keys.ed25519Public } }), {
    code: 'ERR_BAD_SIGNATURE',
  });
});
