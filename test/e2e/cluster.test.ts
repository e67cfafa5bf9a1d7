// workers: N runs one gateway per worker on the same port; the primary serves metrics summed
// across workers.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const freePort = async (): Promise<number> => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
};
const [port, adminPort] = [await freePort(), await freePort()];
const upstream = await startRecordingUpstream();
const file = path.join(dir, 'gateway.yaml');
await writeFile(
  file,
  `
workers: 2
admin: { listen: 127.0.0.1:${adminPort} }
listeners:
  - name: main
    listen: 127.0.0.1:${port}
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
  const deadline = Date.now() + 20_000;
  const listening = (): Set<number> => {
    const pids = new Set<number>();
    for (const line of out.split('\n')) {
      if (line.includes('"listener":"main"') && line.includes('"event":"listening"')) pids.add(JSON.parse(line).pid as number);
    }
    return pids;
  };
  while (listening().size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
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
