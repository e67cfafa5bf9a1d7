// workers: N runs one gateway per worker on the same port; the primary serves metrics summed
// across workers.
import t from 'tap';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';
import { waitUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
let port = 0;
let adminPort = 0;
const upstream = await startRecordingUpstream();
const file = path.join(dir, 'gateway.yaml');
await writeFile(
  file,
  `
workers: 2
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
const child = spawn(process.execPath, [CLI, 'start', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (c: Buffer) => (out += c.toString()));
child.stderr.on('data', (c: Buffer) => (out += c.toString()));
t.teardown(async () => {
  child.kill('SIGTERM');
  await upstream.close();
});

t.test('two workers listen on one port and serve requests', async (t) => {
  // Every port is bound by the gateway itself (port 0; cluster workers share the one the primary
  // bound) and read back from its "listening" log lines.
  const lines = (): Array<Record<string, unknown>> => out.slice(0, out.lastIndexOf('\n')).split('\n').filter((l) => l.includes('"event":"listening"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const listening = (): Set<number> => new Set(lines().filter((l) => l.listener === 'main').map((l) => l.pid as number));
  await waitUntil(() => listening().size >= 2 && lines().some((l) => l.listener === 'admin'), { what: 'two workers and the admin listener', attempts: 800 });
  const mainPorts = new Set(lines().filter((l) => l.listener === 'main').map((l) => (l.address as { port: number }).port));
  t.equal(mainPorts.size, 1, `both workers on one port (${[...mainPorts].join(', ')})`);
  port = [...mainPorts][0]!;
  adminPort = (lines().find((l) => l.listener === 'admin')!.address as { port: number }).port;
  t.equal(listening().size, 2, 'two worker processes started the listener');
  t.notOk(listening().has(child.pid!), 'the primary is not one of them');
  for (let i = 0; i < 20; i++) {
    const res = await mtlsRequest({ port, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem, path: `/n${i}` });
    t.equal(res.status, 200);
  }
  const served = new Set(out.split('\n').filter((l) => l.includes('"event":"access"')).map((l) => JSON.parse(l).pid as number));
  t.ok(served.size >= 1, `requests served by worker(s) ${[...served].join(', ')}`);
});

t.test('the primary serves metrics aggregated across workers', async (t) => {
  const body = await new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: adminPort, path: '/metrics' }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  const m = /certgate_requests_total\{route="all",status="200"\} (\d+)/.exec(body);
  t.ok(m, 'request counter present');
  t.equal(Number(m?.[1]), 20, 'summed across workers');
});
