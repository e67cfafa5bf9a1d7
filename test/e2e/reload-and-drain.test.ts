// Reload and shutdown of `certgate start`, as an operator drives them: a broken config file is
// refused (old generation keeps serving, file:line logged, metrics say failure), a fixed one is
// picked up by the file watch, `certgate reload` signals through the pid file, and SIGTERM drains
// 50 in-flight slow requests to completion while /readyz says 503.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';
import { startSupervised } from '../helpers/supervised-gateway.js';
import { probeUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const fast = await startRecordingUpstream();
// The slow upstream answers 2 s after the request: a request in flight across the SIGTERM.
const slow = await startRecordingUpstream((_req, res) => {
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"slow":true}');
  }, 2000);
});
const file = path.join(dir, 'gateway.yaml');
const pidFile = path.join(dir, 'certgate.pid');
const config = (mode: string, extraRoute = '', extraListener = ''): string => `workers: 1
admin: { listen: 127.0.0.1:0 }
pidFile: certgate.pid
reload: { debounce: 50ms }
shutdown: { delay: 1s, drainTimeout: 10s }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth:
      mode: ${mode}
      trustedCAs: [ca.pem]
${extraListener}upstreams:
  fast: { url: ${fast.url} }
  slow: { url: ${slow.url} }
routes:
  - { name: slow, match: { pathPrefix: /slow }, upstream: slow }
${extraRoute}  - { name: all, match: { pathPrefix: / }, upstream: fast }
`;
/** Replaces the file by rename, as editors and config management do. */
const replaceConfig = async (text: string): Promise<void> => {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
};
await writeFile(file, config('require'));
const gw = await startSupervised(file);
t.teardown(async () => {
  await gw.stop();
  await Promise.all([fast.close(), slow.close()]);
});
await gw.waitFor((l) => l.event === 'generation_serving', 'generation 1');
const client = { port: gw.port('main'), ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };

t.test('a broken config: the old generation keeps serving, file:line logged, metrics say failure', async (t) => {
  const mark = gw.lines.length;
  await replaceConfig(config('sometimes'));
  const failed = await gw.waitFor((l) => l.event === 'config_reload_failed', 'the reload failure', mark);
  t.equal(failed.file, file, 'names the file');
  t.equal(failed.line, 11, 'and the line of `mode: sometimes`');
  t.equal(failed.configKey, 'listeners[0].clientAuth.mode');
  t.match(String(failed.msg), `${file}:11:`, 'the message reads file:line');
  t.equal(await gw.metric('certgate_config_reload_total{result="failure"}'), 1);
  t.equal(await gw.metric('certgate_config_last_reload_successful'), 0);
  t.equal(await gw.metric('certgate_config_generation'), 1, 'still generation 1');
  t.equal((await mtlsRequest({ ...client, path: '/x' })).status, 200, 'still serving');
  const posted = await gw.admin('/-/reload', 'POST');
  t.equal(posted.status, 422, 'POST /-/reload reports the failure');
  const body = JSON.parse(posted.body) as { result: string; code: string; errors: string[] };
  t.equal(body.code, 'CONFIG_INVALID');
  t.match(body.errors[0], `${file}:11:`);
});

