// Request buffering (issue 7 finding 4) and what the forward stage refuses, over real sockets:
// a body is read (up to bodyBuffer) before an upstream connection is taken, so a slow body holds
// no upstream connection and a body whose framing breaks early was never partly sent; a buffered
// chunked body is re-framed with Content-Length; HEAD and trailers end to end; a request head that
// cannot be written on the wire is a 400.
import t, { type Test } from 'tap';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { forwardRequest } from '../../src/forward/forward-request.js';
import { h1Client, startFront, type Front } from './h1-harness.js';

interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

async function recordingUpstream(
  t: Test,
  respond?: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ port: number; seen: Seen[]; connections: () => number; server: http.Server }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks) });
      if (respond) respond(req, res);
      else res.end('ok');
    });
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, seen, connections: () => connections, server };
}

async function front(t: Test, port: number, over: Parameters<typeof h1Client>[1] = {}, bodyBuffer?: number): Promise<Front> {
  const client = h1Client(port, over);
  const f = await startFront(client, bodyBuffer);
  t.teardown(async () => {
    await f.close();
    client.destroy();
  });
  return f;
}

function request(
  port: number,
  opts: http.RequestOptions,
  body?: Buffer[],
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent: false, ...opts }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, trailers: res.trailers }));
    });
    req.on('error', reject);
    for (const part of body ?? []) req.write(part);
    req.end();
  });
}

/** A raw client connection to the front: the test writes bytes when it wants. */
async function rawClient(t: Test, port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  t.teardown(() => socket.destroy());
  return socket;
}

t.test('a small chunked body is sent in one piece with Content-Length', async (t) => {
  const up = await recordingUpstream(t);
  const f = await front(t, up.port);
  const parts = [Buffer.from('hello '), Buffer.from('chunked '), Buffer.from('world')];
  const r = await request(f.port, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, parts);
  t.equal(r.status, 200);
  t.equal(up.seen[0]!.headers['content-length'], '19');
  t.equal(up.seen[0]!.headers['transfer-encoding'], undefined);
  t.equal(up.seen[0]!.body.toString(), 'hello chunked world');
});

t.test('a slow body holds no upstream connection: another client is served meanwhile', async (t) => {
  const up = await recordingUpstream(t);
  const f = await front(t, up.port, { connections: 1 });
  const slow = await rawClient(t, f.port);
  const reached = once(f.server, 'request');
  slow.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello');
  await reached;
  // The only upstream connection is free for someone else while the body is incomplete.
  const other = await request(f.port, { method: 'GET', path: '/other' });
  t.equal(other.status, 200);
  t.same(
    up.seen.map((s) => s.method),
    ['GET'],
    'nothing of the slow request reached the upstream',
  );
  const answered = once(slow, 'data');
  slow.write('world');
  const [answer] = (await answered) as [Buffer];
  t.match(answer.toString('latin1'), /^HTTP\/1\.1 200 /);
  t.equal(up.seen[1]!.body.toString(), 'helloworld');
});

t.test('a body that breaks its chunked framing early was never partly sent upstream', async (t) => {
  const up = await recordingUpstream(t);
  const f = await front(t, up.port);
  const client = await rawClient(t, f.port);
  const reached = once(f.server, 'request');
  client.write('POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
  await reached;
  const answered = once(client, 'data');
  client.write('zz\r\n'); // not a chunk size: Node answers 400
  const [answer] = (await answered) as [Buffer];
  t.match(answer.toString('latin1'), /^HTTP\/1\.1 400 /);
  await f.resultCount(1);
  t.equal(f.results[0]!.aborted, true);
  t.equal(up.connections(), 0, 'the upstream was never contacted');
});

t.test('a body larger than bodyBuffer streams once its first bodyBuffer bytes arrived', async (t) => {
  const up = await recordingUpstream(t);
  const f = await front(t, up.port, {}, 1024);
  const client = await rawClient(t, f.port);
  const upstreamHead = once(up.server, 'request');
  client.write(`PUT /big HTTP/1.1\r\nHost: a\r\nContent-Length: 3000\r\n\r\n${'a'.repeat(2000)}`);
  await upstreamHead; // the upstream has the request before the client finished its body
  const answered = once(client, 'data');
  client.write('b'.repeat(1000));
  const [answer] = (await answered) as [Buffer];
  t.match(answer.toString('latin1'), /^HTTP\/1\.1 200 /);
  t.equal(up.seen[0]!.headers['content-length'], '3000');
  t.equal(up.seen[0]!.body.toString(), 'a'.repeat(2000) + 'b'.repeat(1000));
});

t.test('HEAD end to end: the length is passed on, no body, the connection stays usable', async (t) => {
  const up = await recordingUpstream(t, (req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': '1234', 'content-type': 'text/plain' });
      res.end();
    } else res.end('after head');
  });
  const f = await front(t, up.port, { connections: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const head = await request(f.port, { method: 'HEAD', agent });
  t.equal(head.status, 200);
  t.equal(head.headers['content-length'], '1234');
  t.equal(head.body, '');
  t.equal((await request(f.port, { method: 'GET', agent })).body, 'after head');
  t.equal(up.connections(), 1, 'one upstream connection for both');
});

t.test('trailers: request trailers are not forwarded, a chunked response with trailers arrives whole', async (t) => {
  const up = await recordingUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
    res.write('part one, ');
    res.addTrailers({ 'x-checksum': 'abc' });
    res.end('part two');
  });
  const f = await front(t, up.port);
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: f.port, method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked', trailer: 'x-client-sum' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write('payload');
    req.addTrailers({ 'x-client-sum': 'spoof' });
    req.end();
  });
  t.equal(r.status, 200);
  t.equal(r.body, 'part one, part two');
  t.equal(up.seen[0]!.body.toString(), 'payload');
  t.equal(up.seen[0]!.headers['content-length'], '7');
  t.equal(up.seen[0]!.headers['x-client-sum'], undefined);
});

t.test('a request head that cannot be serialised is a 400 BAD_REQUEST, never sent', async (t) => {
  const up = await recordingUpstream(t);
  const client = h1Client(up.port);
  t.teardown(() => client.destroy());
  const results: { code?: string; description?: string }[] = [];
  const server = http.createServer((req, res) => {
    // A header list the pipeline could build from what Node accepted: a value with a bare LF.
    const headers = ['host', 'upstream.test', 'x-note', 'line one\nline two'];
    forwardRequest(req, res, { client, method: 'GET', path: '/', headers, hasBody: false, bodyBuffer: 1024 }, (r) => {
      results.push({ code: r.error?.code, description: r.error?.description });
      res.writeHead(r.error?.code === 'BAD_REQUEST' ? 400 : 502);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const r = await request((server.address() as AddressInfo).port, { method: 'GET' });
  t.equal(r.status, 400);
  t.equal(results[0]!.code, 'BAD_REQUEST');
  t.match(results[0]!.description, /x-note/, 'the reason names the header');
  t.equal(up.connections(), 0);
});
