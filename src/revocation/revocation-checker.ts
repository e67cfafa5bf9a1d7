// The revocation stage: policy over the OCSP client and the CRL store. Verdicts are computed once
// per leaf certificate per cache lifetime (concurrent checks share one computation) and the
// gateway probes the cache synchronously before awaiting anything.
import type { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RevocationCheck, RevocationConfig, RevocationOverride, RevocationSource } from '../config/types.js';
import { certInfo, type CertInfo } from '../x509/certificate-info.js';
import { decodeName, formatName } from '../x509/der-name.js';
import { normalizeDN } from '../x509/distinguished-name.js';
import { CrlStore } from './crl-store.js';
import { Coalescer, TtlCache } from './ocsp-cache.js';
import { OcspClient } from './ocsp-client.js';
import { createRevocationMetrics, type RevocationMetrics } from './revocation-metrics.js';
import type { CertStatus, RevocationVerdict } from './types.js';

export interface RevocationCheckerDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly trustAnchors: readonly X509Certificate[];
  readonly now?: () => number;
}

const OFF: RevocationVerdict = Object.freeze({
  status: 'good', admit: true, source: 'none', cached: false, detail: 'revocation checking is off', expiresAt: Number.POSITIVE_INFINITY,
});

export class RevocationChecker {
  readonly ocsp: OcspClient;
  readonly crl: CrlStore;
  private readonly metrics: RevocationMetrics;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly anchors: readonly CertInfo[];
  private readonly verdicts: TtlCache<RevocationVerdict>;
  /** Last good verdict per leaf, kept staleGrace past its expiry for bounded soft-fail. */
  private readonly lastGood: TtlCache<RevocationVerdict>;
  private readonly inflight = new Coalescer<RevocationVerdict>();
  /** Overrides with their issuer DN normalised once, when the checker is provisioned. */
  private readonly overrides: ReadonlyArray<{ readonly override: RevocationOverride; readonly subjectKey: string | undefined }>;

  constructor(
    private readonly config: RevocationConfig,
    deps: RevocationCheckerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.logger = deps.logger.child({ component: 'revocation' });
    this.metrics = createRevocationMetrics(deps.registry);
    this.anchors = deps.trustAnchors.map(certInfo);
    this.overrides = config.overrides.map((override) => ({
      override,
      subjectKey: override.issuer.subjectDN === undefined ? undefined : normalizeDN(override.issuer.subjectDN),
    }));
    this.verdicts = new TtlCache(100_000, this.now);
    this.lastGood = new TtlCache(100_000, this.now);
    this.ocsp = new OcspClient(config.ocsp, { logger: this.logger, metrics: this.metrics, now: this.now });
    this.crl = new CrlStore(config.crl, {
      logger: this.logger, metrics: this.metrics, now: this.now, trustAnchors: this.anchors, clockSkew: config.ocsp.clockSkew,
    });
  }

  async start(): Promise<void> {
    if (this.config.check !== 'off' && this.config.sources.includes('crl')) await this.crl.start();
  }

  async close(): Promise<void> {
    await Promise.all([this.ocsp.close(), this.crl.close()]);
  }

  /** Synchronous cache probe, keyed by the leaf's x5t#S256 (base64url SHA-256 of its DER). */
  cached(leafThumbprint: string): RevocationVerdict | undefined {
    if (this.config.check === 'off') return OFF;
    const v = this.verdicts.get(leafThumbprint);
    return v && { ...v, cached: true };
  }

  /** chain = [leaf, issuer, ..., trust anchor], as verified by the TLS handshake. */
  async check(chain: readonly X509Certificate[]): Promise<RevocationVerdict> {
    if (this.config.check === 'off' || chain.length === 0) return OFF;
    const leaf = certInfo(chain[0]!);
    const hit = this.verdicts.get(leaf.thumbprint);
    const v = hit ? { ...hit, cached: true } : await this.inflight.run(leaf.thumbprint, () => this.decide(chain));
    this.metrics.checks.inc({ source: v.source, result: v.status });
    return v;
  }

