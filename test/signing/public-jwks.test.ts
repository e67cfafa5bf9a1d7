// Key publication: the JWKS holds public keys only (never `d`, never an HMAC secret) and imports
// back through certgate/verify's importJwks into keys that verify the gateway's signatures.
import t from 'tap';
import { createPublicKey } from 'node:crypto';
import { publicJwks } from '../../src/signing/public-jwks.js';
import { importJwks, verifyForwardedRequest } from '../../src/verify/index.js';
import { resolveKey } from '../../src/verify/keys.js';
import { keys as rfcKeys } from '../fixtures/rfc9421/rfc9421-fixtures.js';
import { forwardedRequest, signatureConfig } from '../verify/forwarded-request-fixture.js';

t.test('public members, kid, alg, use; hmac never published', async (t) => {
  const ed = signatureConfig('ed25519', 'ed-1');
  const ec = signatureConfig('ecdsa-p256-sha256', 'ec-1');
  const hmac = signatureConfig('hmac-sha256', 'h-1');
  const jwks = publicJwks([ed, ec, hmac, ed]);
  t.equal(jwks.keys.length, 2, 'hmac left out, duplicate kid once');
  const [edJwk, ecJwk] = jwks.keys;
  t.same(Object.keys(edJwk!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
  t.match(edJwk, { kty: 'OKP', crv: 'Ed25519', kid: 'ed-1', alg: 'EdDSA', use: 'sig' });
  t.same(Object.keys(ecJwk!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  t.match(ecJwk, { kty: 'EC', crv: 'P-256', kid: 'ec-1', alg: 'ES256', use: 'sig' });
  t.notMatch(JSON.stringify(jwks), /"d"|"k"/);
});

t.test('JWKS round-trip: export, JSON, import, verify', async (t) => {
  for (const alg of ['ed25519', 'ecdsa-p256-sha256'] as const) {
    const sig = signatureConfig(alg, `kid-${alg}`);
    const imported = importJwks(JSON.parse(JSON.stringify(publicJwks([sig]))) as Parameters<typeof importJwks>[0]);
    t.same(Object.keys(imported), [sig.keyId]);
    const pub = createPublicKey({ key: imported[sig.keyId]!, format: 'jwk' });
    t.ok(pub.equals(sig.publicKey), `${alg} public key survives`);
    const id = verifyForwardedRequest(forwardedRequest({ sig }), { keys: imported, maxAge: 10 });
    t.equal(id.keyId, sig.keyId);
  }
});

t.test('the RFC test keys as JWK resolve to their algorithms', async (t) => {
  const ed = { ...rfcKeys.ed25519Public.export({ format: 'jwk' }), kid: 'test-key-ed25519' };
  t.equal(ed.x, 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs', 'RFC 9421 B.1.4 public key');
  t.equal(resolveKey(ed).alg, 'ed25519');
  t.equal(resolveKey({ ...rfcKeys.eccP256Public.export({ format: 'jwk' }) }).alg, 'ecdsa-p256-sha256');
  const oct = { kty: 'oct', k: rfcKeys.sharedSecret.export().toString('base64url'), kid: 'test-shared-secret' };
  t.equal(resolveKey(oct).alg, 'hmac-sha256');
  // A private JWK gives only its public half to the verifier.
  t.equal(resolveKey(rfcKeys.ed25519Private.export({ format: 'jwk' })).alg, 'ed25519');
});

t.test('importJwks refuses what it cannot use', async (t) => {
  t.throws(() => importJwks({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs' }] }), /kid/);
  const p384 = { kty: 'EC', crv: 'P-384', kid: 'x', x: 'iA7lWQLzVrKGEFjfGMfMHfTEZ2KnLiKU7JuNT3E7ygsfE7ygsfE7ygsfE7ygsfE7', y: 'x' };
  t.throws(() => importJwks({ keys: [p384] }));
  const ed = { ...rfcKeys.ed25519Public.export({ format: 'jwk' }), kid: 'a' };
  t.throws(() => importJwks({ keys: [{ ...ed, alg: 'ES256' }] }), /does not fit/);
  t.throws(() => importJwks({ keys: [ed, ed] }), /duplicate kid/);
  t.same(Object.keys(importJwks({ keys: [{ ...ed, use: 'enc' }] })), [], 'encryption keys skipped');
});
