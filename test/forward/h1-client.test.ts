// Behaviour of the h1 engine over real sockets: keep-alive reuse, the keep-alive race retry,
// connection limit and queue, timeouts, client aborts, streaming with bounded memory, chunked
// request bodies and an https upstream that requires the gateway's client certificate.
import t, { type Test } from 'tap';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { makeTestPki } from '../helpers/pki.js';
import { h1Client, startFront, type Front } from './h1-harness.js';
import type { H1Client } from '../../src/forward/h1/h1-client.js';

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function get(port: number, path = '/', agent: http.Agent | false = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function setup(t: Test, upstream: net.Server, over: Parameters<typeof h1Client>[1] = {}): Promise<{ front: Front; client: H1Client; port: number }> {
  const port = await listen(upstream);
  const client = h1Client(port, over);
  const front = await startFront(client);
  t.teardown(async () => {
    await front.close();
    await client.close();
    upstream.close();
    if ('closeAllConnections' in upstream) (upstream as http.Server).closeAllConnections();
  });
  return { front, client, port };
}

t.test('keep-alive: sequential requests share one upstream connection', async (t) => {
  let connections = 0;
  const upstream = http.createServer((_req, res) => res.end('hi'));
  upstream.on('connection', () => connections++);
  const { front } = await setup(t, upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 20; i++) t.equal((await get(front.port, `/${i}`, agent)).body.toString(), 'hi');
  agent.destroy();
  t.equal(connections, 1);
});

t.test('a reused socket the server closed is retried once on a fresh connection', async (t) => {
  // The server answers the first request on each connection and drops the second unanswered:
  // the keep-alive race, made deterministic.
  let connections = 0;
  const upstream = net.createServer((socket) => {
    connections++;
    let requests = 0;
    socket.on('data', () => {
      if (++requests === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.destroy();
    });
  });
  const { front } = await setup(t, upstream);
  t.equal((await get(front.port)).status, 200);
  const second = await get(front.port);
  t.equal(second.status, 200, 'retried and answered');
  t.equal(second.body.toString(), 'ok');
  t.equal(connections, 2);
});

t.test('idle sockets the server closes are dropped from the pool', async (t) => {
  // The server closes each connection once its answer has been delivered (the socket is idle in
  // the pool), as a keep-alive timeout would. The close event on the server's side means the
  // gateway saw the FIN and closed its end too.
  let connections = 0;
  const sockets: net.Socket[] = [];
  const upstream = net.createServer((socket) => {
    connections++;
    sockets.push(socket);
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'));
  });
  const { front } = await setup(t, upstream);
  t.equal((await get(front.port)).status, 200);
  const first = sockets[0]!;
  const firstClosed = once(first, 'close');
  first.end();
  await firstClosed;
  t.equal((await get(front.port)).status, 200);
  t.equal(connections, 2);
  t.equal(front.results.filter((r) => r.code).length, 0, 'no failure reached the client');
});

t.test('sockets idle longer than the keep-alive timeout are closed by the gateway', async (t) => {
  let closedByClient!: () => void;
  const closed = new Promise<void>((r) => (closedByClient = r));
  const upstream = http.createServer((_req, res) => res.end('x'));
  // The upstream never closes idle sockets itself: an 'end' can only be the gateway's FIN.
  upstream.keepAliveTimeout = 0;
  upstream.on('connection', (s: net.Socket) => s.on('end', closedByClient));
  const { front } = await setup(t, upstream, { keepAliveTimeout: 100 });
  t.equal((await get(front.port)).status, 200);
  await closed;
  t.pass('the gateway closed the idle socket');
});

t.test('connection limit: excess requests wait in a queue', async (t) => {
  let open = 0;
  let peak = 0;
  const upstream = http.createServer((_req, res) => setTimeout(() => res.end('done'), 50));
  upstream.on('connection', (s: net.Socket) => {
    peak = Math.max(peak, ++open);
    s.on('close', () => open--);
  });
  const { front } = await setup(t, upstream, { connections: 2 });
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => get(front.port, `/${i}`)));
  t.same(
    results.map((r) => r.status),
    Array(8).fill(200),
  );
  t.equal(peak, 2);
});

t.test('connect timeout: 504 with ERR_UPSTREAM_CONNECT_TIMEOUT', async (t) => {
  // A TCP server that never completes the TLS handshake: the connection never becomes ready.
  const silent = net.createServer(() => undefined);
  const { front } = await setup(t, silent, { https: true, tls: { rejectUnauthorized: true }, connectTimeout: 150 });
  const r = await get(front.port);
  t.equal(r.status, 504);
  t.equal(r.headers['x-h1-error'], 'ERR_UPSTREAM_CONNECT_TIMEOUT');
  t.equal(front.results[0]!.code, 'UPSTREAM_TIMEOUT');
});

