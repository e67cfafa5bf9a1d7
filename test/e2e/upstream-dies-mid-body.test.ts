// An upstream that sends its response head and part of the body, then closes the connection:
// the client sees a broken response (the head is gone, nothing else is honest), and the access
// log blames the upstream (502 UPSTREAM_UNAVAILABLE, upstreamStatus 200), not the client (499).
// Real gateway, real mTLS client, a raw TCP upstream; every wait is on an event.
import t from 'tap';
import https from 'node:https';
import net from 'node:net';
import { once } from 'node:events';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startTestGateway } from '../helpers/gateway-harness.js';
import { waitUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);

/** The head and first part of each response, by request path; the rest never comes. */
const PARTIAL: Record<string, string> = {
  '/length': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\npartial-body',
  '/chunked': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\nc\r\npartial-body\r\n',
};

const upstreamSockets = new Map<string, net.Socket>();
const upstream = net.createServer((socket) => {
  socket.once('data', (head: Buffer) => {
    const path = head.toString('latin1').split(' ')[1]!;
    upstreamSockets.set(path, socket);
    socket.write(PARTIAL[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upstreamPort = (upstream.address() as net.AddressInfo).port;

const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: edge
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: "http://127.0.0.1:${upstreamPort}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  upstream.close();
  for (const s of upstreamSockets.values()) s.destroy();
});

/**
 * Requests `path`; once the first body bytes have reached the client, the upstream closes its
 * socket. Resolves with what the client saw.
 */
function requestThenKillUpstream(path: string): Promise<{ status: number; received: string; failed: boolean }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: gw.port(),
        path,
        servername: 'localhost',
        agent: false,
        ca: pki.rootCa.certPem,
        cert: pki.client.certPem,
        key: pki.client.keyPem,
      },
      (res) => {
        let received = '';
        let failed = false;
        res.on('data', (c: Buffer) => {
          if (received === '') upstreamSockets.get(path)!.destroy(); // mid-body: the upstream dies
          received += c.toString('latin1');
        });
        res.on('error', () => (failed = true));
        res.on('close', () => resolve({ status: res.statusCode!, received, failed: failed || !res.complete }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

for (const path of ['/length', '/chunked']) {
  t.test(`${path}: the upstream dies mid-body`, async (t) => {
    const seen = await requestThenKillUpstream(path);
    t.equal(seen.status, 200, 'the head had been relayed');
    t.equal(seen.received, 'partial-body', 'the part the upstream sent reached the client');
    t.equal(seen.failed, true, 'the client sees a broken response, not a complete one');

    const isAccess = (l: Record<string, unknown>): boolean => l.event === 'access' && l.url === path;
    await waitUntil(() => gw.logs.find(isAccess) !== undefined, { what: `the access log line of ${path}` });
    const line = gw.logs.find(isAccess)!;
    t.equal(line.status, 502, 'logged as an upstream failure, not 499');
    t.equal(line.code, 'UPSTREAM_UNAVAILABLE');
    t.equal(line.upstreamStatus, 200);
  });
}
