// The contract between the revocation stage and the gateway.

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

export interface RevocationVerdict {
  /** Final status of the checked chain. */
  readonly status: RevocationStatus;
  /** After failMode/staleGrace: may the request pass? */
  readonly admit: boolean;
  readonly source: 'ocsp' | 'crl' | 'stale-grace' | 'none';
  readonly cached: boolean;
  readonly revokedAt?: Date;
  /** RFC 5280 reason name, e.g. keyCompromise, certificateHold. */
  readonly revocationReason?: string;
  /** Human text for logs / error_description. */
  readonly detail: string;
  /** Epoch ms until which this verdict may be reused. */
  readonly expiresAt: number;
}

/** An answer a revocation source vouches for ('unknown' here is authoritative: it does not serve the certificate). */
export interface SourceStatus {
  readonly kind: 'answer';
  readonly status: RevocationStatus;
  readonly revokedAt?: Date;
  /** RFC 5280 reason name. */
  readonly reason?: string;
  /** Epoch ms until which the answer may be reused. */
  readonly expiresAt: number;
  readonly detail: string;
}

/** The status of one certificate of the chain, as one source (or none) decided it. */
export interface CertStatus {
  readonly status: RevocationStatus;
  readonly source: 'ocsp' | 'crl' | 'none';
  readonly detail: string;
  readonly expiresAt: number;
  readonly revokedAt?: Date;
  readonly reason?: string;
  /** unknown only because every source failed (unreachable, rejected, stale): staleGrace may apply. */
  readonly unreachable: boolean;
}
