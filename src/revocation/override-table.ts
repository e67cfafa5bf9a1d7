// Per trust-anchor overrides (`revocation.overrides`), compiled once into lookups: by the anchor's
// x5t#S256 and by its subject as the identity module's DN normaliser sees it (RFC 4517
// distinguishedNameMatch: escaping, case, spacing and string types all handled).
import { decodeName } from '../x509/der-name.js';
import { normalizeDN } from '../x509/distinguished-name.js';
import type { CertInfo } from '../x509/certificate-info.js';
import type { RevocationOverride } from './config.js';

export class OverrideTable {
  /** Index in config order per key: when both keys match different overrides, the first written wins. */
  private readonly byThumbprint = new Map<string, number>();
  private readonly bySubject = new Map<string, number>();

  constructor(private readonly overrides: readonly RevocationOverride[]) {
    overrides.forEach((o, i) => {
      const { thumbprint, subjectDN } = o.issuer;
      if (thumbprint !== undefined && !this.byThumbprint.has(thumbprint)) this.byThumbprint.set(thumbprint, i);
      if (subjectDN !== undefined) {
        const key = compileOverrideSubject(subjectDN);
        if (!this.bySubject.has(key)) this.bySubject.set(key, i);
      }
    });
  }

  get size(): number {
    return this.overrides.length;
  }

  /** The override for a trust anchor, or undefined. */
  match(anchor: CertInfo): RevocationOverride | undefined {
    if (this.overrides.length === 0) return undefined;
    const byThumbprint = this.byThumbprint.get(anchor.thumbprint);
    const key = this.bySubject.size > 0 ? subjectKey(anchor) : undefined;
    const bySubject = key === undefined ? undefined : this.bySubject.get(key);
    const i = Math.min(byThumbprint ?? Infinity, bySubject ?? Infinity);
    return i === Infinity ? undefined : this.overrides[i];
  }
}

/**
 * The lookup key of an override's subjectDN. Throws on a DN it cannot key; the config loader runs
 * this on every override (src/config/revocation-config.ts), so `check` and the runtime agree.
 */
export function compileOverrideSubject(subjectDN: string): string {
  return normalizeDN(subjectDN);
}

function subjectKey(anchor: CertInfo): string | undefined {
  try {
    return normalizeDN(decodeName(anchor.subjectDer));
  } catch {
    return undefined;
  }
}
