// The admin listener in supervisor mode: what a single process served (health, readiness,
// metrics, the JWKS), with metrics summed over the serving generation's workers, plus
// `POST /-/reload`. Plain HTTP: bind it to loopback.
import http from 'node:http';
import { AggregatorRegistry } from 'prom-client';

export interface ReloadOutcome {
  readonly ok: boolean;
  readonly generation: number;
  /** Config issues or the reason a new generation did not start. */
  readonly errors: readonly string[];
}

export interface SupervisorAdminDeps {
  readonly ready: () => boolean;
  /** prom-client JSON of each serving worker. */
  readonly workerMetrics: () => Promise<unknown[]>;
  readonly supervisorMetrics: () => Promise<string>;
  readonly jwks: () => string;
  readonly reload: () => Promise<ReloadOutcome>;
}

export function createSupervisorAdmin(deps: SupervisorAdminDeps): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/-/reload') {
      if (req.method !== 'POST') return send(res, 405, 'text/plain', 'method not allowed; POST to reload\n', { allow: 'POST' });
      req.resume();
      deps.reload().then(
        (r) => send(res, r.ok ? 200 : 422, 'application/json', `${JSON.stringify(r.ok
          ? { result: 'success', generation: r.generation }
          : { result: 'failure', code: 'CONFIG_INVALID', generation: r.generation, errors: r.errors })}\n`),
        () => send(res, 500, 'application/json', '{"result":"failure","code":"INTERNAL_ERROR"}\n'),
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n', { allow: 'GET, HEAD' });
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case '/readyz':
        return deps.ready() ? send(res, 200, 'text/plain', 'ready\n') : send(res, 503, 'text/plain', 'not ready\n');
      case '/metrics':
        metricsText(deps).then(
          (text) => send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text),
          () => send(res, 500, 'text/plain', 'metrics unavailable\n'),
        );
        return;
      case '/.well-known/certgate-keys':
        return send(res, 200, 'application/jwk-set+json', deps.jwks());
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  });
}

async function metricsText(deps: SupervisorAdminDeps): Promise<string> {
  const perWorker = await deps.workerMetrics();
  const summed = perWorker.length > 0 ? await AggregatorRegistry.aggregate(perWorker as never).metrics() : '';
  return `${summed}${summed.endsWith('\n') || summed === '' ? '' : '\n'}${await deps.supervisorMetrics()}`;
}

function send(res: http.ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...extra });
  res.end(body);
}
