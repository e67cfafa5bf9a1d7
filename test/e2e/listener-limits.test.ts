// Each `listeners[].limits` entry reached by a real client over real TLS (issue 7, findings 6
// and 7): the answer or close the client sees, and the metric that counted it. Small limits are
// configured so each is reached in well under a second; waits are on socket events, bounded.
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import type { Counter } from 'prom-client';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
// Every request head that reaches the upstream, complete or not.
let upstreamHeads = 0;
upstream.server.on('request', () => upstreamHeads++);

const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
    limits:
      handshakeTimeout: 300ms
      headerTimeout: 300ms
      bodyIdleTimeout: 300ms
      requestTimeout: 1s
      keepAliveTimeout: 300ms
      maxHeaderCount: 10
      maxHeaderSize: 2kb
  - name: capped
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
    limits: { maxConnections: 5 }
upstreams:
  app:
    url: ${upstream.url}
routes:
  - name: app
    match: { pathPrefix: / }
    upstream: app
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;
const client = { cert: pki.client.certPem, key: pki.client.keyPem };
const metrics = gw.gateway.metrics;
const main = gw.port('main');

async function count(counter: Counter, labels: Record<string, string>): Promise<number> {
  const m = await counter.get();
  const v = m.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

/** Polls a counter until it reaches `want`, for at most 5 s; returns the last value. */
async function countReaches(counter: Counter, labels: Record<string, string>, want: number): Promise<number> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = await count(counter, labels);
    if (v >= want || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TLS connection with the valid client certificate, resolved once the handshake is done. */
function connectTls(port: number, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ...client, ...extra }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection; rejects after `boundMs`. */
function readUntilClose(s: net.Socket, boundMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`server did not close the connection within ${boundMs} ms`));
    }, boundMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

function statusAndJson(raw: string): { status: number; json: Record<string, unknown> | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const body = raw.slice(raw.indexOf('\r\n\r\n') + 4);
  try {
    return { status, json: JSON.parse(body) as Record<string, unknown> };
  } catch {
    return { status, json: undefined };
  }
}

const limit = (name: string): Record<string, string> => ({ listener: 'main', limit: name });

t.test('handshakeTimeout: a TCP connection that never sends a ClientHello is closed', async (t) => {
  const s = net.connect(main, '127.0.0.1');
  const raw = await readUntilClose(s);
  t.equal(raw, '', 'closed without a byte');
  t.equal(await countReaches(metrics.limitsReached, limit('handshake_timeout'), 1), 1, 'limitsReached{limit=handshake_timeout}');
  t.equal(await count(metrics.handshakeFailures, { listener: 'main', reason: 'ERR_TLS_HANDSHAKE_TIMEOUT' }), 1, 'handshakeFailures{reason=ERR_TLS_HANDSHAKE_TIMEOUT}');
});

t.test('headerTimeout: a request head that never completes gets 408', async (t) => {
  const s = await connectTls(main);
  s.write('GET /slow-head HTTP/1.1\r\nHost: localhost\r\nX-Partial: ');
  const { status, json } = statusAndJson(await readUntilClose(s));
  t.equal(status, 408);
  t.equal(json?.code, 'REQUEST_TIMEOUT');
  t.equal(await count(metrics.limitsReached, limit('header_timeout')), 1, 'limitsReached{limit=header_timeout}');
});

t.test('bodyIdleTimeout: a body that stops arriving gets 408; a slow but steady body passes', async (t) => {
  const s = await connectTls(main);
  s.write('POST /idle-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789');
  const { status, json } = statusAndJson(await readUntilClose(s));
  t.equal(status, 408);
  t.equal(json?.code, 'REQUEST_TIMEOUT');
  t.equal(await count(metrics.limitsReached, limit('body_idle_timeout')), 1, 'limitsReached{limit=body_idle_timeout}');

  // 6 chunks 100 ms apart: 600 ms in all, longer than bodyIdleTimeout, never idle that long.
  const steady = await connectTls(main);
  const answer = readUntilClose(steady);
  steady.write('POST /steady-body HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\nConnection: close\r\n\r\n');
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 100));
    steady.write('x');
  }
  t.equal(statusAndJson(await answer).status, 200, 'a steady body is not cut');
  t.equal(await count(metrics.limitsReached, limit('body_idle_timeout')), 1, 'counted once only');
});

