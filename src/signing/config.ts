// The RFC 9421 signing configuration of an upstream, as src/config/upstream-config.ts validated it
// (keys read, imported and judged by signingKeyProblem at load). src/config/types.ts re-exports it.
import type { KeyObject } from 'node:crypto';
import type { SignatureAlg } from '../wire/signature-algorithms.js';

export interface SignatureConfig {
  readonly alg: SignatureAlg;
  readonly keyId: string;
  /** Private key (asymmetric) or secret key (hmac). */
  readonly key: KeyObject;
  readonly keyPath: string;
  /** Seconds after `created`; absent means no `expires` parameter. */
  readonly expiresIn?: number;
  /** `publishKeys`: further public keys in the JWKS, not used to sign (rotation overlap). */
  readonly publishKeys?: readonly PublishedKey[];
}

export interface PublishedKey {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  /** Public key. */
  readonly key: KeyObject;
  readonly path: string;
}