  private async decide(chain: readonly X509Certificate[]): Promise<RevocationVerdict> {
    const certs = chain.map(certInfo);
    const leaf = certs[0]!;
    if (certs.length === 1) {
      // The gateway normally passes the anchor; if not, find the leaf's issuer among the anchors.
      const anchor = this.anchors.find((a) => leaf.x509.checkIssued(a.x509));
      if (anchor) certs.push(anchor);
    }
    const anchor = certs[certs.length - 1]!;
    const override = this.overrideFor(anchor);
    const check: RevocationCheck = override?.check ?? this.config.check;
    const sources = override?.sources ?? this.config.sources;
    if (check === 'off') return { ...OFF, detail: `revocation checking is off for ${formatName(anchor.subjectDer)}` };

    const targets: number[] = [];
    for (let i = 0; i < certs.length - 1 && (check === 'chain' || i === 0); i++) targets.push(i);
    if (targets.length === 0) {
      return this.finish(leaf, { status: 'unknown', source: 'none', detail: 'issuer of the client certificate is unknown', expiresAt: this.now() + this.config.ocsp.errorTtl, unreachable: false });
    }
    const results = await Promise.all(targets.map((i) => this.checkOne(certs[i]!, certs[i + 1]!, sources, i === 0)));
    const expiresAt = Math.min(...results.map((r) => r.expiresAt));
    const revoked = results.find((r) => r.status === 'revoked');
    const unknown = results.find((r) => r.status === 'unknown');
    const decided = revoked ?? unknown ?? results[0]!;
    const unreachable = !revoked && results.every((r) => r.status !== 'unknown' || r.unreachable);
    const where = (r: CertStatus): string => (results.length > 1 && r !== results[0] ? `intermediate: ${r.detail}` : r.detail);
    return this.finish(leaf, { ...decided, detail: where(decided), expiresAt, unreachable });
  }

  /** Applies staleGrace and failMode, caches the verdict and logs what needs a human's attention. */
  private finish(leaf: CertInfo, r: CertStatus): RevocationVerdict {
    const now = this.now();
    let v: RevocationVerdict;
    if (r.status !== 'unknown') {
      v = { status: r.status, admit: r.status === 'good', source: r.source, cached: false, revokedAt: r.revokedAt, revocationReason: r.reason, detail: r.detail, expiresAt: r.expiresAt };
      if (r.status === 'good') this.lastGood.set(leaf.thumbprint, v, r.expiresAt + this.config.staleGrace);
      else {
        // A revoked (or on-hold) answer erases the last good one: once its own lifetime ends and
        // the sources go down, staleGrace must not re-admit the certificate with the older answer.
        this.lastGood.delete(leaf.thumbprint);
        this.logger.warn({ event: 'certificate_revoked', serial: leaf.serial, thumbprint: leaf.thumbprint, source: r.source, reason: r.reason }, r.detail);
      }
    } else {
      // An authoritative "unknown" (the responder does not vouch for this certificate) also ends
      // the grace of an earlier good answer; only an unreachable source may fall back on it.
      if (!r.unreachable) this.lastGood.delete(leaf.thumbprint);
      const prev = r.unreachable && this.config.staleGrace > 0 ? this.lastGood.peek(leaf.thumbprint) : undefined;
      const retryAt = now + this.config.ocsp.errorTtl;
      if (prev && now <= prev.expiresAt) {
        const until = prev.expiresAt;
        v = { status: 'good', admit: true, source: 'stale-grace', cached: false, expiresAt: Math.min(until, retryAt),
          detail: `every revocation source failed (${r.detail}); last good answer (${prev.value.detail}) used within staleGrace until ${new Date(until).toISOString()}` };
        this.logger.warn({ event: 'revocation_stale_grace', serial: leaf.serial, thumbprint: leaf.thumbprint }, v.detail);
      } else if (this.config.failMode === 'open') {
        v = { status: 'unknown', admit: true, source: r.source, cached: false, expiresAt: retryAt, detail: r.detail };
        this.metrics.failOpen.inc({ status: 'unknown' });
        this.logger.warn({ event: 'revocation_fail_open', serial: leaf.serial, thumbprint: leaf.thumbprint }, `admitting with unknown revocation status (failMode open): ${r.detail}`);
      } else {
        v = { status: 'unknown', admit: false, source: r.source, cached: false, expiresAt: retryAt, detail: r.detail };
      }
    }
    this.verdicts.set(leaf.thumbprint, v, v.expiresAt);
    return v;
  }

