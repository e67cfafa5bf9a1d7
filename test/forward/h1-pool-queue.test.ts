// The upstream pool's queue over real loopback sockets (issue 7 finding 2): bounded (past
// `queue`, 503 UPSTREAM_BUSY), the response deadline counted from when a request was queued (one
// that waited past it is answered 504 and never sent), and a queued request whose client left is
// taken out of the queue.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { h1Client, startFront, type Front } from './h1-harness.js';

interface Answer {
  status: number;
  error: string | undefined;
  body: string;
}

function get(port: number, path: string): { done: Promise<Answer>; req: http.ClientRequest } {
  let req!: http.ClientRequest;
  const done = new Promise<Answer>((resolve, reject) => {
    req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, error: res.headers['x-h1-error'] as string | undefined, body }));
    });
    req.on('error', reject);
  });
  return { done, req };
}

/** An upstream that holds each request until the test releases it; records the paths it saw. */
async function heldUpstream(t: Test): Promise<{ port: number; seen: string[]; held: http.ServerResponse[]; arrived: (n: number) => Promise<void> }> {
  const seen: string[] = [];
  const held: http.ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.url!);
    held.push(res);
    for (const w of waiters.filter((w) => seen.length >= w.n)) w.resolve();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    held,
    arrived: (n) => (seen.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/** Sends a GET and waits until the front has handed it to the pool (dispatch is synchronous). */
async function queuedGet(f: Front, path: string): Promise<ReturnType<typeof get>> {
  const reached = once(f.server, 'request');
  const r = get(f.port, path);
  await reached;
  return r;
}

async function front(t: Test, port: number, over: Parameters<typeof h1Client>[1]): Promise<Front> {
  const client = h1Client(port, over);
  const f = await startFront(client);
  t.teardown(async () => {
    await f.close();
    client.destroy();
  });
  return f;
}

t.test('past pool.queue waiting requests, 503 UPSTREAM_BUSY; the queued ones are served', async (t) => {
  const up = await heldUpstream(t);
  const f = await front(t, up.port, { connections: 1, queue: 2 });
  const first = get(f.port, '/1');
  await up.arrived(1);
  const queued = [await queuedGet(f, '/2'), await queuedGet(f, '/3')];
  const busy = await get(f.port, '/4').done;
  t.equal(busy.status, 503);
  t.equal(busy.error, 'ERR_UPSTREAM_QUEUE_FULL');
  t.equal(f.results.at(-1)!.code, 'UPSTREAM_BUSY');
  for (let i = 0; i < 3; i++) {
    await up.arrived(i + 1);
    up.held[i]!.end('ok');
  }
  const answers = await Promise.all([first.done, ...queued.map((q) => q.done)]);
  t.same(
    answers.map((a) => a.status),
    [200, 200, 200],
  );
  t.same(up.seen, ['/1', '/2', '/3'], 'the refused request never reached the upstream');
});

t.test('the response deadline counts from queue time: a request that waited past it is answered 504 unsent', async (t) => {
  const up = await heldUpstream(t);
  const f = await front(t, up.port, { connections: 1, responseTimeout: 300, idleTimeout: 5_000 });
  const first = get(f.port, '/first');
  await up.arrived(1);
  // The first response starts at once and then holds the only connection (its body trickles).
  up.held[0]!.writeHead(200, { 'content-type': 'text/plain' });
  up.held[0]!.write('.');
  const started = Date.now();
  const second = await get(f.port, '/second').done;
  const waited = Date.now() - started;
  t.equal(second.status, 504);
  t.equal(second.error, 'ERR_UPSTREAM_QUEUE_TIMEOUT');
  t.equal(f.results.at(-1)!.code, 'UPSTREAM_TIMEOUT');
  t.ok(waited < 2_000, `answered after ${waited} ms, while the connection was still busy`);
  up.held[0]!.end('done');
  t.equal((await first.done).status, 200);
  // Once the connection is free again, nothing else arrives: the expired request was never sent.
  const third = get(f.port, '/third');
  await up.arrived(2);
  up.held[1]!.end('ok');
  t.equal((await third.done).status, 200);
  t.same(up.seen, ['/first', '/third']);
});

t.test('a queued request whose client left is removed from the queue and never sent', async (t) => {
  const up = await heldUpstream(t);
  const f = await front(t, up.port, { connections: 1, queue: 1 });
  const first = get(f.port, '/first');
  await up.arrived(1);
  const leaving = await queuedGet(f, '/leaving');
  leaving.done.catch(() => undefined);
  leaving.req.destroy();
  await f.resultCount(1); // the exchange saw its client leave
  t.equal(f.results[0]!.aborted, true);
  // Its slot is free again: with queue: 1 a new request is queued, not refused.
  const next = get(f.port, '/next');
  up.held[0]!.end('ok');
  await up.arrived(2);
  up.held[1]!.end('ok');
  t.equal((await first.done).status, 200);
  t.equal((await next.done).status, 200);
  t.same(up.seen, ['/first', '/next']);
});
