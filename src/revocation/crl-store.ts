// CRLs on hand: from configured files and (optionally) fetched from the HTTP distribution points
// named in client certificates. Refreshed at min(refresh, nextUpdate) and swapped atomically;
// file changes are picked up by fs.watch and by every refresh tick, without a restart.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import type { CrlConfig } from './config.js';
import type { CertInfo } from '../x509/certificate-info.js';
import { evaluateCrls, recordOf, type CrlOutcome, type CrlRecord } from './crl-evaluate.js';
import { crlsFromFile, parseCrl } from '../x509/crl-parser.js';
import { formatName } from '../x509/der-name.js';
import { createAgent, fetchBytes } from './http-fetch.js';
import { Coalescer } from './ocsp-cache.js';
import type { RevocationMetrics } from './revocation-metrics.js';
import { verifySignature } from '../x509/signature.js';

interface DpEntry {
  readonly record?: CrlRecord;
  /** When to fetch again: min(fetchedAt + refresh, nextUpdate), or a retry time after a failure. */
  readonly dueAt: number;
  readonly error?: string;
}

export interface CrlStoreDeps {
  readonly logger: Logger;
  readonly metrics: RevocationMetrics;
  readonly now: () => number;
  /** The current trust anchors: CRLs they sign are verified when read. */
  readonly trustAnchors: () => readonly CertInfo[];
  readonly clockSkew: number;
}

const MAX_CRL_BYTES = 64 * 1024 * 1024;
const RETRY_AFTER_FAILURE = 30_000;
const MIN_TICK = 1_000;

export class CrlStore {
  private fileRecords = new Map<string, CrlRecord[]>();
  /** issuer Name DER hex → file CRLs; replaced as a whole on reload so lookups never see a half-built index. */
  private byIssuer = new Map<string, CrlRecord[]>();
  private readonly dp = new Map<string, DpEntry>();
  private readonly fetches = new Coalescer<DpEntry>();
  private readonly agent;
  private readonly warnedStale = new WeakSet<CrlRecord>();
  private timer: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  private reloadDebounce: NodeJS.Timeout | undefined;
  private closed = false;
  /** HTTP fetches made, per URL (tests and the benchmark read it). */
  readonly fetchCounts = new Map<string, number>();

