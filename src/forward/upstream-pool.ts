// One connection pool per upstream, from one of two engines: undici's Pool, or the h1 engine
// (src/forward/h1/). Both: keep-alive, no pipelining (a slow response must not stall the requests
// queued behind it), bounded connections, verified TLS with the gateway's own certificate when
// the upstream asks for mutual TLS.
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import type { UpstreamClient } from './forward-request.js';
import { connectionSettings, H1Client } from './h1/h1-client.js';
import { UndiciClient } from './undici-client.js';

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

export type UpstreamEngine = 'undici' | 'h1';

/**
 * The engine behind an upstream: CERTGATE_UPSTREAM_CLIENT=undici|h1 for now (default h1); the
 * choice may become a config key. Both keep the ForwardOptions/ForwardDone contract.
 */
export function upstreamEngine(env: NodeJS.ProcessEnv = process.env): UpstreamEngine {
  const v = env.CERTGATE_UPSTREAM_CLIENT;
  if (v === undefined || v === '' || v === 'h1') return 'h1';
  if (v === 'undici') return 'undici';
  throw new Error(`CERTGATE_UPSTREAM_CLIENT must be "undici" or "h1", not ${JSON.stringify(v)}`);
}

export function createUpstreamClient(upstream: UpstreamConfig, engine: UpstreamEngine = upstreamEngine()): UpstreamClient {
  return engine === 'h1' ? new H1Client(connectionSettings(upstream)) : new UndiciClient(createUpstreamPool(upstream));
}
