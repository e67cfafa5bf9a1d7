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

  /** The override for a trust anchor, or undefined. Called once per anchor per trust generation. */
  match(anchor: CertInfo): RevocationOverride | undefined {
    const byThumbprint = this.byThumbprint.get(anchor.thumbprint) ?? Infinity;
    const key = subjectKey(anchor);
    const bySubject = (key === undefined ? undefined : this.bySubject.get(key)) ?? Infinity;
    // overrides[Infinity] is undefined: no override names this anchor.
    return this.overrides[Math.min(byThumbprint, bySubject)];
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
    // a subject that cannot be decoded matches no subjectDN override (its thumbprint still can)
  }
  return undefined;
}
