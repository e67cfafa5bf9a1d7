// Key pairs for the certificate factory, through WebCrypto so @peculiar/x509 can sign with them.
// EC P-256 is the default: generating it takes microseconds, RSA-2048 tens of milliseconds.
import { KeyObject, webcrypto } from 'node:crypto';

export type KeyAlgorithm = 'ec-p256' | 'rsa-2048';
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

const GENERATE: Record<KeyAlgorithm, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' },
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
};

export async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  // Extractable so the private key can be written as PKCS#8 PEM for Node's tls module.
  return webcrypto.subtle.generateKey(GENERATE[algorithm], true, ['sign', 'verify']);
}

/** The algorithm a given private key signs certificates and CRLs with (always SHA-256). */
export function signingAlgorithmFor(key: CryptoKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: key.algorithm.name };
}

export function keyAlgorithmOf(key: CryptoKey): KeyAlgorithm {
  return key.algorithm.name === 'ECDSA' ? 'ec-p256' : 'rsa-2048';
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), which node:tls and every other tool read. */
export function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}
