// PROXY protocol behind real L4 load balancers: HAProxy (send-proxy, send-proxy-v2) and nginx
// stream (proxy_protocol on) pass TLS through to the gateway, and the client, bound to 127.0.0.2,
// is what the upstream and the access log see. A header from a peer outside `from`, a missing
// header on a listener that requires one, a malformed and a slow header all close the connection
// and are counted in certgate_proxy_protocol_rejections_total.
import t, { type Test } from 'tap';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Counter } from 'prom-client';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';
import { startHaproxy, startNginxStream } from '../helpers/l4-proxies.js';
import { waitUntil } from '../helpers/wait-for.js';

const CLIENT = '127.0.0.2';
const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();

const listener = (name: string, proxyProtocol: string): string => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    proxyProtocol: ${proxyProtocol}`;

const listeners = [
  listener('v1', '{ accept: v1, from: [127.0.0.1/32], required: true }'),
  listener('slow', '{ accept: v1, from: [127.0.0.1], required: true, timeout: 200ms }'),
  listener('v2', '{ accept: v2, from: [127.0.0.1], required: true }'),
  listener('any', '{ accept: any, from: [127.0.0.1/32] }'),
  // HAProxy connects from 127.0.0.1, outside this `from`.
  listener('untrusted', '{ accept: any, from: [10.0.0.0/8] }'),
].join('');
const gw = await startTestGateway(
  dir,
  `
listeners:${listeners}
upstreams:
  echo: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: echo }
`,
);
const haproxy = await startHaproxy(dir, [
  { name: 'v1', backendPort: gw.port('v1'), send: 'send-proxy' },
  { name: 'v2', backendPort: gw.port('v2'), send: 'send-proxy-v2' },
  { name: 'untrusted', backendPort: gw.port('untrusted'), send: 'send-proxy-v2' },
]);
const nginx = await startNginxStream(dir, [{ name: 'any', backendPort: gw.port('any') }]);
t.comment(`${haproxy.version}; ${nginx.version}`);
t.teardown(async () => {
  await haproxy.stop();
  await nginx.stop();
  await gw.close();
  await upstream.close();
});

const rejections = gw.gateway.metrics.proxyProtocolRejections as Counter;
async function rejected(listenerName: string, reason: string): Promise<number> {
  const m = await rejections.get();
  return m.values.find((v) => v.labels.listener === listenerName && v.labels.reason === reason)?.value ?? 0;
}

/** One mTLS GET from 127.0.0.2 to `port`; resolves with the status or rejects when the connection is closed. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: 'localhost',
        localAddress: CLIENT,
        ca: pki.rootCa.certPem,
        cert: pki.client.certPem,
        key: pki.client.keyPem,
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function receivedFor(path: string) {
  return upstream.received.find((r) => r.url === path);
}

function accessLineFor(path: string) {
  return gw.logs.lines.find((l) => l.event === 'access' && l.url === path);
}

async function assertClientSeen(t: Test, path: string): Promise<void> {
  const r = receivedFor(path);
  t.equal(r?.headers['x-forwarded-for'], CLIENT, 'X-Forwarded-For is the client behind the load balancer');
  t.equal(r?.headers['x-real-ip'], CLIENT, 'X-Real-IP is the client behind the load balancer');
  await waitUntil(() => accessLineFor(path) !== undefined, { what: `access line for ${path}` });
  t.equal(accessLineFor(path)!.remote, CLIENT, "access log's remote is the client");
}

t.test('HAProxy send-proxy (v1): the upstream and the access log see 127.0.0.2', async (t) => {
  t.equal(await get(haproxy.ports.get('v1')!, '/haproxy-v1'), 200);
  await assertClientSeen(t, '/haproxy-v1');
});

t.test('HAProxy send-proxy-v2: the upstream and the access log see 127.0.0.2', async (t) => {
  t.equal(await get(haproxy.ports.get('v2')!, '/haproxy-v2'), 200);
  await assertClientSeen(t, '/haproxy-v2');
});

t.test('nginx stream proxy_protocol on: the upstream and the access log see 127.0.0.2', async (t) => {
  t.equal(await get(nginx.ports.get('any')!, '/nginx'), 200);
  await assertClientSeen(t, '/nginx');
});

t.test('a header from a load balancer outside `from` closes the connection', async (t) => {
  await t.rejects(get(haproxy.ports.get('untrusted')!, '/untrusted'), 'HAProxy at 127.0.0.1 is not in from: [10.0.0.0/8]');
  t.equal(receivedFor('/untrusted'), undefined, 'nothing reached the upstream');
  await waitUntil(() => gw.logs.lines.some((l) => l.event === 'proxy_protocol_rejected' && l.reason === 'untrusted_source'), { what: 'rejection log line' });
  t.equal(await rejected('untrusted', 'untrusted_source'), 1);
});

t.test('no header on a listener that does not require one: the socket address stands', async (t) => {
  t.equal(await get(gw.port('untrusted'), '/direct-optional'), 200);
  await assertClientSeen(t, '/direct-optional');
});

t.test('no header on a listener that requires one closes the connection', async (t) => {
  await t.rejects(get(gw.port('v1'), '/direct-required'), 'a client connecting directly');
  t.equal(receivedFor('/direct-required'), undefined, 'nothing reached the upstream');
  t.equal(await rejected('v1', 'missing'), 1);
});

/** A raw TCP connection from 127.0.0.1 (inside `from`), resolved once connected. */
function rawConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
}

function closed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    if (s.destroyed) resolve();
    else s.once('close', () => resolve());
  });
}

t.test('a malformed header from a trusted peer closes the connection', async (t) => {
  const s = await rawConnection(gw.port('v1'));
  s.write('PROXY TCP4 127.0.0.2 127.0.0.1 99999 443\r\n');
  await closed(s);
  t.equal(await rejected('v1', 'malformed'), 1);
});

t.test('a header that does not complete within the timeout closes the connection', async (t) => {
  const s = await rawConnection(gw.port('slow'));
  s.write('PROXY TCP4 127.0.0.2'); // and nothing more: the listener's timeout is 200ms
  await closed(s);
  t.equal(await rejected('slow', 'timeout'), 1);
});

t.test('a v2 LOCAL header (a load-balancer health check) proceeds with the socket address', async (t) => {
  const s = await rawConnection(gw.port('v2'));
  s.write(Buffer.from('0d0a0d0a000d0a515549540a20000000', 'hex'));
  const secure = tls.connect({ socket: s, servername: 'localhost', ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem });
  secure.write('GET /local HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  const chunks: Buffer[] = [];
  secure.on('data', (c: Buffer) => chunks.push(c));
  await closed(secure);
  t.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 200 /, 'answered over TLS after the LOCAL header');
  t.equal(receivedFor('/local')?.headers['x-forwarded-for'], '127.0.0.1', 'the load balancer itself');
});
