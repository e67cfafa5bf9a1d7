// Through the real gateway over mTLS: a full upstream queue answers 503 UPSTREAM_BUSY and counts
// certgate_upstream_busy_total{upstream}. (queue: 0, so that "full" does not depend on which of two
// concurrent requests arrives first; test/forward/h1-pool-queue.test.ts covers a longer queue.)
import t from 'tap';
import http from 'node:http';
import { once } from 'node:events';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, mtlsRequest, startTestGateway } from '../helpers/gateway-harness.js';

t.test('pool.queue full: 503 UPSTREAM_BUSY and the metric', async (t) => {
  const pki = await makeTestPki();
  const dir = await listenerDir(pki);
  const held: http.ServerResponse[] = [];
  let arrived!: () => void;
  const first = new Promise<void>((r) => (arrived = r));
  const upstream = http.createServer((req, res) => {
    if (req.url === '/later') return void res.end('later');
    held.push(res);
    arrived();
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const gw = await startTestGateway(
    dir,
    `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  narrow:
    url: http://127.0.0.1:${(upstream.address() as { port: number }).port}
    pool: { connections: 1, queue: 0 }
routes:
  - { name: narrow, match: { pathPrefix: / }, upstream: narrow }
`,
  );
  t.teardown(async () => {
    await gw.close();
    upstream.closeAllConnections();
    upstream.close();
  });
  const creds = { port: gw.port(), ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };

  const active = mtlsRequest({ ...creds, path: '/active' });
  await first; // the only connection is busy
  const busy = await mtlsRequest({ ...creds, path: '/refused' });
  t.equal(busy.status, 503);
  t.equal(busy.json().code, 'UPSTREAM_BUSY');
  const metrics = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: gw.gateway.adminAddress!.port, path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  t.match(metrics, /certgate_upstream_busy_total\{upstream="narrow"\} [1-9]/);
  t.equal(held.length, 1, 'the refused request never reached the upstream');
  held[0]!.end('a');
  t.equal((await active).status, 200);
  t.equal((await mtlsRequest({ ...creds, path: '/later' })).status, 200, 'served again once the connection is free');
});
