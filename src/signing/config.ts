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
  /** Seconds after `created` for the `expires` parameter (default 30). */
  readonly expiresIn: number;
  /** Largest body, in bytes, that is buffered and covered by `Content-Digest` (default 64 KiB). */
  readonly digestMaxBody: number;
  /** What happens to a body over digestMaxBody; a route may override it. */
  readonly largeBodies: LargeBodies;
  /** `publishKeys`: further public keys in the JWKS, not used to sign (rotation overlap). */
  readonly publishKeys?: readonly PublishedKey[];
}

/**
 * `reject` answers 413 (safe for token, PAR and introspection endpoints); `unsigned-body` forwards
 * the body with the signature tagged `certgate-nobody` and no digest.
 */
export type LargeBodies = 'reject' | 'unsigned-body';
export const LARGE_BODIES: readonly LargeBodies[] = ['reject', 'unsigned-body'];

export interface PublishedKey {
  readonly keyId: string;
  readonly alg: SignatureAlg;
  /** Public key. */
  readonly key: KeyObject;
  readonly path: string;
}
