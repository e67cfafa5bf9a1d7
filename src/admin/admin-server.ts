// The admin listener (plain HTTP, bind it to loopback): health, readiness, Prometheus metrics, the
// public keys upstreams use to verify the gateway's signatures and, under the supervisor,
// `POST /-/reload`. One router for the single process (src/gateway.ts) and the supervisor
// (src/supervisor/supervisor.ts); they differ only in the sources they pass.
import http from 'node:http';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly generation: number;
  /** Config issues or the reason a new generation did not start. */
  readonly errors: readonly string[];
}

export interface AdminSources {
  /** /readyz answers 200 while this holds, 503 otherwise. */
  readonly ready: () => boolean;
  /** The Prometheus exposition text for /metrics. */
  readonly metrics: () => Promise<string>;
  readonly metricsContentType: string;
  /** The JWKS document for /.well-known/certgate-keys (src/admin/jwks-document.ts). */
  readonly jwks: () => string;
  /** Serves `POST /-/reload` (the supervisor); without it the path is unknown like any other. */
  readonly reload?: () => Promise<ReloadOutcome>;
}

export function createAdminServer(sources: AdminSources): http.Server {
  const reload = sources.reload;
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (reload && path === '/-/reload') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'method not allowed; POST to reload\n', { allow: 'POST' });
      req.resume();
      reload().then(
        (r) =>
          send(
            res,
            r.ok ? 200 : 422,
            'application/json',
            `${JSON.stringify(
              r.ok ? { result: 'success', generation: r.generation } : { result: 'failure', code: 'CONFIG_INVALID', generation: r.generation, errors: r.errors },
            )}\n`,
          ),
        () => send(res, 500, 'application/json', '{"result":"failure","code":"INTERNAL_ERROR"}\n'),
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz':
        return sources.ready() ? send(res, 200, 'text/plain', 'ready\n') : send(res, 503, 'text/plain', 'not ready\n');
      case '/metrics':
        sources.metrics().then(
          (text) => send(res, 200, sources.metricsContentType, text),
          () => send(res, 500, 'text/plain', 'metrics unavailable\n'),
        );
        return;
      case '/.well-known/certgate-keys':
        return send(res, 200, 'application/jwk-set+json', sources.jwks());
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  });
}

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(body);
}
