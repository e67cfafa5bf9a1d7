// Prometheus metrics, prefixed certgate_. One registry per process, created by the composition
// root and handed to the stages that count things.
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import { RequestMetrics } from './request-metrics.js';

export interface GatewayMetrics {
  readonly registry: Registry;
  /** certgate_requests_total and certgate_request_duration_seconds, recorded once per request */
  readonly requests: RequestMetrics;
  readonly certRejections: Counter<'code'>;
  readonly spoofedHeaders: Counter<'header'>;
  readonly certExpiryDays: Gauge<'role' | 'subject'>;
  /** Unexpected exceptions turned into an answer by a stage's fault boundary. */
  readonly internalErrors: Counter<'stage'>;
  /** A listener limit that cut a connection or refused a request (limit: handshake_timeout, connections, header_count, ...). */
  readonly limitsReached: Counter<'listener' | 'limit'>;
  /** TLS handshakes that failed or connections refused before a request, by reason. */
  readonly handshakeFailures: Counter<'listener' | 'reason'>;
  /** Log lines not written by the per-reason rate limit. */
  readonly logSuppressed: Counter<'event'>;
  /** Requests refused with 503 UPSTREAM_BUSY because the upstream pool's queue was full. */
  readonly upstreamBusy: Counter<'upstream'>;
  /** Request paths refused before routing, by reason. */
  readonly pathRejections: Counter<'reason'>;
  /** Requests Node's HTTP parser refused before the pipeline saw them (malformed head or framing), by parser code. */
  readonly malformedRequests: Counter<'listener' | 'reason'>;
  /** Connections closed before TLS by the PROXY protocol reader (untrusted_source, malformed, timeout, missing). */
  readonly proxyProtocolRejections: Counter<'listener' | 'reason'>;
}

export function createMetrics(registry: Registry = new Registry()): GatewayMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'certgate_' });
  return {
    registry,
    requests: new RequestMetrics(registry),
    certRejections: new Counter({
      name: 'certgate_client_cert_rejections_total',
      help: 'Requests rejected for their client certificate, by error code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    spoofedHeaders: new Counter({
      name: 'certgate_spoofed_headers_stripped_total',
      help: 'Client-sent headers owned by the gateway that were removed',
      labelNames: ['header'] as const,
      registers: [registry],
    }),
    certExpiryDays: new Gauge({
      name: 'certgate_certificate_expiry_days',
      help: 'Days until each certificate the gateway holds expires',
      labelNames: ['role', 'subject'] as const,
      registers: [registry],
    }),
    internalErrors: new Counter({
      name: 'certgate_internal_errors_total',
      help: 'Unexpected exceptions caught by a fault boundary, by pipeline stage',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    limitsReached: new Counter({
      name: 'certgate_limits_reached_total',
      help: 'Connections cut or requests refused by a listener limit',
      labelNames: ['listener', 'limit'] as const,
      registers: [registry],
    }),
    handshakeFailures: new Counter({
      name: 'certgate_tls_handshake_failures_total',
      help: 'Failed TLS handshakes and connections refused before a request, by reason',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    }),
    logSuppressed: new Counter({
      name: 'certgate_log_lines_suppressed_total',
      help: 'Log lines dropped by the once-per-reason-per-second rate limit',
      labelNames: ['event'] as const,
      registers: [registry],
    }),
    upstreamBusy: new Counter({
      name: 'certgate_upstream_busy_total',
      help: 'Requests refused because the upstream queue was full',
      labelNames: ['upstream'] as const,
      registers: [registry],
    }),
    pathRejections: new Counter({
      name: 'certgate_path_rejections_total',
      help: 'Request paths refused before routing, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    malformedRequests: new Counter({
      name: 'certgate_malformed_requests_total',
      help: 'Requests refused by the HTTP parser (malformed head, framing or chunk syntax), by parser code',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    }),
    proxyProtocolRejections: new Counter({
      name: 'certgate_proxy_protocol_rejections_total',
      help: 'Connections closed before TLS for their PROXY protocol header, by reason',
      labelNames: ['listener', 'reason'] as const,
      registers: [registry],
    }),
  };
}
