// Supervisor mode with workers: 2: both workers accept on the one socket the supervisor bound,
// the supervisor's admin listener serves the JWKS (signing key and publishKeys) and metrics summed
// across workers, and a worker killed with SIGKILL under load is restarted while the connections
// held by the other worker see no error.
import t from 'tap';
import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { startSupervised } from '../helpers/supervised-gateway.js';
import { probeUntil, waitUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const signing = generateKeyPairSync('ed25519');
const next = generateKeyPairSync('ed25519');
const dir = await listenerDir(pki, {
  'signing.pem': signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  'next.pem': next.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
});
const upstream = await startRecordingUpstream();
const file = path.join(dir, 'gateway.yaml');
await writeFile(
  file,
  `
workers: 2
admin: { listen: 127.0.0.1:0 }
reload: { watch: false }
shutdown: { delay: 30s }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app:
    url: ${upstream.url}
    signature: { alg: ed25519, keyFile: signing.pem, keyId: key-2026-01, publishKeys: [{ keyFile: next.pem, keyId: key-2026-04 }] }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
const gw = await startSupervised(file);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
});
await gw.waitFor((l) => l.event === 'generation_serving', 'generation 1 serving');
const port = gw.port('main');
const client = { port, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
let sent = 0;

t.test('two workers accept on the supervisor socket; the supervisor serves no request', async (t) => {
  const workers = new Set(gw.lines.filter((l) => l.event === 'worker_ready').map((l) => l.pid as number));
  t.equal(workers.size, 2, 'two workers ready');
  const ports = new Set(gw.lines.filter((l) => l.event === 'listening' && l.listener === 'main').map((l) => (l.address as { port: number }).port));
  t.same([...ports], [port], 'both workers report the one port');
  // New connections until both workers have served (the kernel picks the accepting worker).
  const servedBy = (): Set<number> => new Set(gw.lines.filter((l) => l.event === 'access').map((l) => l.pid as number));
  while (sent < 20 || (servedBy().size < 2 && sent < 400)) {
    t.equal((await mtlsRequest({ ...client, path: `/n${sent}` })).status, 200);
    sent += 1;
  }
  await probeUntil(
    () => gw.count((l) => l.event === 'access'),
    (n) => n === sent,
    { what: 'every access line' },
  );
  const served = servedBy();
  t.notOk(served.has(gw.child.pid!), 'the supervisor served nothing');
  t.same([...served].sort(), [...workers].sort(), `both workers served (${sent} requests)`);
});

t.test('the supervisor admin listener: JWKS, summed metrics, readiness', async (t) => {
  const keys = await gw.admin('/.well-known/certgate-keys');
  t.equal(keys.status, 200, 'keys endpoint answers (it was a 404 in cluster mode)');
  t.equal(keys.headers['content-type'], 'application/jwk-set+json');
  const jwks = JSON.parse(keys.body) as { keys: Array<{ kid: string; x: string; d?: string }> };
  t.same(
    jwks.keys.map((k) => k.kid),
    ['key-2026-01', 'key-2026-04'],
    'signing key and published next key',
  );
  t.equal(jwks.keys[1]!.x, next.publicKey.export({ format: 'jwk' }).x, 'the published key is next.pem');
  t.ok(
    jwks.keys.every((k) => k.d === undefined),
    'no private member',
  );
  t.equal(await gw.metric('certgate_requests_total{route="all",status="200"}'), sent, 'requests summed across both workers');
  t.equal(await gw.metric('certgate_config_generation'), 1);
  t.equal(await gw.metric('certgate_worker_restarts_total'), 0);
  t.match((await gw.admin('/metrics')).body, /certgate_config_info\{sha256="[0-9a-f]{64}"\} 1/);
  t.equal((await gw.admin('/readyz')).status, 200);
  t.equal((await gw.admin('/-/reload')).status, 405, 'reload only by POST');
});

t.test('kill -9 of a worker under load: restarted, the other worker unaffected, counted', async (t) => {
  // Each client holds one keep-alive connection from its own loopback address, so the access
  // log (remote, pid) tells which worker serves which client.
  const clients = [2, 3, 4, 5].map((n) => ({
    addr: `127.0.0.${n}`,
    agent: new https.Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.0.${n}` }),
    ok: 0,
    errors: [] as string[],
  }));
  let stop = false;
  const loops = clients.map(async (c) => {
    while (!stop) {
      try {
        const r = await mtlsRequest({ ...client, agent: c.agent, path: '/load' });
        if (r.status === 200) c.ok += 1;
        else c.errors.push(`status ${r.status}`);
      } catch (err) {
        c.errors.push((err as Error).message);
      }
    }
  });
  await waitUntil(() => clients.every((c) => c.ok >= 5), { what: 'every client served' });
  const workerOf = (addr: string): number => gw.lines.filter((l) => l.event === 'access' && l.remote === addr).at(-1)!.pid as number;
  // Access lines are written in blocks, up to 50 ms after the answer (buffered-log-stream.ts).
  await waitUntil(() => clients.every((c) => gw.lines.some((l) => l.event === 'access' && l.remote === c.addr)), { what: 'an access line per client' });
  const before = new Map(clients.map((c) => [c.addr, workerOf(c.addr)]));
  const pids = [...new Set(gw.lines.filter((l) => l.event === 'worker_ready').map((l) => l.pid as number))];
  // Kill the worker serving fewer clients, so the other worker holds at least half of them.
  const count = (p: number): number => [...before.values()].filter((x) => x === p).length;
  const victim = count(pids[0]!) <= count(pids[1]!) ? pids[0]! : pids[1]!;
  const mark = gw.lines.length;
  process.kill(victim, 'SIGKILL');
  const exit = await gw.waitFor((l) => l.event === 'worker_exit' && l.pid === victim, 'the worker_exit line', mark);
  t.equal(exit.signal, 'SIGKILL', 'logged with its signal');
  const restarted = await gw.waitFor((l) => l.event === 'worker_ready' && l.pid !== victim && !pids.includes(l.pid as number), 'a new worker', mark);
  const afterOk = clients.map((c) => c.ok);
  await waitUntil(() => clients.every((c, i) => c.ok >= afterOk[i]! + 5), { what: 'clients served after the restart' });
  stop = true;
  await Promise.all(loops);
  for (const c of clients) {
    c.agent.destroy();
    if (before.get(c.addr) !== victim) t.same(c.errors, [], `client ${c.addr} on the surviving worker saw no error`);
    else t.ok(c.errors.length <= 1, `client ${c.addr} on the killed worker lost at most its in-flight request (${c.errors.join('; ')})`);
  }
  t.ok(restarted.pid, `worker ${victim} replaced by ${String(restarted.pid)}`);
  t.equal(await gw.metric('certgate_worker_restarts_total'), 1, 'the restart is counted');
  t.equal((await gw.admin('/readyz')).status, 200);
});

t.test('a second signal exits at once, without waiting for shutdown.delay', async (t) => {
  const mark = gw.lines.length;
  const at = Date.now();
  gw.child.kill('SIGTERM');
  await gw.waitFor((l) => l.event === 'stopping', 'the stopping line', mark);
  t.equal((await gw.admin('/readyz')).status, 503, 'not ready while stopping');
  t.equal((await mtlsRequest({ ...client, path: '/still' })).status, 200, 'still serving during shutdown.delay');
  gw.child.kill('SIGTERM');
  const { code } = await gw.exited;
  t.equal(code, 1, 'exits at once with 1');
  t.ok(Date.now() - at < 30_000, 'well before shutdown.delay (30 s) ran out');
  t.ok(
    gw.lines.some((l, i) => i >= mark && l.event === 'stopping_now'),
    'logged',
  );
});
