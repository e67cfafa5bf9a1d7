// One undici Pool per upstream: keep-alive, no pipelining (a slow response must not stall the
// requests queued behind it), bounded connections, verified TLS with the gateway's own
// certificate when the upstream asks for mutual TLS.
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/types.js';

export function createUpstreamPool(upstream: UpstreamConfig): Pool {
  const tls = upstream.tls;
  return new Pool(upstream.url.origin, {
    connections: upstream.pool.connections,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: upstream.timeouts.idle,
    headersTimeout: upstream.timeouts.response,
    bodyTimeout: upstream.timeouts.idle,
    connectTimeout: upstream.timeouts.connect,
    connect:
      upstream.url.protocol === 'https:'
        ? {
            rejectUnauthorized: true,
            ...(tls?.ca ? { ca: tls.ca.pem } : {}),
            ...(tls?.cert && tls.keyPem ? { cert: tls.cert.pem, key: tls.keyPem } : {}),
            ...(tls?.servername ? { servername: tls.servername } : {}),
          }
        : undefined,
  });
}
