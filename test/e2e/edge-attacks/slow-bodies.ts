// Issue 7 finding 4: 130 connections trickling a request body held all 128 upstream connections
// and clients with valid certificates timed out. With request buffering a slow body holds only
// its own client connection; the valid client keeps getting 200 within 1 s.
import type { Test } from 'tap';
import https from 'node:https';
import tls from 'node:tls';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { makeTestPki } from '../../helpers/pki.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../../helpers/gateway-harness.js';

const SLOW_CLIENTS = 130;
const TRICKLE_MS = 1000; // one body byte per second: slow, and the part stays short

export async function slowBodies(t: Test): Promise<void> {
  const pki = await makeTestPki();
  const dir = await listenerDir(pki);
  const upstream = await startRecordingUpstream();
  let upstreamConnections = 0;
  upstream.server.on('connection', () => upstreamConnections++);
  const heads: string[] = []; // every request head that reached the upstream, body complete or not
  upstream.server.on('request', (req: { url: string }) => heads.push(req.url));
  const gw = await startTestGateway(
    dir,
    `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app:
    url: ${upstream.url}
    pool: { connections: 128 }
routes:
  - { name: app, match: { pathPrefix: / }, upstream: app }
`,
  );
  const creds = { ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };
  const slow: tls.TLSSocket[] = [];
  let trickle: NodeJS.Timeout | undefined;
  t.teardown(async () => {
    clearInterval(trickle);
    for (const s of slow) s.destroy();
    await gw.close();
    await upstream.close();
  });

  // 130 mTLS connections, each a POST announcing 1,000 body bytes and sending one now and then.
  await Promise.all(
    Array.from({ length: SLOW_CLIENTS }, async (_, i) => {
      const socket = tls.connect({ host: '127.0.0.1', port: gw.port(), servername: 'localhost', ...creds });
      socket.on('error', () => undefined);
      slow.push(socket);
      await once(socket, 'secureConnect');
      await new Promise<void>((resolve) => socket.write(`POST /upload/${i} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\nx`, () => resolve()));
    }),
  );
  trickle = setInterval(() => {
    for (const s of slow) s.write('x');
  }, TRICKLE_MS);

  // Meanwhile a client with a valid certificate: each request answered 200 within 1 s.
  // Each waits at most 2 s, so that a starved client fails the part instead of hanging it.
  const agent = new https.Agent({ keepAlive: false });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      mtlsRequest({ port: gw.port(), ...creds, path: `/valid/${i}`, agent }),
      new Promise<{ status: number }>((r) => (timer = setTimeout(() => r({ status: 0 }), 2000))),
    ]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    t.equal(res.status, 200, `valid request ${i}: 200`);
    t.ok(ms < 1000, `valid request ${i} answered in ${ms.toFixed(0)} ms (under 1 s)`);
    await new Promise((r) => setTimeout(r, TRICKLE_MS / 2)); // pacing: the client keeps coming back while the bodies trickle
  }
  t.same(heads, ['/valid/0', '/valid/1', '/valid/2', '/valid/3', '/valid/4'], 'no part of a slow request reached the upstream');
  t.ok(upstreamConnections < 10, `${upstreamConnections} upstream connections in use (the slow bodies hold none)`);
  t.equal(slow.filter((s) => !s.destroyed).length, SLOW_CLIENTS, 'the slow clients are still connected');
}
