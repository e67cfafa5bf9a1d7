// The access log is buffered (src/observability/buffered-log-stream.ts), and a SIGTERM must not
// cost a line: `certgate start` serves 2,000 requests over keep-alive mTLS connections to a real
// upstream, is told to stop right after the last answer, and its stdout must then hold exactly one
// access line per request, no more, no fewer.
import t from 'tap';
import https from 'node:https';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startRecordingUpstream } from '../helpers/gateway-harness.js';
import { startSupervised } from '../helpers/supervised-gateway.js';

const REQUESTS = 2000;
const CONNECTIONS = 8;

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
const file = path.join(dir, 'gateway.yaml');
await writeFile(
  file,
  `
workers: 1
admin: { listen: 127.0.0.1:0 }
reload: { watch: false }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app:
    url: ${upstream.url}
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
const gw = await startSupervised(file);
// stdout is complete only once the pipe closes, which can come after the 'exit' event.
const closed = once(gw.child, 'close');
const agent = new https.Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem });
t.teardown(async () => {
  agent.destroy();
  await gw.stop();
  await upstream.close();
});
await gw.waitFor((l) => l.event === 'generation_serving', 'generation 1 serving');
const port = gw.port('main');

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: url, servername: 'localhost', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
  });
}

t.test('SIGTERM right after the last answer: one access line per request', async (t) => {
  const statuses: number[] = [];
  let next = 0;
  // CONNECTIONS clients, each sending its next request when the previous answer has arrived.
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < REQUESTS) statuses.push(await get(`/n/${next++}`));
    }),
  );
  gw.child.kill('SIGTERM');
  const [code] = (await closed) as [number | null];
  t.equal(code, 0, 'the gateway stopped cleanly');
  t.equal(statuses.length, REQUESTS);
  t.ok(
    statuses.every((s) => s === 200),
    'every request answered 200',
  );
  t.equal(upstream.received.length, REQUESTS, 'the upstream saw every request');

  const access = gw.lines.filter((l) => l.event === 'access');
  t.equal(access.length, REQUESTS, 'exactly one access line per request');
  const urls = new Set(access.map((l) => l.url));
  t.equal(urls.size, REQUESTS, 'each request has its own line');
  t.ok(
    Array.from({ length: REQUESTS }, (_, i) => `/n/${i}`).every((u) => urls.has(u)),
    'every URL sent is logged',
  );
  t.ok(
    access.every((l) => l.status === 200 && l.upstreamStatus === 200 && l.route === 'all'),
    'every line records the 200 from the upstream',
  );
  t.equal(new Set(access.map((l) => l.requestId)).size, REQUESTS, 'request ids are distinct');
  t.ok(
    gw.lines.some((l) => l.event === 'worker_drained'),
    'the worker drain line, written after the last access line, is there too',
  );
  t.ok(
    gw.lines.some((l) => l.event === 'stopped'),
    "the supervisor's last line is there",
  );
});
