// The three RFC 9421 section 3.3 algorithms certgate speaks, over node:crypto only (shared by the
// signer and `certgate/verify`). Functions are built once per key so the per-request work is the
// signature itself. The gateway's signing half (key checks, createSignFn) is src/signing/signing-key.ts.
import { createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export type SignatureAlg = 'ed25519' | 'ecdsa-p256-sha256' | 'hmac-sha256';

export const SIGNATURE_ALGS: readonly SignatureAlg[] = ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256'];

/** JWA names used when publishing keys (RFC 7518, RFC 8037). */
export const JWA_ALG: Readonly<Record<SignatureAlg, string>> = {
  ed25519: 'EdDSA',
  'ecdsa-p256-sha256': 'ES256',
  'hmac-sha256': 'HS256',
};

/** The algorithm a key can only be used with, or undefined for a key certgate cannot use. */
export function algForKey(key: KeyObject): SignatureAlg | undefined {
  if (key.type === 'secret') return 'hmac-sha256';
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return 'ecdsa-p256-sha256';
  }
  return undefined;
}

// The signature base is sent as header bytes, which Node writes as latin1; sign those same bytes.
export const BASE_ENCODING = 'latin1';

export type SignFn = (base: string) => Buffer;
export type VerifyFn = (base: string, signature: Uint8Array) => boolean;

/** `key` is a public key (a private key is reduced to its public half) or the HMAC secret. */
export function createVerifyFn(alg: SignatureAlg, key: KeyObject): VerifyFn {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  switch (alg) {
    case 'ed25519':
      return (base, sig) => sig.length === 64 && verify(null, Buffer.from(base, BASE_ENCODING), pub, sig);
    case 'ecdsa-p256-sha256': {
      const opts = { key: pub, dsaEncoding: 'ieee-p1363' as const };
      return (base, sig) => sig.length === 64 && verify('sha256', Buffer.from(base, BASE_ENCODING), opts, sig);
    }
    case 'hmac-sha256':
      return (base, sig) => {
        const mac = createHmac('sha256', key).update(base, BASE_ENCODING).digest();
        // Constant time: an early-exit compare would leak the MAC byte by byte.
        return sig.length === mac.length && timingSafeEqual(mac, sig);
      };
  }
}