t.test('the fixed config is picked up by the watch; certgate reload signals through pidFile', async (t) => {
  t.ok(existsSync(pidFile), 'pid file written');
  let mark = gw.lines.length;
  t.equal((await mtlsRequest({ ...client, path: '/new/x' })).status, 200);
  await replaceConfig(config('require', '  - { name: new, match: { pathPrefix: /new }, upstream: slow }\n'));
  await gw.waitFor((l) => l.event === 'generation_serving' && l.generation === 2, 'generation 2', mark);
  t.equal(await gw.metric('certgate_config_last_reload_successful'), 1);
  t.equal(await gw.metric('certgate_config_reload_total{result="success"}'), 1);
  mark = gw.lines.length;
  const r = spawnSync(process.execPath, [CLI, 'reload', '--config', file], { encoding: 'utf8', timeout: 20_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, `sent SIGHUP to ${gw.child.pid}`);
  await gw.waitFor((l) => l.event === 'config_reload' && l.trigger === 'SIGHUP', 'the SIGHUP reload', mark);
  await gw.waitFor((l) => l.event === 'generation_serving' && l.generation === 3, 'generation 3', mark);
  await gw.waitFor((l) => l.event === 'generation_exited' && l.generation === 2, 'generation 2 gone', mark);
  t.equal(await gw.metric('certgate_config_generation'), 3);
  const none = spawnSync(process.execPath, [CLI, 'reload', '--pid', path.join(dir, 'missing.pid')], { encoding: 'utf8' });
  t.equal(none.status, 1, 'no pid: exit 1');
  t.match(none.stderr, 'no pid in');
});

t.test('a new listener on a port in use: the reload fails, the old generation keeps serving', async (t) => {
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())));
  const taken = (holder.address() as net.AddressInfo).port;
  const failuresBefore = (await gw.metric('certgate_config_reload_total{result="failure"}')) ?? 0;
  let mark = gw.lines.length;
  await replaceConfig(
    config(
      'require',
      '',
      `  - name: second\n    listen: 127.0.0.1:${taken}\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { mode: require, trustedCAs: [ca.pem] }\n`,
    ),
  );
  const failed = await gw.waitFor((l) => l.event === 'config_reload_failed', 'the reload failure', mark);
  t.match(String(failed.message), `cannot bind 127.0.0.1:${taken}: EADDRINUSE`);
  t.equal(await gw.metric('certgate_config_reload_total{result="failure"}'), failuresBefore + 1);
  t.equal(await gw.metric('certgate_config_last_reload_successful'), 0);
  t.equal(await gw.metric('certgate_config_generation'), 3, 'generation 3 still serving');
  t.equal((await mtlsRequest({ ...client, path: '/x' })).status, 200, 'still serving');
  mark = gw.lines.length;
  await replaceConfig(config('require'));
  await gw.waitFor((l) => l.event === 'generation_serving' && l.generation === 4, 'generation 4', mark);
  t.equal(await gw.metric('certgate_config_last_reload_successful'), 1, 'the next good reload clears it');
});

t.test('SIGTERM: /readyz 503 during shutdown.delay, 50 in-flight 2 s requests all 200, exit 0', async (t) => {
  const inFlight = Array.from({ length: 50 }, (_, i) => mtlsRequest({ ...client, path: `/slow/${i}` }));
  await probeUntil(
    () => slow.received.length,
    (n) => n >= 50,
    { what: '50 requests at the slow upstream', attempts: 800 },
  );
  const mark = gw.lines.length;
  const signalledAt = Date.now();
  gw.child.kill('SIGTERM');
  await gw.waitFor((l) => l.event === 'stopping', 'the stopping line', mark);
  t.equal((await gw.admin('/readyz')).status, 503, '/readyz is 503 at once');
  // Still accepting during shutdown.delay (the drain has not started).
  t.equal((await mtlsRequest({ ...client, path: '/during-delay' })).status, 200, 'a new connection during the delay is served');
  t.notOk(
    gw.lines.slice(mark).some((l) => l.event === 'worker_draining'),
    'the drain waits for shutdown.delay',
  );
  const answers = await Promise.all(inFlight);
  t.same(
    answers.map((a) => a.status),
    Array(50).fill(200),
    'all 50 in-flight requests answered 200',
  );
  t.ok(
    answers.every((a) => a.headers.connection === 'close'),
    'each answered with Connection: close',
  );
  const { code } = await gw.exited;
  t.equal(code, 0, 'exit 0');
  const elapsed = Date.now() - signalledAt;
  t.ok(elapsed < 10_000, `exited ${elapsed} ms after SIGTERM, before drainTimeout (10 s)`);
  const drained = gw.lines.find((l, i) => i >= mark && l.event === 'worker_drained');
  t.equal(drained?.cut, 0, 'no connection had to be cut');
  t.notOk(existsSync(pidFile), 'pid file removed');
});
