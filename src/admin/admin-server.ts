// The admin listener (plain HTTP, bind it to loopback): health, readiness, Prometheus metrics and
// the public keys upstreams use to verify the gateway's signatures.
import http from 'node:http';
import type { GatewayConfig, SignatureConfig } from '../config/types.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { publicJwks } from '../signing/public-jwks.js';

export interface AdminDeps {
  readonly config: GatewayConfig;
  readonly metrics: GatewayMetrics;
  readonly ready: () => boolean;
}

export function createAdminServer(deps: AdminDeps): http.Server {
  const signatures: SignatureConfig[] = [];
  for (const upstream of deps.config.upstreams.values()) if (upstream.signature) signatures.push(upstream.signature);
  const jwks = JSON.stringify(publicJwks(signatures));

  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz':
        return deps.ready() ? send(res, 200, 'text/plain', 'ready\n') : send(res, 503, 'text/plain', 'not ready\n');
      case '/metrics':
        deps.metrics.registry.metrics().then(
          (text) => send(res, 200, deps.metrics.registry.contentType, text),
          () => send(res, 500, 'text/plain', 'metrics unavailable\n'),
        );
        return;
      case '/.well-known/certgate-keys':
        return send(res, 200, 'application/jwk-set+json', jwks);
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  });
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
