// The revocation stage: policy over the revocation sources (revocation-source.ts: OCSP and CRL),
// asked in the configured order. Verdicts are computed once per leaf certificate per cache
// lifetime (concurrent checks share one computation) and the gateway probes the cache
// synchronously before awaiting anything. The trust anchors follow the listener's trust store.
import type { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RevocationCheck, RevocationConfig, RevocationOverride, RevocationSourceName } from './config.js';
import { certInfo, type CertInfo } from '../x509/certificate-info.js';
import { formatName } from '../x509/der-name.js';
import { CrlStore } from './crl-store.js';
import { Coalescer, TtlCache } from './ocsp-cache.js';
import { OcspClient } from './ocsp-client.js';
import { OverrideTable } from './override-table.js';
import { createRevocationMetrics, type RevocationMetrics } from './revocation-metrics.js';
import { crlSource, ocspSource, type RevocationSource } from './revocation-source.js';
import type { CertStatus, RevocationVerdict } from './types.js';

export interface RevocationCheckerDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  /** The listener's trust anchors, read again whenever their generation changes (src/tls/trust-store.ts). */
  readonly trust: TrustAnchors;
  readonly now?: () => number;
}

export interface TrustAnchors {
  readonly anchors: readonly X509Certificate[];
  /** Changes whenever the anchors do (replaceTrust). */
  readonly generation: number;
}

/** The trust anchors of one generation, parsed once, with the override each one selects. */
interface AnchorSet {
  readonly generation: number;
  readonly anchors: readonly CertInfo[];
  readonly overrides: ReadonlyMap<string, RevocationOverride | undefined>;
}

const OFF: RevocationVerdict = Object.freeze({
  status: 'good',
  admit: true,
  source: 'none',
  cached: false,
  detail: 'revocation checking is off',
  expiresAt: Number.POSITIVE_INFINITY,
});

export class RevocationChecker {
  readonly ocsp: OcspClient;
  readonly crl: CrlStore;
  private readonly metrics: RevocationMetrics;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly trust: TrustAnchors;
  private anchorSet: AnchorSet;
  private readonly verdicts: TtlCache<RevocationVerdict>;
  /** Last good verdict per leaf, kept staleGrace past its expiry for bounded soft-fail. */
  private readonly lastGood: TtlCache<RevocationVerdict>;
  private readonly inflight = new Coalescer<RevocationVerdict>();
  private readonly overrides: OverrideTable;
  /** The sources by config name, and in the configured order (an override may name its own). */
  private readonly sourcesByName: ReadonlyMap<RevocationSourceName, RevocationSource>;
  private readonly sources: readonly RevocationSource[];
  private readonly overrideSources: ReadonlyMap<RevocationOverride, readonly RevocationSource[]>;

  constructor(
    private readonly config: RevocationConfig,
    deps: RevocationCheckerDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.logger = deps.logger.child({ component: 'revocation' });
    this.metrics = createRevocationMetrics(deps.registry);
    this.trust = deps.trust;
    this.overrides = new OverrideTable(config.overrides);
    this.anchorSet = this.anchorsOf(deps.trust);
    this.verdicts = new TtlCache(100_000, this.now);
    this.lastGood = new TtlCache(100_000, this.now);
    this.ocsp = new OcspClient(config.ocsp, { logger: this.logger, metrics: this.metrics, now: this.now });
    this.crl = new CrlStore(config.crl, {
      logger: this.logger,
      metrics: this.metrics,
      now: this.now,
      trustAnchors: () => this.currentAnchors().anchors,
      clockSkew: config.ocsp.clockSkew,
    });
    this.sourcesByName = new Map([
      ['ocsp', ocspSource(this.ocsp, config.ocsp.enabled)],
      ['crl', crlSource(this.crl, config.crl.refresh)],
    ]);
    this.sources = this.sourcesNamed(config.sources);
    this.overrideSources = new Map(config.overrides.flatMap((o) => (o.sources ? [[o, this.sourcesNamed(o.sources)] as const] : [])));
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
      const anchor = this.currentAnchors().anchors.find((a) => leaf.x509.checkIssued(a.x509));
      if (anchor) certs.push(anchor);
    }
    const anchor = certs[certs.length - 1]!;
    const override = this.overrideFor(anchor);
    const check: RevocationCheck = override?.check ?? this.config.check;
    const sources = (override && this.overrideSources.get(override)) ?? this.sources;
    if (check === 'off') return { ...OFF, detail: `revocation checking is off for ${formatName(anchor.subjectDer)}` };

