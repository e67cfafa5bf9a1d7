// When the h1 engine replays a request (issue 7 finding 8): only after a reused keep-alive socket
// failed before any response byte, only for GET, HEAD and OPTIONS, and only when the body (if any)
// is held whole in memory. A replayed POST may charge a card twice.
import t, { type Test } from 'tap';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { h1Client, startFront, type Front } from './h1-harness.js';

/**
 * A raw upstream that answers the first request on each connection and drops the connection,
 * unanswered, as soon as the head of the second arrives: the keep-alive race, made deterministic.
 * Records the request line of every request it saw.
 */
async function racingUpstream(t: Test, opts: { answerEvery?: boolean } = {}): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const server = net.createServer((socket) => {
    let requests = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return; // wait for the body
        buffered = buffered.slice(end + 4 + length);
        lines.push(head.slice(0, head.indexOf('\r\n')));
        if (++requests === 1 || opts.answerEvery === true) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        else socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  return { port: (server.address() as AddressInfo).port, lines };
}

async function front(t: Test, port: number, bodyBuffer?: number): Promise<Front> {
  const client = h1Client(port, { connections: 1 });
  const f = await startFront(client, bodyBuffer);
  t.teardown(async () => {
    await f.close();
    client.destroy();
  });
  return f;
}

function send(port: number, agent: http.Agent, method: string, path: string, body?: Buffer): Promise<{ status: number; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? { 'content-length': '0' } : { 'content-length': String(body.length) };
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, error: res.headers['x-h1-error'] as string | undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('a POST is not replayed when a reused socket resets after its head was written', async (t) => {
  const up = await racingUpstream(t);
  const f = await front(t, up.port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await send(f.port, agent, 'GET', '/warm')).status, 200);
  const post = await send(f.port, agent, 'POST', '/pay');
  t.equal(post.status, 502, 'the client is told the upstream failed');
  t.equal(f.results.at(-1)!.code, 'UPSTREAM_UNAVAILABLE');
  t.same(
    up.lines.filter((l) => l.startsWith('POST')),
    ['POST /pay HTTP/1.1'],
    'the upstream saw exactly one POST',
  );
});

t.test('a POST with a buffered body is not replayed either', async (t) => {
  const up = await racingUpstream(t);
  const f = await front(t, up.port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await send(f.port, agent, 'GET', '/warm')).status, 200);
  t.equal((await send(f.port, agent, 'POST', '/pay', Buffer.from('amount=100'))).status, 502);
  t.same(
    up.lines.filter((l) => l.startsWith('POST')),
    ['POST /pay HTTP/1.1'],
  );
});

t.test('GET, HEAD and OPTIONS are replayed once on a fresh connection', async (t) => {
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    const up = await racingUpstream(t);
    const f = await front(t, up.port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    t.equal((await send(f.port, agent, 'GET', '/warm')).status, 200);
    t.equal((await send(f.port, agent, method, '/again')).status, 200, `${method} answered after one retry`);
    t.same(up.lines, ['GET /warm HTTP/1.1', `${method} /again HTTP/1.1`, `${method} /again HTTP/1.1`], `${method} sent twice, no more`);
  }
});

t.test('a GET whose body was buffered whole is replayed with the same body', async (t) => {
  const up = await racingUpstream(t);
  const f = await front(t, up.port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await send(f.port, agent, 'GET', '/warm')).status, 200);
  t.equal((await send(f.port, agent, 'GET', '/search', Buffer.from('{"q":1}'))).status, 200);
  t.same(up.lines.slice(1), ['GET /search HTTP/1.1', 'GET /search HTTP/1.1']);
});

t.test('no replay once body bytes beyond the buffer were consumed (streamed body)', async (t) => {
  const up = await racingUpstream(t);
  const f = await front(t, up.port, 16); // bodyBuffer 16 bytes: the 4 KiB body below is streamed
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await send(f.port, agent, 'GET', '/warm')).status, 200);
  const r = await send(f.port, agent, 'GET', '/big', Buffer.alloc(4096, 0x61));
  t.equal(r.status, 502);
  t.same(up.lines.slice(1), ['GET /big HTTP/1.1'], 'sent once');
});
