// The signing half of the RFC 9421 algorithms (the table and verification are in
// src/wire/signature-algorithms.ts): whether the configured key can sign with `alg`, and the sign
// function built once from it.
import { createHmac, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { algForKey, BASE_ENCODING, type SignatureAlg, type SignFn } from '../wire/signature-algorithms.js';

export type { SignFn };

/** Why `key` cannot sign with `alg`, or undefined when it can (a config-time check). */
export function signingKeyProblem(alg: SignatureAlg, key: KeyObject): string | undefined {
  const keyAlg = algForKey(key);
  if (keyAlg !== alg) {
    const kind = key.type === 'secret' ? 'a secret key' : `a ${key.asymmetricKeyType ?? 'unknown'} ${key.type} key`;
    return `alg ${alg} needs ${expectedKey(alg)}, got ${kind}`;
  }
  if (alg !== 'hmac-sha256' && key.type !== 'private') return `alg ${alg} needs a private key to sign`;
  // RFC 9421 section 3.3.3 does not fix a length; RFC 2104 advises at least the hash length.
  if (alg === 'hmac-sha256' && (key.symmetricKeySize ?? 0) < 32) return 'hmac-sha256 secret must be at least 32 bytes';
  return undefined;
}

function expectedKey(alg: SignatureAlg): string {
  if (alg === 'ed25519') return 'an Ed25519 private key';
  if (alg === 'ecdsa-p256-sha256') return 'an EC P-256 private key';
  return 'a secret key';
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

