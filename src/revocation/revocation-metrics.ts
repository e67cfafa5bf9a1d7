// Revocation metrics on the gateway's registry. Several listeners may each own a checker on one
// registry, so an existing metric of the same name is reused instead of registered twice.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RevocationMetrics {
  readonly checks: Counter<'source' | 'result'>;
  readonly failOpen: Counter<'status'>;
  readonly ocspRejected: Counter<'reason'>;
  readonly ocspDuration: Histogram<'outcome'>;
  readonly crlAge: Gauge<'issuer'>;
  readonly crlNextUpdate: Gauge<'issuer'>;
  readonly crlStale: Gauge<'issuer'>;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createRevocationMetrics(registry: Registry): RevocationMetrics {
  const registers = [registry];
  return {
    checks: reuse(
      registry,
      'certgate_revocation_checks_total',
      () =>
        new Counter({
          name: 'certgate_revocation_checks_total',
          help: 'Revocation verdicts by deciding source (ocsp, crl, stale-grace, none) and result (good, revoked, unknown)',
          labelNames: ['source', 'result'] as const,
          registers,
        }),
    ),
    failOpen: reuse(
      registry,
      'certgate_revocation_fail_open_total',
      () =>
        new Counter({
          name: 'certgate_revocation_fail_open_total',
          help: 'Connections admitted with unknown revocation status because failMode is open',
          labelNames: ['status'] as const,
          registers,
        }),
    ),
    ocspRejected: reuse(
      registry,
      'certgate_ocsp_responses_rejected_total',
      () =>
        new Counter({
          name: 'certgate_ocsp_responses_rejected_total',
          help: 'OCSP responses refused, by reason (bad-signature, unauthorized-signer, certid-mismatch, stale, nonce-*, malformed, ...)',
          labelNames: ['reason'] as const,
          registers,
        }),
    ),
    ocspDuration: reuse(
      registry,
      'certgate_ocsp_request_duration_seconds',
      () =>
        new Histogram({
          name: 'certgate_ocsp_request_duration_seconds',
          help: 'OCSP request latency, by outcome (answer, rejected, error)',
          labelNames: ['outcome'] as const,
          buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
          registers,
        }),
    ),
    crlAge: reuse(
      registry,
      'certgate_crl_age_seconds',
      () =>
        new Gauge({
          name: 'certgate_crl_age_seconds',
          help: 'Seconds since thisUpdate of the CRL in use, by issuer',
          labelNames: ['issuer'] as const,
          registers,
        }),
    ),
    crlNextUpdate: reuse(
      registry,
      'certgate_crl_next_update_timestamp_seconds',
      () =>
        new Gauge({
          name: 'certgate_crl_next_update_timestamp_seconds',
          help: 'nextUpdate of the CRL in use (Unix seconds), by issuer',
          labelNames: ['issuer'] as const,
          registers,
        }),
    ),
    crlStale: reuse(
      registry,
      'certgate_crl_stale',
      () =>
        new Gauge({
          name: 'certgate_crl_stale',
          help: '1 when the CRL in use is past its nextUpdate (its answers count as unknown), by issuer',
          labelNames: ['issuer'] as const,
          registers,
        }),
    ),
  };
}
