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
  /** Human text for the logs: names CRL files and responder URLs, so it never reaches a client. */
  readonly detail: string;
  /** Epoch ms until which this verdict may be reused. */
  readonly expiresAt: number;
  /** For a revoked chain: whether the leaf or an intermediate CA certificate is the revoked one. */
  readonly revokedCertificate?: 'leaf' | 'intermediate';
  /** For an unknown status: every source failed to answer (rather than one not vouching for it). */
  readonly unreachable?: boolean;
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
  /** the status is an intermediate CA certificate's, not the leaf's */
  readonly intermediate?: boolean;
}