t.test('requestTimeout: a request whose body never ends gets 408 at the total deadline', async (t) => {
  const s = await connectTls(main);
  const answer = readUntilClose(s);
  s.write('POST /endless HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n');
  // A byte every 100 ms keeps the body from going idle; only the total deadline (1 s) can end it.
  const trickle = setInterval(() => s.writable && s.write('x'), 100);
  const { status, json } = statusAndJson(await answer);
  clearInterval(trickle);
  t.equal(status, 408);
  t.equal(json?.code, 'REQUEST_TIMEOUT');
  t.equal(await count(metrics.limitsReached, limit('request_timeout')), 1, 'limitsReached{limit=request_timeout}');
});

t.test('keepAliveTimeout: an idle keep-alive connection is closed after its response', async (t) => {
  const before = await count(metrics.limitsReached, limit('keep_alive_timeout'));
  const s = await connectTls(main);
  const raw = readUntilClose(s);
  s.write('GET /once HTTP/1.1\r\nHost: localhost\r\n\r\n');
  t.equal(statusAndJson(await raw).status, 200, 'answered, then closed by the server');
  t.equal(await countReaches(metrics.limitsReached, limit('keep_alive_timeout'), before + 1), before + 1, 'limitsReached{limit=keep_alive_timeout}');
});

t.test('maxHeaderCount: one field past the limit gets 431 and nothing reaches the upstream', async (t) => {
  const fields = (n: number): string => Array.from({ length: n }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
  // Host + 9 fields = 10: at the limit, allowed.
  const ok = await connectTls(main);
  const okAnswer = readUntilClose(ok);
  ok.write(`GET /ten HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${fields(8)}\r\n`);
  t.equal(statusAndJson(await okAnswer).status, 200, '10 fields pass');

  const headsBefore = upstreamHeads;
  // Host + 9 fields, then a Content-Length framing a body: the 11th field, one past the limit.
  const s = await connectTls(main);
  const answer = readUntilClose(s);
  s.write(`POST /eleven HTTP/1.1\r\nHost: localhost\r\n${fields(9)}Content-Length: 5\r\n\r\nhello`);
  const { status, json } = statusAndJson(await answer);
  t.equal(status, 431);
  t.equal(json?.code, 'HEADERS_TOO_LARGE');
  t.equal(upstreamHeads, headsBefore, 'the upstream received nothing');
  t.equal(await count(metrics.limitsReached, limit('header_count')), 1, 'limitsReached{limit=header_count}');
});

t.test('maxHeaderSize: a head over the limit gets 431 with a JSON body', async (t) => {
  const headsBefore = upstreamHeads;
  const s = await connectTls(main);
  const answer = readUntilClose(s);
  s.write(`GET /big HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`);
  const { status, json } = statusAndJson(await answer);
  t.equal(status, 431);
  t.equal(json?.code, 'HEADERS_TOO_LARGE');
  t.equal(upstreamHeads, headsBefore, 'the upstream received nothing');
  t.equal(await count(metrics.limitsReached, limit('header_size')), 1, 'limitsReached{limit=header_size}');
});

t.test('malformed framing: invalid Transfer-Encoding and bad chunk syntax get a JSON 400', async (t) => {
  const headsBefore = upstreamHeads;
  const s = await connectTls(main);
  const answer = readUntilClose(s);
  s.write('POST /te HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\nabc');
  const te = statusAndJson(await answer);
  t.equal(te.status, 400);
  t.equal(te.json?.code, 'BAD_REQUEST');
  t.equal(upstreamHeads, headsBefore, 'an invalid Transfer-Encoding never reaches the upstream');

  const c = await connectTls(main);
  const chunkAnswer = readUntilClose(c);
  c.write('POST /chunk HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
  const chunk = statusAndJson(await chunkAnswer);
  t.equal(chunk.status, 400, 'bad chunk size');
  t.equal(chunk.json?.code, 'BAD_REQUEST');
  t.equal(await count(metrics.malformedRequests, { listener: 'main', reason: 'HPE_INVALID_CHUNK_SIZE' }), 1, 'malformedRequests{reason=HPE_INVALID_CHUNK_SIZE}');

  const d = await connectTls(main);
  const dupAnswer = readUntilClose(d);
  d.write('POST /dup HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd');
  const dup = statusAndJson(await dupAnswer);
  t.equal(dup.status, 400, 'conflicting Content-Length');
  t.equal(dup.json?.code, 'BAD_REQUEST');
  t.equal(upstreamHeads, headsBefore, 'none of them reached the upstream: a body is buffered before the head is sent');
});

t.test('maxConnections: past the cap new connections are closed at once', async (t) => {
  const capped = gw.port('capped');
  const held = await Promise.all(Array.from({ length: 5 }, () => connectTls(capped)));
  const refused = net.connect(capped, '127.0.0.1');
  t.equal(await readUntilClose(refused), '', 'the 6th connection is closed without a byte');
  t.equal(await countReaches(metrics.limitsReached, { listener: 'capped', limit: 'connections' }, 1), 1, 'limitsReached{limit=connections}');
  t.equal(await count(metrics.handshakeFailures, { listener: 'capped', reason: 'connection_limit' }), 1);
  const closed = held.map((s) => new Promise((r) => s.once('close', r)));
  for (const s of held) s.destroy();
  await Promise.all(closed);
  // The server sees the closes a moment later; a new client gets through once it has.
  let status = 0;
  const end = Date.now() + 5000;
  while (status !== 200 && Date.now() < end) {
    status = await mtlsRequest({ port: capped, ca, ...client, path: '/after' }).then(
      (r) => r.status,
      () => 0,
    );
  }
  t.equal(status, 200, 'a client gets through once connections are freed');
});

t.test('renegotiation: the first client-initiated TLS 1.2 renegotiation fails the connection', async (t) => {
  const s = await connectTls(main, { maxVersion: 'TLSv1.2' });
  t.equal(s.getProtocol(), 'TLSv1.2');
  const outcome = await new Promise<string>((resolve) => {
    s.on('error', () => undefined);
    s.once('close', () => resolve('closed'));
    const started = s.renegotiate({}, (err) => resolve(err ? 'refused' : 'renegotiated'));
    if (!started) resolve('refused');
  });
  t.not(outcome, 'renegotiated', `renegotiation ${outcome}`);
  t.equal(await countReaches(metrics.handshakeFailures, { listener: 'main', reason: 'renegotiation' }, 1), 1, 'handshakeFailures{reason=renegotiation}');
});

t.test('TLS 1.2 ciphers: CBC and CCM8 suites are refused, ECDHE with AEAD is accepted', async (t) => {
  for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-CCM8']) {
    await t.rejects(connectTls(main, { maxVersion: 'TLSv1.2', ciphers: cipher }), `${cipher} refused`);
  }
  for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
    const s = await connectTls(main, { maxVersion: 'TLSv1.2', ciphers: cipher });
    t.equal(s.getCipher().standardName.includes('ECDHE_ECDSA'), true, `${cipher} accepted`);
    s.destroy();
  }
  const s13 = await connectTls(main, { minVersion: 'TLSv1.3' });
  t.equal(s13.getProtocol(), 'TLSv1.3', 'TLS 1.3 keeps its default suites');
  s13.destroy();
});

