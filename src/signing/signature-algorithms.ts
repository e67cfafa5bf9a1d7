// The three RFC 9421 section 3.3 algorithms certgate speaks, over node:crypto only (shared by the
// signer and `certgate/verify`). Functions are built once per key so the per-request work is the
// signature itself.
import { createHmac, createPublicKey, sign, timingSafeEqual, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { SignatureAlg } from '../config/types.js';

export type { SignatureAlg };

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

/** RFC 2104 / RFC 7518 section 3.2: an HMAC-SHA-256 key at least as long as the hash. */
const MIN_HMAC_KEY_BYTES = 32;

/**
 * Why `key` cannot sign with `alg`, or undefined when it can. The config loader runs this on the
 * key it imported (src/config/signature-key.ts) and the signer again when it is built, so
 * `certgate check` and the runtime judge a key alike. `source` names the key in the message.
 */
export function signingKeyProblem(alg: SignatureAlg, key: KeyObject, source = 'the key'): string | undefined {
  if (algForKey(key) !== alg) return `alg ${alg} needs ${expectedKey(alg)}; ${source} holds ${describeKey(key)}`;
  if (alg !== 'hmac-sha256' && key.type !== 'private') return `alg ${alg} needs a private key to sign`;
  // RFC 9421 section 3.3.3 does not fix a length; RFC 2104 advises at least the hash length.
  const bytes = key.symmetricKeySize ?? 0;
  if (alg === 'hmac-sha256' && bytes < MIN_HMAC_KEY_BYTES) return `hmac-sha256 secret in ${source} is ${bytes} bytes; at least ${MIN_HMAC_KEY_BYTES} are needed`;
  return undefined;
}

function expectedKey(alg: SignatureAlg): string {
  if (alg === 'ed25519') return 'an Ed25519 private key';
  if (alg === 'ecdsa-p256-sha256') return 'an EC P-256 private key';
  return 'a secret key';
}

function describeKey(k: KeyObject): string {
  if (k.type === 'secret') return 'a secret key';
  if (k.asymmetricKeyType === 'ec') return `an EC ${k.asymmetricKeyDetails?.namedCurve ?? ''} key`.replace('prime256v1', 'P-256').replace('secp384r1', 'P-384').replace('secp521r1', 'P-521');
  if (k.asymmetricKeyType === 'rsa') return `an RSA key`;
  return `an ${k.asymmetricKeyType ?? 'unknown'} key`;
}

// The signature base is sent as header bytes, which Node writes as latin1; sign those same bytes.
const BASE_ENCODING = 'latin1';

export type SignFn = (base: string) => Buffer;
export type VerifyFn = (base: string, signature: Uint8Array) => boolean;

export function createSignFn(alg: SignatureAlg, key: KeyObject): SignFn {
  const problem = signingKeyProblem(alg, key);
  if (problem) throw new TypeError(problem);
  switch (alg) {
    case 'ed25519':
      return (base) => sign(null, Buffer.from(base, BASE_ENCODING), key);
    case 'ecdsa-p256-sha256': {
      // RFC 9421 section 3.3.4: r || s, 32 bytes each, not DER.
      const opts = { key, dsaEncoding: 'ieee-p1363' as const };
      return (base) => sign('sha256', Buffer.from(base, BASE_ENCODING), opts);
    }
    case 'hmac-sha256':
      return (base) => createHmac('sha256', key).update(base, BASE_ENCODING).digest();
  }
}

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