t.test('response timeout: 504 UPSTREAM_TIMEOUT', async (t) => {
  const upstream = net.createServer(() => undefined); // reads the request, never answers
  const { front } = await setup(t, upstream, { responseTimeout: 150 });
  const r = await get(front.port);
  t.equal(r.status, 504);
  t.equal(r.headers['x-h1-error'], 'ERR_UPSTREAM_HEADERS_TIMEOUT');
  t.equal(front.results[0]!.code, 'UPSTREAM_TIMEOUT');
});

t.test('refused connection: 502 UPSTREAM_UNAVAILABLE', async (t) => {
  const probe = net.createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const client = h1Client(port);
  const front = await startFront(client);
  t.teardown(async () => {
    await front.close();
    await client.close();
  });
  t.equal((await get(front.port)).status, 502);
  t.equal(front.results[0]!.code, 'UPSTREAM_UNAVAILABLE');
});

t.test('a client that goes away destroys the upstream socket', async (t) => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const upstream = net.createServer((socket) => {
    socket.on('close', upstreamClosed);
    socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial'));
  });
  const { front } = await setup(t, upstream);
  await new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: front.port, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => undefined);
  });
  await closed;
  t.pass('upstream socket closed');
  await front.resultCount(1);
  t.equal(front.results[0]!.aborted, true);
});

t.test('50 MB chunked response streams through with bounded memory', async (t) => {
  const SIZE = 50 * 1024 * 1024;
  const piece = Buffer.alloc(64 * 1024, 0x61);
  const upstream = http.createServer((_req, res) => {
    (async () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked
      for (let sent = 0; sent < SIZE; sent += piece.length) {
        if (!res.write(piece)) await once(res, 'drain');
      }
      res.end();
    })().catch(() => res.destroy());
  });
  const { front } = await setup(t, upstream);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const received = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: front.port, agent: false }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          peak = Math.max(peak, process.memoryUsage().rss);
        });
        res.on('end', () => resolve(n));
      })
      .on('error', reject);
  });
  t.equal(received, SIZE);
  t.ok(peak - before < 64 * 1024 * 1024, `rss grew ${((peak - before) / 1048576).toFixed(1)} MB`);
});

t.test('a chunked request body is forwarded chunk-encoded and intact', async (t) => {
  let seen: { te?: string; cl?: string; body: Buffer } | undefined;
  const upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen = { te: req.headers['transfer-encoding'], cl: req.headers['content-length'], body: Buffer.concat(chunks) };
      res.end('got it');
    });
  });
  const { front } = await setup(t, upstream);
  const parts = [Buffer.alloc(10, 1), Buffer.alloc(100_000, 2), Buffer.from('end')];
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: front.port, method: 'POST', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    for (const p of parts) req.write(p);
    req.end();
  });
  t.equal(status, 200);
  t.equal(seen!.te, 'chunked');
  t.equal(seen!.cl, undefined);
  t.ok(seen!.body.equals(Buffer.concat(parts)));
});

t.test('a Content-Length request body is forwarded as is', async (t) => {
  let body: Buffer | undefined;
  const upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      body = Buffer.concat(chunks);
      res.end(String(req.headers['content-length']));
    });
  });
  const { front } = await setup(t, upstream);
  const payload = Buffer.alloc(3_000_000, 7);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: front.port, method: 'PUT', agent: false, headers: { 'content-length': payload.length } }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end(payload);
  });
  t.equal(answer, String(payload.length));
  t.ok(body!.equals(payload));
});

t.test('https upstream requiring the gateway client certificate', async (t) => {
  const pki = await makeTestPki();
  let peerCN: string | undefined;
  const upstream = https.createServer(
    { cert: pki.upstreamServer.certPem, key: pki.upstreamServer.keyPem, ca: pki.upstreamCa.certPem, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      const peer: Partial<import('node:tls').PeerCertificate> = (req.socket as import('node:tls').TLSSocket).getPeerCertificate(); // {} without a certificate
      peerCN = peer.subject?.CN as string | undefined;
      res.end('secure');
    },
  );
  const tlsOpts = { rejectUnauthorized: true, ca: pki.upstreamCa.certPem, cert: pki.gatewayClient.certPem, key: pki.gatewayClient.keyPem, servername: 'localhost' };
  const { front } = await setup(t, upstream, { https: true, tls: tlsOpts });
  const r = await get(front.port);
  t.equal(r.status, 200);
  t.equal(r.body.toString(), 'secure');
  t.equal(peerCN, 'certgate gateway');

  // The wrong CA: the upstream is not trusted, 502.
  const port = (upstream.address() as AddressInfo).port;
  const wrong = h1Client(port, { https: true, tls: { ...tlsOpts, ca: pki.rootCa.certPem } });
  const front2 = await startFront(wrong);
  t.teardown(async () => {
    await front2.close();
    await wrong.close();
  });
  t.equal((await get(front2.port)).status, 502);
});