  private async checkOne(cert: CertInfo, issuer: CertInfo, sources: readonly RevocationSource[], isLeaf: boolean): Promise<CertStatus> {
    const now = this.now();
    const notes: string[] = [];
    let tried = false;
    let authoritativeUnknown = false;
    for (const s of sources) {
      if (s === 'ocsp' && this.config.ocsp.enabled) {
        const o = await this.ocsp.query(cert, issuer);
        if (o.kind === 'no-source') continue;
        tried = true;
        if (o.kind === 'answer' && o.status !== 'unknown') {
          return { status: o.status, source: 'ocsp', detail: o.detail, expiresAt: o.expiresAt, revokedAt: o.revokedAt, reason: o.reason, unreachable: false };
        }
        if (o.kind === 'answer') authoritativeUnknown = true;
        notes.push(o.detail);
      } else if (s === 'crl') {
        const c = await this.crl.lookup(cert, issuer);
        if (c.kind === 'no-source') continue;
        tried = true;
        if (c.kind === 'answer') {
          const cap = now + this.config.crl.refresh;
          return { status: c.status, source: 'crl', detail: c.detail, expiresAt: Math.min(c.validUntil ?? cap, cap), revokedAt: c.revokedAt, reason: c.reason, unreachable: false };
        }
        notes.push(c.detail);
      }
    }
    const expiresAt = now + this.config.ocsp.errorTtl;
    if (!tried) {
      const subject = formatName(cert.subjectDer);
      if (!isLeaf && this.config.intermediateWithoutSource === 'skip') {
        this.logger.info({ event: 'revocation_no_source', subject }, `no revocation source for intermediate ${subject}; treated as good (intermediateWithoutSource: skip)`);
        return { status: 'good', source: 'none', detail: `no revocation source for intermediate ${subject} (skipped)`, expiresAt: now + this.config.crl.refresh, unreachable: false };
      }
      return { status: 'unknown', source: 'none', detail: `no revocation source for ${subject}`, expiresAt, unreachable: false };
    }
    return { status: 'unknown', source: sources[0] ?? 'none', detail: notes.join('; '), expiresAt, unreachable: !authoritativeUnknown };
  }

  private overrideFor(anchor: CertInfo): RevocationConfig['overrides'][number] | undefined {
    if (this.overrides.length === 0) return undefined;
    const dn = anchorSubjectKey(anchor);
    return this.overrides.find((o) =>
      (o.override.issuer.thumbprint !== undefined && o.override.issuer.thumbprint === anchor.thumbprint)
      || (o.subjectKey !== undefined && o.subjectKey === dn))?.override;
  }
}

// The anchor's subject as the one DN normaliser (x509/distinguished-name.ts) sees it (RFC 4517
// distinguishedNameMatch: escaping, case, spacing and string types all handled), once per anchor.
const anchorKeys = new WeakMap<CertInfo, string | undefined>();
function anchorSubjectKey(anchor: CertInfo): string | undefined {
  if (anchorKeys.has(anchor)) return anchorKeys.get(anchor);
  let key: string | undefined;
  try {
    key = normalizeDN(decodeName(anchor.subjectDer));
  } catch {
    key = undefined;
  }
  anchorKeys.set(anchor, key);
  return key;
}


