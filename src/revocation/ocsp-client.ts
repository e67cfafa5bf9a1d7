// OCSP lookups: one request per certificate per cache lifetime. Answers are cached by CertID
// until nextUpdate (or maxAge without one); failures for errorTtl so a dead responder is not
// hammered; concurrent lookups of one certificate share a single request.
import type { Logger } from 'pino';
import type { OcspConfig } from './config.js';
import type { CertInfo } from '../x509/certificate-info.js';
import { createAgent, fetchBytes } from './http-fetch.js';
import { Coalescer, TtlCache } from './ocsp-cache.js';
import { buildOcspRequest, certIdKey } from './ocsp-request.js';
import { validateOcspResponse } from './ocsp-response.js';
import type { RevocationMetrics } from './revocation-metrics.js';
import type { SourceStatus } from './types.js';

export type OcspOutcome =
  | (SourceStatus & { readonly cached: boolean })
  /** Responder unreachable, timed out, or its response was rejected. */
  | { readonly kind: 'error'; readonly detail: string; readonly expiresAt: number; readonly cached: boolean }
  /** Neither a configured responder nor an AIA OCSP URL. */
  | { readonly kind: 'no-source' };

const MAX_RESPONSE_BYTES = 256 * 1024;

export class OcspClient {
  private readonly agent;
  private readonly cache: TtlCache<OcspOutcome>;
  private readonly inflight = new Coalescer<OcspOutcome>();
  /** Requests actually sent; used by tests and the benchmark. */
  requestsSent = 0;

  constructor(
    private readonly config: OcspConfig,
    private readonly deps: { logger: Logger; metrics: RevocationMetrics; now: () => number },
  ) {
    this.agent = createAgent(config.timeout);
    this.cache = new TtlCache(50_000, deps.now);
  }

  /** The responder URL for a certificate: the configured override, else its first HTTP AIA URL. */
  responderFor(cert: CertInfo): string | undefined {
    return this.config.responder ?? cert.ocspUrls.find((u) => u.startsWith('http://'));
  }

  async query(cert: CertInfo, issuer: CertInfo): Promise<OcspOutcome> {
    const url = this.responderFor(cert);
    if (!url) return { kind: 'no-source' };
    const key = certIdKey(cert, issuer);
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true } as OcspOutcome;
    return this.inflight.run(key, async () => {
      const outcome = await this.fetch(url, cert, issuer);
      if (outcome.kind !== 'no-source') this.cache.set(key, outcome, outcome.expiresAt);
      return outcome;
    });
  }

  private async fetch(url: string, cert: CertInfo, issuer: CertInfo): Promise<OcspOutcome> {
    const { now, logger, metrics } = this.deps;
    const req = buildOcspRequest(cert, issuer, this.config.nonce);
    const started = performance.now();
    const errorUntil = now() + this.config.errorTtl;
    let body: Buffer;
    try {
      this.requestsSent++;
      body = await fetchBytes(this.agent, url, {
        method: 'POST',
        body: req.der,
        contentType: 'application/ocsp-request',
        timeout: this.config.timeout,
        maxBytes: MAX_RESPONSE_BYTES,
      });
    } catch (e) {
      metrics.ocspDuration.observe({ outcome: 'error' }, (performance.now() - started) / 1000);
      const detail = `OCSP responder ${url} unreachable: ${(e as Error).message}`;
      logger.warn({ event: 'ocsp_unreachable', url, serial: cert.serial }, detail);
      return { kind: 'error', detail, expiresAt: errorUntil, cached: false };
    }
    const v = validateOcspResponse(body, { cert, issuer, nonce: req.nonce, now: now(), clockSkew: this.config.clockSkew });
    if (!v.ok) {
      metrics.ocspDuration.observe({ outcome: 'rejected' }, (performance.now() - started) / 1000);
      metrics.ocspRejected.inc({ reason: v.code });
      const detail = `OCSP response from ${url} rejected (${v.code}): ${v.detail}`;
      logger.warn({ event: 'ocsp_response_rejected', url, serial: cert.serial, reason: v.code }, detail);
      return { kind: 'error', detail, expiresAt: errorUntil, cached: false };
    }
    metrics.ocspDuration.observe({ outcome: 'answer' }, (performance.now() - started) / 1000);
    // A responder's "unknown" (it does not serve this certificate) is remembered only briefly.
    const expiresAt = v.status === 'unknown' ? errorUntil : v.nextUpdate ? v.nextUpdate.getTime() : v.thisUpdate.getTime() + this.config.maxAge;
    const detail =
      v.status === 'revoked'
        ? `revoked at ${v.revokedAt?.toISOString() ?? '?'}${v.reason ? ` (${v.reason})` : ''} per OCSP ${url}`
        : `${v.status} per OCSP ${url} (signed by ${v.signedBy})`;
    return {
      kind: 'answer',
      status: v.status,
      revokedAt: v.revokedAt,
      reason: v.reason,
      expiresAt: Math.max(expiresAt, now() + 1000),
      cached: false,
      detail,
    };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
