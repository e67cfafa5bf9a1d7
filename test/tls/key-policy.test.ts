// The client key policy as a pure function of (certificate, policy), with the refusal sentences
// the client is shown written out literally. Over TLS: test/e2e/client-key-policy.test.ts.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { keyPolicyViolation } from '../../src/tls/key-policy.js';
import { DEFAULT_KEY_POLICY } from '../../src/config/key-policy.js';
import { makeTestPki } from '../helpers/pki.js';
import { buildRawCertificate, type KeySpec } from '../helpers/raw-certificate.js';

const pki = await makeTestPki();
const cert = (key: KeySpec) => new X509Certificate(buildRawCertificate({ issuer: pki.rootCa, key }).der);

t.test('the default policy', async (t) => {
  const table: Array<[string, KeySpec, string | undefined]> = [
    ['RSA-1024', { type: 'rsa', bits: 1024 }, 'client key RSA 1024 bits is below the policy minimum 2048'],
    ['RSA-2047', { type: 'rsa', bits: 2047 }, 'client key RSA 2047 bits is below the policy minimum 2048'],
    ['RSA-2048', { type: 'rsa', bits: 2048 }, undefined],
    ['DSA-1024', { type: 'dsa', bits: 1024 }, 'client key DSA 1024 bits is below the policy minimum 2048'],
    ['DSA-2048', { type: 'dsa', bits: 2048 }, undefined],
    ['P-256', { type: 'ec', curve: 'P-256' }, undefined],
    ['P-384', { type: 'ec', curve: 'P-384' }, undefined],
    ['P-521', { type: 'ec', curve: 'P-521' }, undefined],
    ['secp256k1', { type: 'ec', curve: 'secp256k1' }, 'client key EC curve secp256k1 is not allowed by the policy (allowed: P-256, P-384, P-521)'],
    ['brainpoolP256r1', { type: 'ec', curve: 'brainpoolP256r1' }, 'client key EC curve brainpoolP256r1 is not allowed by the policy (allowed: P-256, P-384, P-521)'],
    ['secp224r1', { type: 'ec', curve: 'secp224r1' }, 'client key EC curve secp224r1 is not allowed by the policy (allowed: P-256, P-384, P-521)'],
    ['Ed25519', { type: 'ed25519' }, undefined],
  ];
  for (const [name, key, expected] of table) t.equal(keyPolicyViolation(cert(key), DEFAULT_KEY_POLICY), expected, name);
});

t.test('a configured policy', async (t) => {
  const policy = { rsaMinBits: 3072, dsaMinBits: false as const, ecCurves: ['P-384'], ed25519: false, ed448: true };
  t.equal(keyPolicyViolation(cert({ type: 'rsa', bits: 2048 }), policy), 'client key RSA 2048 bits is below the policy minimum 3072');
  t.equal(keyPolicyViolation(cert({ type: 'dsa', bits: 2048 }), policy), 'client key type DSA is not allowed by the policy');
  t.equal(keyPolicyViolation(cert({ type: 'ec', curve: 'P-256' }), policy), 'client key EC curve P-256 is not allowed by the policy (allowed: P-384)');
  t.equal(keyPolicyViolation(cert({ type: 'ed25519' }), policy), 'client key type Ed25519 is not allowed by the policy');
  t.equal(keyPolicyViolation(cert({ type: 'ec', curve: 'P-384' }), policy), undefined);
});
