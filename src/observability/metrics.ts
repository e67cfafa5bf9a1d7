// Prometheus metrics, prefixed certgate_. One registry per process, created by the composition
// root and handed to the stages that count things.
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly requestDuration: Histogram<'route'>;
  readonly certRejections: Counter<'code'>;
  readonly spoofedHeaders: Counter<'header'>;
  readonly certExpiryDays: Gauge<'role' | 'subject'>;
}

export function createMetrics(registry: Registry = new Registry()): GatewayMetrics {
  collectDefaultMetrics({ register: registry, prefix: 'certgate_' });
  return {
    registry,
    requests: new Counter({
      name: 'certgate_requests_total',
      help: 'Requests answered, by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'certgate_request_duration_seconds',
      help: 'Time from request to response end',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
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
  };
}
