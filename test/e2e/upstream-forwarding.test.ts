// Over real sockets: the forward stage. Upstream mTLS and basic auth, upstream failures mapped to
// 502/504, client disconnects aborting the upstream request, Expect: 100-continue from curl.
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import https from 'node:https';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir, writeFiles } from '../helpers/gateway-harness.js';

const run = promisify(execFile);
const pki = await makeTestPki();
const dir = await tempDir();
const files: Record<string, string> = {
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'ca.pem': pki.rootCa.certPem,
  'client.pem': pki.client.certPem,
  'client-key.pem': pki.client.keyPem,
  'upstream-ca.pem': pki.upstreamCa.certPem,
  'gateway-client.pem': pki.gatewayClient.certPem,
  'gateway-client-key.pem': pki.gatewayClient.keyPem,
  'password.txt': 's3cret-Pa55word-never-logged\n',
};
await writeFiles(dir, files);
const PASSWORD = 's3cret-Pa55word-never-logged';

// An https upstream that requires the gateway's own client certificate.
const secure = await startRecordingUpstream(undefined, {
  cert: pki.upstreamServer.certPem,
  key: pki.upstreamServer.keyPem,
  ca: pki.upstreamCa.certPem,
  requestCert: true,
  rejectUnauthorized: true,
});
let peerSubject = '';
secure.server.prependListener('request', (req) => {
  peerSubject = (req.socket as import('node:tls').TLSSocket).getPeerX509Certificate()?.subject ?? '';
});
// An upstream that holds every request until the client goes away.
const held: Array<{ closed: boolean }> = [];
const hanging = await startRecordingUpstream();
hanging.server.removeAllListeners('request');
hanging.server.on('request', (req, res) => {
  const entry = { closed: false };
  held.push(entry);
  res.on('close', () => (entry.closed = true));
});
const plain = await startRecordingUpstream();
const refused = net.createServer();
await new Promise<void>((r) => refused.listen(0, '127.0.0.1', r));
const refusedPort = (refused.address() as net.AddressInfo).port;
await new Promise<void>((r) => refused.close(() => r()));

const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  secure:
    url: https://localhost:${secure.port}
    tls: { ca: upstream-ca.pem, cert: gateway-client.pem, key: gateway-client-key.pem }
    auth:
      basic: { username: gateway, passwordFile: password.txt }
  wrongca:
    url: https://localhost:${secure.port}
    tls: { ca: ca.pem, cert: gateway-client.pem, key: gateway-client-key.pem }
  nocert:
    url: https://localhost:${secure.port}
    tls: { ca: upstream-ca.pem }
  slow:
    url: ${hanging.url}
    timeouts: { response: 300ms }
  hang:
    url: ${hanging.url}
    timeouts: { response: 30s }
  down:
    url: http://127.0.0.1:${refusedPort}
  plain:
    url: ${plain.url}
routes:
  - { name: secure, match: { pathPrefix: /secure/ }, upstream: secure }
  - { name: wrongca, match: { pathPrefix: /wrongca/ }, upstream: wrongca }
  - { name: nocert, match: { pathPrefix: /nocert/ }, upstream: nocert }
  - { name: slow, match: { pathPrefix: /slow/ }, upstream: slow }
  - { name: hang, match: { pathPrefix: /hang/ }, upstream: hang }
  - { name: down, match: { pathPrefix: /down/ }, upstream: down }
  - { name: plain, match: { pathPrefix: / }, upstream: plain }
`,
);
t.teardown(async () => {
  await gw.close();
  await Promise.all([secure.close(), hanging.close(), plain.close()]);
});

const client = { ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };

t.test("https upstream requiring the gateway's client certificate: forwarded, with basic auth", async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ...client, path: '/secure/token', headers: { Authorization: 'Basic Y2xpZW50OmZvcmdlZA==' } });
  t.equal(res.status, 200);
  t.match(peerSubject, /CN=certgate gateway/, "the upstream saw the gateway's certificate");
  const got = secure.received[secure.received.length - 1]!;
  t.equal(got.headers.authorization, `Basic ${Buffer.from(`gateway:${PASSWORD}`).toString('base64')}`, "the gateway's credentials replace the client's");
  t.equal(got.headers['x-client-verify'], 'SUCCESS');
});

t.test('the basic-auth password is in no log line', async (t) => {
  t.ok(gw.logs.raw.length > 0, 'there are log lines');
  const b64 = Buffer.from(`gateway:${PASSWORD}`).toString('base64');
  t.notOk(gw.logs.raw.some((l) => l.includes(PASSWORD) || l.includes(b64)));
});

t.test('wrong upstream CA: 502 UPSTREAM_UNAVAILABLE', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ...client, path: '/wrongca/x' });
  t.equal(res.status, 502);
  t.equal(res.json().code, 'UPSTREAM_UNAVAILABLE');
});

t.test('upstream requiring a certificate the gateway lacks: 502', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ...client, path: '/nocert/x' });
  t.equal(res.status, 502);
  t.equal(res.json().code, 'UPSTREAM_UNAVAILABLE');
});

t.test('upstream refusing connections: 502 UPSTREAM_UNAVAILABLE, and others keep being served', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ...client, path: '/down/x' });
  t.equal(res.status, 502);
  t.equal(res.json().code, 'UPSTREAM_UNAVAILABLE');
  const ok = await mtlsRequest({ port: gw.port(), ...client, path: '/fine' });
  t.equal(ok.status, 200);
});

t.test('upstream slower than the response timeout: 504 UPSTREAM_TIMEOUT', async (t) => {
  // The upstream never answers: only the response timeout (300 ms) can produce this answer.
  const res = await mtlsRequest({ port: gw.port(), ...client, path: '/slow/x' });
  t.equal(res.status, 504);
  t.equal(res.json().code, 'UPSTREAM_TIMEOUT');
});

t.test('a client that disconnects aborts the upstream request', async (t) => {
  const before = held.length;
  const req = https.request({ host: '127.0.0.1', port: gw.port(), path: '/hang/x', servername: 'localhost', ...client, agent: false });
  req.on('error', () => undefined);
  req.end();
  const deadline = Date.now() + 5000;
  while (held.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.equal(held.length, before + 1, 'the request reached the upstream');
  req.destroy();
  while (!held[before]!.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.ok(held[before]!.closed, 'the upstream request was aborted');
});

t.test('curl -d @file with Expect: 100-continue uploads through the gateway', async (t) => {
  const body = Buffer.alloc(3 * 1024 * 1024, 'a');
  const file = path.join(dir, 'upload.bin');
  await writeFile(file, body);
  const { stdout } = await run('curl', [
    '-sS',
    '--cacert',
    path.join(dir, 'ca.pem'),
    '--cert',
    path.join(dir, 'client.pem'),
    '--key',
    path.join(dir, 'client-key.pem'),
    '-H',
    'Expect: 100-continue',
    '--data-binary',
    `@${file}`,
    '-w',
    '\\n%{http_code}',
    `https://localhost:${gw.port()}/upload`,
  ]);
  const [json, code] = stdout.trim().split('\n');
  t.equal(code, '200');
  t.equal((JSON.parse(json!) as { bodyBytes: number }).bodyBytes, body.length, 'every byte arrived');
  const got = plain.received[plain.received.length - 1]!;
  t.equal(got.headers.expect, undefined, 'Expect is not passed on');
});
