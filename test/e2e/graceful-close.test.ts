// RunningGateway.close(drainTimeoutMs), in process: an in-flight request finishes and is answered
// with Connection: close, an idle keep-alive connection is closed, no new connection is accepted,
// and at the deadline what is left is cut and counted.
import t from 'tap';
import https from 'node:https';
import net from 'node:net';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';
import { probeUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const delays = new Map<string, number>([
  ['/slow', 600],
  ['/stuck', 5000],
]);
const upstream = await startRecordingUpstream((req, res) => {
  setTimeout(
    () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    },
    delays.get(req.url!) ?? 0,
  );
});
t.teardown(() => upstream.close());
const yaml = `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`;
const client = (port: number, agent?: https.Agent) => ({ port, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem, ...(agent ? { agent } : {}) });
const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });

t.test('in-flight requests finish with Connection: close; idle keep-alive connections close', async (t) => {
  const gw = await startTestGateway(await listenerDir(pki), yaml);
  const port = gw.port();
  const idleAgent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => idleAgent.destroy());
  t.equal((await mtlsRequest({ ...client(port, idleAgent), path: '/warm' })).status, 200);
  const idleSocket = Object.values(idleAgent.freeSockets)[0]![0]!;
  const idleClosed = new Promise<void>((resolve) => idleSocket.once('close', () => resolve()));
  const inFlight = mtlsRequest({ ...client(port), path: '/slow' });
  await probeUntil(
    () => upstream.received.some((r) => r.url === '/slow'),
    (v) => v,
    { what: 'the slow request at the upstream' },
  );
  const closing = gw.gateway.close(5000);
  const answer = await inFlight;
  t.equal(answer.status, 200, 'the in-flight request completed');
  t.equal(answer.headers.connection, 'close', 'with Connection: close');
  await idleClosed;
  t.pass('the idle keep-alive connection was closed');
  t.same(await closing, { cut: 0 }, 'nothing cut');
  t.ok(await refused(port), 'no longer accepting');
  t.ok(
    gw.logs.find((l) => l.event === 'drained' && l.cut === 0),
    'drain logged',
  );
});

t.test('at the deadline the rest is cut and counted', async (t) => {
  const gw = await startTestGateway(await listenerDir(pki), yaml);
  const port = gw.port();
  const stuck = mtlsRequest({ ...client(port), path: '/stuck' }).then(
    (r) => r.status,
    (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message,
  );
  await probeUntil(
    () => upstream.received.some((r) => r.url === '/stuck'),
    (v) => v,
    { what: 'the stuck request at the upstream' },
  );
  const { cut } = await gw.gateway.close(300);
  t.equal(cut, 1, 'one connection cut');
  t.not(await stuck, 200, 'the stuck request did not complete');
  t.ok(
    gw.logs.find((l) => l.event === 'drained' && l.cut === 1),
    'the cut is logged',
  );
});
