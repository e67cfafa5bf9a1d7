// The seam between the revocation policy (revocation-checker.ts) and the places a status comes
// from. OCSP and CRL are its two instances; a new source is one more instance, registered by name
// in the checker, with no change to the policy.
import type { CertInfo } from '../x509/certificate-info.js';
import type { CrlStore } from './crl-store.js';
import type { OcspClient } from './ocsp-client.js';
import type { RevocationSourceName } from './config.js';
import type { SourceStatus } from './types.js';

/** What one source says about one certificate. */
export type SourceAnswer =
  | SourceStatus
  /** The source exists but failed (unreachable, rejected, stale): staleGrace may apply. */
  | { readonly kind: 'error'; readonly detail: string }
  /** The source has nothing for this certificate (no URL, no CRL, disabled). */
  | { readonly kind: 'no-source' };

export interface RevocationSource {
  readonly name: RevocationSourceName;
  /** `now` is the checker's clock at the start of the lookup, for lifetimes relative to it. */
  status(cert: CertInfo, issuer: CertInfo, now: number): Promise<SourceAnswer>;
}

const NO_SOURCE: SourceAnswer = Object.freeze({ kind: 'no-source' });

/** OCSP (RFC 6960); `enabled: false` makes it a source that never has an answer. */
export function ocspSource(client: OcspClient, enabled: boolean): RevocationSource {
  return {
    name: 'ocsp',
    async status(cert, issuer) {
      if (!enabled) return NO_SOURCE;
      const o = await client.query(cert, issuer);
      if (o.kind !== 'answer') return o.kind === 'error' ? { kind: 'error', detail: o.detail } : NO_SOURCE;
      return { kind: 'answer', status: o.status, revokedAt: o.revokedAt, reason: o.reason, expiresAt: o.expiresAt, detail: o.detail };
    },
  };
}

/** CRLs (RFC 5280); an answer is reused until the CRL's nextUpdate, and at most `refresh` (the store re-reads by then). */
export function crlSource(store: CrlStore, refresh: number): RevocationSource {
  return {
    name: 'crl',
    async status(cert, issuer, now) {
      const c = await store.lookup(cert, issuer);
      if (c.kind === 'no-source') return NO_SOURCE;
      if (c.kind !== 'answer') return { kind: 'error', detail: c.detail };
      const cap = now + refresh;
      return { kind: 'answer', status: c.status, revokedAt: c.revokedAt, reason: c.reason, expiresAt: Math.min(c.validUntil ?? cap, cap), detail: c.detail };
    },
  };
}
