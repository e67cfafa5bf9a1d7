// The one admin router, as the single process (no reload) and the supervisor (with reload) use
// it, over real HTTP on loopback: every path's status, type and body, what each sources' answer
// turns into, and the method rules.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminServer, type AdminSources, type ReloadOutcome } from '../../src/admin/admin-server.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function start(t: Test, over: Partial<AdminSources> = {}): Promise<(path: string, method?: string) => Promise<Answer>> {
  const server = createAdminServer({
    ready: () => true,
    metrics: async () => 'certgate_up 1\n',
    metricsContentType: 'text/plain; version=0.0.4; charset=utf-8',
    jwks: () => '{"keys":[]}',
    ...over,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  return (path, method = 'GET') =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
}

t.test('health, readiness, metrics and keys', async (t) => {
  let ready = false;
  const get = await start(t, { ready: () => ready, jwks: () => '{"keys":[{"kid":"k1"}]}' });
  const health = await get('/healthz');
  t.same([health.status, health.headers['content-type'], health.body], [200, 'text/plain', 'ok\n']);
  t.equal(health.headers['cache-control'], 'no-store');
  t.same([(await get('/readyz')).status, (await get('/readyz')).body], [503, 'not ready\n'], 'not ready until the source says so');
  ready = true;
  t.same([(await get('/readyz')).status, (await get('/readyz')).body], [200, 'ready\n']);
  const metrics = await get('/metrics');
  t.same([metrics.status, metrics.headers['content-type'], metrics.body], [200, 'text/plain; version=0.0.4; charset=utf-8', 'certgate_up 1\n']);
  const keys = await get('/.well-known/certgate-keys');
  t.same([keys.status, keys.headers['content-type'], keys.body], [200, 'application/jwk-set+json', '{"keys":[{"kid":"k1"}]}']);
  t.equal((await get('/healthz?probe=1')).status, 200, 'the query is ignored');
  const unknown = await get('/nope');
  t.same([unknown.status, unknown.body], [404, 'not found\n']);
});

t.test('HEAD is served like GET; other methods get 405 with Allow', async (t) => {
  const get = await start(t);
  t.equal((await get('/healthz', 'HEAD')).status, 200);
  const post = await get('/healthz', 'POST');
  t.same([post.status, post.headers['allow'], post.body], [405, 'GET, HEAD', 'method not allowed\n']);
});

t.test('a failing metrics source answers 500', async (t) => {
  const get = await start(t, { metrics: () => Promise.reject(new Error('worker gone')) });
  const r = await get('/metrics');
  t.same([r.status, r.body], [500, 'metrics unavailable\n']);
});

t.test('without a reload source /-/reload is an unknown path', async (t) => {
  const get = await start(t);
  t.equal((await get('/-/reload')).status, 404);
  t.equal((await get('/-/reload', 'POST')).status, 405);
});

t.test('with a reload source: POST only; 200, 422 CONFIG_INVALID or 500 INTERNAL_ERROR', async (t) => {
  let outcome: Promise<ReloadOutcome> = Promise.resolve({ ok: true, generation: 2, errors: [] });
  let calls = 0;
  const get = await start(t, { reload: () => (calls++, outcome) });
  const refused = await get('/-/reload');
  t.same([refused.status, refused.headers['allow'], refused.body], [405, 'POST', 'method not allowed; POST to reload\n']);
  t.equal(calls, 0, 'a GET does not reload');

  const ok = await get('/-/reload', 'POST');
  t.same([ok.status, ok.headers['content-type']], [200, 'application/json']);
  t.same(JSON.parse(ok.body), { result: 'success', generation: 2 });

  outcome = Promise.resolve({ ok: false, generation: 2, errors: ['certgate.yaml:3 routes: missing'] });
  const invalid = await get('/-/reload', 'POST');
  t.equal(invalid.status, 422);
  t.same(JSON.parse(invalid.body), { result: 'failure', code: 'CONFIG_INVALID', generation: 2, errors: ['certgate.yaml:3 routes: missing'] });

  outcome = Promise.reject(new Error('boom'));
  outcome.catch(() => undefined);
  const broken = await get('/-/reload', 'POST');
  t.same([broken.status, JSON.parse(broken.body)], [500, { result: 'failure', code: 'INTERNAL_ERROR' }]);
  t.equal(calls, 3);
});
