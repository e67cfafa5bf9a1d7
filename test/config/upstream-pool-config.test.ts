// `upstreams.<name>.pool`: connections (default 128) and queue (default 1024), validated at load.
import t from 'tap';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

t.test('pool defaults: 128 connections, 1024 queued requests', async (t) => {
  const c = await loadConfig(write(pki.dir, 'pool-default.yaml', LISTENER + UPSTREAM_AND_ROUTE), { env: {} });
  t.same(c.upstreams.get('echo')!.pool, { connections: 128, queue: 1024 });
});

t.test('pool.queue is read, 0 allowed (no waiting at all)', async (t) => {
  for (const queue of [0, 10, 50000]) {
    const text = LISTENER + UPSTREAM_AND_ROUTE.replace('url: http://127.0.0.1:9080', `url: http://127.0.0.1:9080\n    pool: { connections: 4, queue: ${queue} }`);
    const c = await loadConfig(write(pki.dir, 'pool-set.yaml', text), { env: {} });
    t.same(c.upstreams.get('echo')!.pool, { connections: 4, queue });
  }
});

t.test('a bad pool.queue is reported with its line and key', async (t) => {
  for (const bad of ['lots', '-1', '1.5']) {
    const text = LISTENER + UPSTREAM_AND_ROUTE.replace('url: http://127.0.0.1:9080', `url: http://127.0.0.1:9080\n    pool: { queue: ${bad} }`);
    const r = await checkConfig(write(pki.dir, 'pool-bad.yaml', text), { env: {} });
    const issue = r.errors.find((e) => e.key === 'upstreams.echo.pool.queue');
    t.ok(issue, `${bad}: reported`);
    t.equal(issue?.line, lineOf(text, `queue: ${bad}`));
  }
  const typo = LISTENER + UPSTREAM_AND_ROUTE.replace('url: http://127.0.0.1:9080', 'url: http://127.0.0.1:9080\n    pool: { queu: 5 }');
  const r = await checkConfig(write(pki.dir, 'pool-typo.yaml', typo), { env: {} });
  t.match(r.errors.map((e) => e.message).join('\n'), /unknown key 'queu'/);
});
