// A certificate's key as type, size and curve, with curves under the names operators write in
// keyPolicy.ecCurves. The policy built on it: test/tls/key-policy.test.ts.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { publicKeyFacts } from '../../src/x509/public-key.js';
import { makeTestPki } from '../helpers/pki.js';
import { buildRawCertificate, type KeySpec } from '../helpers/raw-certificate.js';

const pki = await makeTestPki();
const cert = (key: KeySpec) => new X509Certificate(buildRawCertificate({ issuer: pki.rootCa, key }).der);

t.test('type, bits and curve, curves by their NIST / RFC 8422 name', async (t) => {
  t.same(publicKeyFacts(cert({ type: 'rsa', bits: 2048 })), { type: 'rsa', bits: 2048, curve: undefined });
  t.same(publicKeyFacts(cert({ type: 'dsa', bits: 2048 })), { type: 'dsa', bits: 2048, curve: undefined });
  t.same(publicKeyFacts(cert({ type: 'ec', curve: 'P-256' })), { type: 'ec', bits: undefined, curve: 'P-256' });
  t.same(publicKeyFacts(cert({ type: 'ec', curve: 'P-521' })), { type: 'ec', bits: undefined, curve: 'P-521' });
  t.same(publicKeyFacts(cert({ type: 'ec', curve: 'brainpoolP256r1' })), { type: 'ec', bits: undefined, curve: 'brainpoolP256r1' });
  t.same(publicKeyFacts(cert({ type: 'ec', curve: 'secp224r1' })), { type: 'ec', bits: undefined, curve: 'secp224r1' }, "a curve with no config name keeps OpenSSL's");
  t.same(publicKeyFacts(cert({ type: 'ed25519' })), { type: 'ed25519', bits: undefined, curve: undefined });
});
