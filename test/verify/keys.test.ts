// Verification keys of certgate/verify (keys.ts): what importJwks refuses and skips, every key
// input form, and that the algorithm comes from the key (a JWK `alg` may only confirm it).
// Messages written out literally; real keys generated here.
import t from 'tap';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { importJwks, resolveKey, type Jwk } from '../../src/verify/keys.js';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const edJwk = { ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed-1' } as Jwk;
const secret = randomBytes(32);
const octJwk: Jwk = { kty: 'oct', k: secret.toString('base64url'), kid: 'h-1' };

t.test('importJwks: refusals and skips', async (t) => {
  for (const bad of [undefined, null, {}, { keys: 'x' }]) {
    t.throws(() => importJwks(bad as never), new TypeError('a JWKS has a "keys" array'), bad === undefined ? 'undefined' : JSON.stringify(bad));
  }
  t.throws(() => importJwks({ keys: [{ ...edJwk, kid: '' }] }), new TypeError('every JWK needs a "kid"'));
  t.throws(() => importJwks({ keys: [{ ...edJwk, kid: undefined }] }), new TypeError('every JWK needs a "kid"'));
  t.throws(() => importJwks({ keys: [edJwk, { ...edJwk }] }), new TypeError('duplicate kid ed-1'));
  t.same(Object.keys(importJwks({ keys: [edJwk, { ...octJwk, use: 'enc' }, { ...edJwk, kid: 'ed-2', use: 'sig' }] })), ['ed-1', 'ed-2'], 'use: enc is skipped');
  t.throws(() => importJwks({ keys: [{ kty: 'oct', kid: 'no-k' }] }), new TypeError('oct JWK without "k"'), 'checked at import, not on the first request');
});

t.test('resolveKey: every input form, the algorithm from the key', async (t) => {
  t.equal(resolveKey(ed.publicKey).alg, 'ed25519', 'KeyObject');
  t.equal(resolveKey(ed.publicKey.export({ type: 'spki', format: 'pem' }) as string).alg, 'ed25519', 'PEM string');
  t.equal(resolveKey(ec.publicKey.export({ type: 'spki', format: 'pem' }) as string).alg, 'ecdsa-p256-sha256', 'EC P-256 PEM');
  t.equal(resolveKey(secret).alg, 'hmac-sha256', 'Buffer: an HMAC secret');
  t.equal(resolveKey(octJwk).alg, 'hmac-sha256', 'oct JWK');
  t.equal(resolveKey(edJwk).alg, 'ed25519', 'OKP JWK');
  t.equal(resolveKey({ ...edJwk, alg: 'EdDSA' }).alg, 'ed25519', 'JWK alg in JWA spelling');
  t.equal(resolveKey({ ...edJwk, alg: 'ed25519' }).alg, 'ed25519', 'JWK alg in RFC 9421 spelling');
  t.throws(() => resolveKey({ ...edJwk, alg: 'ES256' }), new TypeError('JWK alg ES256 does not fit a ed25519 key'));
  t.throws(() => resolveKey({ ...octJwk, alg: 'EdDSA' }), new TypeError('JWK alg EdDSA does not fit a hmac-sha256 key'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  t.throws(() => resolveKey(rsa.publicKey), new TypeError('key is not Ed25519, EC P-256 or an HMAC secret'));
  t.equal(resolveKey(ed.publicKey), resolveKey(ed.publicKey), 'resolved once per key object');
});

t.test('the resolved verifier checks signatures with that key only', async (t) => {
  const msg = 'signature base';
  const sigEd = sign(null, Buffer.from(msg), ed.privateKey);
  t.equal(resolveKey(ed.publicKey.export({ type: 'spki', format: 'pem' }) as string).verify(msg, sigEd), true);
  t.equal(resolveKey(edJwk).verify(msg, sigEd), true);
  t.equal(resolveKey(generateKeyPairSync('ed25519').publicKey).verify(msg, sigEd), false, 'another key');
  // an oct JWK's k is base64url: the secret it names is the one that verifies
  const mac = createHmac('sha256', secret).update(msg).digest();
  t.equal(resolveKey(octJwk).verify(msg, mac), true);
  const privateJwk = { ...ed.privateKey.export({ format: 'jwk' }), kid: 'p' } as Jwk;
  t.equal(resolveKey(privateJwk).verify(msg, sigEd), true, 'a private JWK yields its public half');
});