  constructor(
    private readonly config: CrlConfig,
    private readonly deps: CrlStoreDeps,
  ) {
    this.agent = createAgent(config.fetchTimeout);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- start/close are the async lifecycle RevocationChecker.start awaits; a throw here must reach it as a rejection
  async start(): Promise<void> {
    for (const f of this.config.files) {
      this.fileRecords.set(
        f.path,
        f.der.map((der) => this.parse(der, f.path)).filter((r): r is CrlRecord => r !== undefined),
      );
    }
    this.swapIndex();
    for (const f of this.config.files) this.watchFile(f.path);
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.reloadDebounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    await this.agent.close();
  }

  /** Does any CRL source exist for this certificate (for the intermediateWithoutSource rule)? */
  hasSource(cert: CertInfo): boolean {
    return this.byIssuer.has(cert.issuerDer.toString('hex')) || (this.config.distributionPoints && dpUrls(cert).length > 0);
  }

  async lookup(cert: CertInfo, issuer: CertInfo): Promise<CrlOutcome> {
    const now = this.deps.now();
    const opts = { now, clockSkew: this.deps.clockSkew, onInvalid: (r: CrlRecord, why: string) => this.invalid(r, why) };
    const fileRecs = this.byIssuer.get(cert.issuerDer.toString('hex')) ?? [];
    let out = evaluateCrls(fileRecs, cert, issuer, opts);
    const urls = this.config.distributionPoints ? dpUrls(cert) : [];
    if (out.kind !== 'answer' && urls.length > 0) {
      const entries = await Promise.all(urls.map((u) => this.ensureDp(u)));
      const dpRecs = entries.flatMap((e) => (e.record ? [e.record] : []));
      out = evaluateCrls([...fileRecs, ...dpRecs], cert, issuer, { ...opts, now: this.deps.now() });
      const errors = entries.flatMap((e) => (e.error ? [e.error] : []));
      if (out.kind === 'no-source' && errors.length) out = { kind: 'error', detail: errors.join('; ') };
    }
    if (out.kind === 'stale') this.noteStale(out.record);
    return out;
  }

  /** Re-reads every CRL file and re-fetches due distribution points; runs on each tick. */
  async refresh(): Promise<void> {
    await this.reloadFiles();
    const now = this.deps.now();
    await Promise.all([...this.dp].filter(([, e]) => e.dueAt <= now).map(([u]) => this.ensureDp(u)));
    this.updateGauges();
  }

  private parse(der: Buffer, origin: string): CrlRecord | undefined {
    try {
      const rec = recordOf(parseCrl(der), origin);
      // CRLs signed by a trust anchor are verified up front so a bad one is reported at load time;
      // CRLs of intermediates are verified when a chain first presents the intermediate.
      for (const a of this.deps.trustAnchors()) {
        if (!a.subjectDer.equals(rec.crl.issuerDer)) continue;
        const ok = (!a.keyUsage || a.keyUsage.cRLSign) && verifySignature(rec.crl.signatureAlgorithm, rec.crl.tbs, rec.crl.signature, a.x509.publicKey);
        rec.verified.set(a.thumbprint, ok);
        if (!ok) this.invalid(rec, a.keyUsage && !a.keyUsage.cRLSign ? 'issuer lacks cRLSign' : 'bad signature');
      }
      return rec;
    } catch (e) {
      this.deps.logger.error({ event: 'crl_unparsable', origin }, `CRL ${origin} cannot be parsed, not used: ${(e as Error).message}`);
      return undefined;
    }
  }

  private invalid(rec: CrlRecord, why: string): void {
    this.deps.logger.error(
      { event: 'crl_invalid', origin: rec.origin, issuer: formatName(rec.crl.issuerDer), reason: why },
      `CRL ${rec.origin} rejected (${why}); it is never used`,
    );
  }

  private noteStale(rec: CrlRecord): void {
    const issuer = formatName(rec.crl.issuerDer);
    this.deps.metrics.crlStale.set({ issuer }, 1);
    if (this.warnedStale.has(rec)) return;
    this.warnedStale.add(rec);
    this.deps.logger.warn(
      { event: 'crl_stale', origin: rec.origin, issuer, nextUpdate: rec.crl.nextUpdate?.toISOString() },
      `CRL ${rec.origin} is past nextUpdate; its answers count as unknown`,
    );
  }

  private async reloadFiles(): Promise<void> {
    const next = new Map(this.fileRecords);
    for (const f of this.config.files) {
      let ders: Buffer[];
      try {
        ders = crlsFromFile(await readFile(f.path));
      } catch (e) {
        this.deps.logger.error({ event: 'crl_file_unreadable', path: f.path }, `CRL file ${f.path} unreadable, keeping the previous one: ${(e as Error).message}`);
        continue;
      }
      const old = this.fileRecords.get(f.path) ?? [];
      // Unchanged CRLs keep their record, and with it their verified-signature cache.
      next.set(
        f.path,
        ders.map((d) => old.find((r) => r.crl.der.equals(d)) ?? this.parse(d, f.path)).filter((r): r is CrlRecord => r !== undefined),
      );
    }
    this.fileRecords = next;
    this.swapIndex();
  }

  private swapIndex(): void {
    const idx = new Map<string, CrlRecord[]>();
    for (const recs of this.fileRecords.values()) {
      for (const r of recs) {
        const list = idx.get(r.crl.issuerKey);
        if (list) list.push(r);
        else idx.set(r.crl.issuerKey, [r]);
      }
    }
    this.byIssuer = idx;
    this.updateGauges();
  }

  private ensureDp(url: string): Promise<DpEntry> {
    const cur = this.dp.get(url);
    if (cur && cur.dueAt > this.deps.now()) return Promise.resolve(cur);
    return this.fetches.run(url, async () => {
      this.fetchCounts.set(url, (this.fetchCounts.get(url) ?? 0) + 1);
      let entry: DpEntry;
      try {
        const body = await fetchBytes(this.agent, url, { method: 'GET', timeout: this.config.fetchTimeout, maxBytes: MAX_CRL_BYTES });
        const ders = crlsFromFile(body);
        const rec = recordOf(parseCrl(ders[0]!), url);
        const next = rec.crl.nextUpdate?.getTime() ?? Infinity;
        entry = { record: rec, dueAt: Math.min(this.deps.now() + this.config.refresh, Math.max(next, this.deps.now() + MIN_TICK)) };
      } catch (e) {
        const error = `CRL fetch from ${url} failed: ${(e as Error).message}`;
        this.deps.logger.warn({ event: 'crl_fetch_failed', url }, error);
        // Keep the previous CRL (it will count as stale once past nextUpdate) and retry later.
        entry = { record: cur?.record, dueAt: this.deps.now() + Math.min(RETRY_AFTER_FAILURE, this.config.refresh), error };
      }
      if (!this.closed) this.dp.set(url, entry);
      this.updateGauges();
      this.schedule();
      return entry;
    });
  }

  private allRecords(): CrlRecord[] {
    const out = [...this.fileRecords.values()].flat();
    for (const e of this.dp.values()) if (e.record) out.push(e.record);
    return out;
  }

  private updateGauges(): void {
    const now = this.deps.now();
    const newest = new Map<string, CrlRecord>();
    for (const r of this.allRecords()) {
      const k = formatName(r.crl.issuerDer);
      const cur = newest.get(k);
      if (!cur || cur.crl.thisUpdate < r.crl.thisUpdate) newest.set(k, r);
    }
    const m = this.deps.metrics;
    for (const [issuer, r] of newest) {
      m.crlAge.set({ issuer }, Math.max(0, (now - r.crl.thisUpdate.getTime()) / 1000));
      if (r.crl.nextUpdate) m.crlNextUpdate.set({ issuer }, r.crl.nextUpdate.getTime() / 1000);
      const stale = r.crl.nextUpdate !== undefined && r.crl.nextUpdate.getTime() < now;
      m.crlStale.set({ issuer }, stale ? 1 : 0);
      if (stale) this.noteStale(r);
    }
  }

  /** Next tick at min(refresh, the earliest future nextUpdate), so a new CRL is picked up when due. */
  private schedule(): void {
    if (this.closed) return;
    const now = this.deps.now();
    let delay = this.config.refresh;
    for (const r of this.allRecords()) {
      const nu = r.crl.nextUpdate?.getTime();
      if (nu !== undefined && nu > now) delay = Math.min(delay, nu - now);
    }
    for (const e of this.dp.values()) delay = Math.min(delay, Math.max(0, e.dueAt - now));
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.refresh()
          .catch((e: unknown) => this.deps.logger.error({ event: 'crl_refresh_failed' }, String(e)))
          .finally(() => this.schedule());
      },
      Math.max(MIN_TICK, delay),
    );
    this.timer.unref();
  }

  private watchFile(path: string): void {
    try {
      // Watch the directory: tools replace CRL files by rename, which ends a watch on the file itself.
      const w = watch(dirname(path), { persistent: false }, (_ev, name) => {
        if (name !== null && name !== basename(path)) return;
        clearTimeout(this.reloadDebounce);
        this.reloadDebounce = setTimeout(() => {
          this.reloadFiles().catch((e: unknown) => this.deps.logger.error({ event: 'crl_reload_failed' }, String(e)));
        }, 100);
        this.reloadDebounce.unref();
      });
      w.on('error', () => w.close());
      this.watchers.push(w);
    } catch {
      // No watch support (e.g. some network filesystems): the refresh tick still re-reads the file.
    }
  }
}

function dpUrls(cert: CertInfo): string[] {
  return cert.crlDistributionPoints.filter((d) => !d.partial).flatMap((d) => d.urls.filter((u) => u.startsWith('http://')));
}
