// The signing half of the RFC 9421 algorithms (the table and verification are in
// src/wire/signature-algorithms.ts): whether the configured key can sign with `alg`, and the sign
// function built once from it.
import { createHmac, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { algForKey, BASE_ENCODING, type SignatureAlg, type SignFn } from '../wire/signature-algorithms.js';

export type { SignFn };

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
  if (k.asymmetricKeyType === 'ec')
    return `an EC ${k.asymmetricKeyDetails?.namedCurve ?? ''} key`.replace('prime256v1', 'P-256').replace('secp384r1', 'P-384').replace('secp521r1', 'P-521');
  if (k.asymmetricKeyType === 'rsa') return `an RSA key`;
  return `an ${k.asymmetricKeyType ?? 'unknown'} key`;
}

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
