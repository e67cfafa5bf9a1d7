// The revocation stage's configuration, as src/config/revocation-config.ts validates it (durations
// in milliseconds, CRL files already read). src/config/types.ts re-exports it.
import type { Milliseconds } from '../config/units.js';

export type RevocationCheck = 'off' | 'leaf' | 'chain';
/** A revocation source by its config name (see revocation-source.ts). */
export type RevocationSourceName = 'ocsp' | 'crl';

export interface OcspConfig {
  readonly enabled: boolean;
  /** Overrides the certificate's AIA OCSP URL. */
  readonly responder?: string;
  readonly timeout: Milliseconds;
  readonly nonce: boolean;
  /** Cache lifetime of a good answer that carries no nextUpdate. */
  readonly maxAge: Milliseconds;
  /** How long a failed lookup is remembered so a dead responder is not hammered. */
  readonly errorTtl: Milliseconds;
  /** Allowed clock skew on thisUpdate/nextUpdate. */
  readonly clockSkew: Milliseconds;
}

export interface CrlFile {
  readonly path: string;
  /** Each CRL in the file as DER (a PEM bundle may hold several). */
  readonly der: readonly Buffer[];
}

export interface CrlConfig {
  readonly files: readonly CrlFile[];
  readonly distributionPoints: boolean;
  readonly refresh: Milliseconds;
  readonly fetchTimeout: Milliseconds;
}

/** Per trust-anchor override, matched by the CA certificate's x5t#S256 or its subject DN. */
export interface RevocationOverride {
  readonly issuer: { readonly thumbprint?: string; readonly subjectDN?: string };
  readonly sources?: readonly RevocationSourceName[];
  readonly check?: RevocationCheck;
}

export interface RevocationConfig {
  readonly check: RevocationCheck;
  readonly sources: readonly RevocationSourceName[];
  readonly failMode: 'closed' | 'open';
  readonly staleGrace: Milliseconds;
  /** With check: chain, what to do with a CA certificate that names no revocation source. */
  readonly intermediateWithoutSource: 'skip' | 'unknown';
  readonly ocsp: OcspConfig;
  readonly crl: CrlConfig;
  readonly overrides: readonly RevocationOverride[];
}