    const targets: number[] = [];
    for (let i = 0; i < certs.length - 1 && (check === 'chain' || i === 0); i++) targets.push(i);
    if (targets.length === 0) {
      return this.finish(leaf, {
        status: 'unknown',
        source: 'none',
        detail: 'issuer of the client certificate is unknown',
        expiresAt: this.now() + this.config.ocsp.errorTtl,
        unreachable: false,
      });
    }
    const results = await Promise.all(targets.map((i) => this.checkOne(certs[i]!, certs[i + 1]!, sources, i === 0)));
    const expiresAt = Math.min(...results.map((r) => r.expiresAt));
    const revoked = results.find((r) => r.status === 'revoked');
    const unknown = results.find((r) => r.status === 'unknown');
    const decided = revoked ?? unknown ?? results[0]!;
    const unreachable = !revoked && results.every((r) => r.status !== 'unknown' || r.unreachable);
    const where = (r: CertStatus): string => (results.length > 1 && r !== results[0] ? `intermediate: ${r.detail}` : r.detail);
    return this.finish(leaf, { ...decided, detail: where(decided), expiresAt, unreachable, intermediate: results.length > 1 && decided !== results[0] });
  }

  /** Applies staleGrace and failMode, caches the verdict and logs what needs a human's attention. */
  private finish(leaf: CertInfo, r: CertStatus): RevocationVerdict {
    const now = this.now();
    let v: RevocationVerdict;
    if (r.status !== 'unknown') {
      v = {
        status: r.status,
        admit: r.status === 'good',
        source: r.source,
        cached: false,
        revokedAt: r.revokedAt,
        revocationReason: r.reason,
        detail: r.detail,
        expiresAt: r.expiresAt,
        ...(r.status === 'revoked' ? { revokedCertificate: r.intermediate === true ? ('intermediate' as const) : ('leaf' as const) } : {}),
      };
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
        v = {
          status: 'good',
          admit: true,
          source: 'stale-grace',
          cached: false,
          expiresAt: Math.min(until, retryAt),
          detail: `every revocation source failed (${r.detail}); last good answer (${prev.value.detail}) used within staleGrace until ${new Date(until).toISOString()}`,
        };
        this.logger.warn({ event: 'revocation_stale_grace', serial: leaf.serial, thumbprint: leaf.thumbprint }, v.detail);
      } else if (this.config.failMode === 'open') {
        v = { status: 'unknown', admit: true, source: r.source, cached: false, expiresAt: retryAt, detail: r.detail, unreachable: r.unreachable };
        this.metrics.failOpen.inc({ status: 'unknown' });
        this.logger.warn(
          { event: 'revocation_fail_open', serial: leaf.serial, thumbprint: leaf.thumbprint },
          `admitting with unknown revocation status (failMode open): ${r.detail}`,
        );
      } else {
        v = { status: 'unknown', admit: false, source: r.source, cached: false, expiresAt: retryAt, detail: r.detail, unreachable: r.unreachable };
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
    for (const source of sources) {
      const a = await source.status(cert, issuer, now);
      if (a.kind === 'no-source') continue;
      tried = true;
      if (a.kind === 'answer' && a.status !== 'unknown') {
        return { status: a.status, source: source.name, detail: a.detail, expiresAt: a.expiresAt, revokedAt: a.revokedAt, reason: a.reason, unreachable: false };
      }
      if (a.kind === 'answer') authoritativeUnknown = true;
      notes.push(a.detail);
    }
    const expiresAt = now + this.config.ocsp.errorTtl;
    if (!tried) {
      const subject = formatName(cert.subjectDer);
      if (!isLeaf && this.config.intermediateWithoutSource === 'skip') {
        this.logger.info({ event: 'revocation_no_source', subject }, `no revocation source for intermediate ${subject}; treated as good (intermediateWithoutSource: skip)`);
        return {
          status: 'good',
          source: 'none',
          detail: `no revocation source for intermediate ${subject} (skipped)`,
          expiresAt: now + this.config.crl.refresh,
          unreachable: false,
        };
      }
      return { status: 'unknown', source: 'none', detail: `no revocation source for ${subject}`, expiresAt, unreachable: false };
    }
    return { status: 'unknown', source: sources[0]?.name ?? 'none', detail: notes.join('; '), expiresAt, unreachable: !authoritativeUnknown };
  }

  private sourcesNamed(names: readonly RevocationSourceName[]): readonly RevocationSource[] {
    return names.map((n) => this.sourcesByName.get(n)!);
  }

  /** The anchors as of the trust store's current generation: parsed again only after replaceTrust. */
  private currentAnchors(): AnchorSet {
    if (this.anchorSet.generation !== this.trust.generation) this.anchorSet = this.anchorsOf(this.trust);
    return this.anchorSet;
  }

  private anchorsOf(trust: TrustAnchors): AnchorSet {
    const anchors = trust.anchors.map(certInfo);
    return { generation: trust.generation, anchors, overrides: new Map(anchors.map((a) => [a.thumbprint, this.overrides.match(a)])) };
  }

  /** Precomputed for the trust anchors; a chain that ends elsewhere is matched on the spot. */
  private overrideFor(anchor: CertInfo): RevocationOverride | undefined {
    if (this.overrides.size === 0) return undefined;
    const known = this.currentAnchors().overrides;
    return known.has(anchor.thumbprint) ? known.get(anchor.thumbprint) : this.overrides.match(anchor);
  }
}