t.test('log flood: 200 failed handshakes are all counted, logged only a few times', async (t) => {
  const reason = 'ERR_SSL_HTTP_REQUEST';
  const before = await count(metrics.handshakeFailures, { listener: 'main', reason });
  const linesBefore = gw.logs.lines.filter((l) => l.event === 'tls_handshake_failed' && l.reason === reason).length;
  for (let batch = 0; batch < 10; batch++) {
    await Promise.all(
      Array.from({ length: 20 }, () => {
        const s = net.connect(main, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        return readUntilClose(s);
      }),
    );
  }
  t.equal(await countReaches(metrics.handshakeFailures, { listener: 'main', reason }, before + 200), before + 200, 'every failure counted');
  const lines = gw.logs.lines.filter((l) => l.event === 'tls_handshake_failed' && l.reason === reason);
  const written = lines.length - linesBefore;
  t.ok(written >= 1 && written <= 20, `${written} log lines for 200 failures`);
  const suppressed = await count(metrics.logSuppressed, { event: 'tls_handshake_failed' });
  const reported = lines.reduce((n, l) => n + (typeof l.suppressed === 'number' ? l.suppressed : 0), 0);
  t.ok(suppressed >= 200 - written, `logSuppressed counts the ${suppressed} lines not written`);
  t.ok(reported <= suppressed, 'suppressed counts on log lines never exceed the metric');
});

t.test('a valid client still gets 200', async (t) => {
  const res = await mtlsRequest({ port: main, ca, ...client, path: '/still-ok' });
  t.equal(res.status, 200);
});
