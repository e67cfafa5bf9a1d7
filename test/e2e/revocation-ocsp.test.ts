// Through the real gateway: OCSP checking of client certificates against a real `openssl ocsp`
// responder (index file, delegated responder certificate) and, for request counting and a slow
// answer, the pkijs test responder. Covers the answers (good, revoked, unknown), the fail modes
// with the responder killed, staleGrace, the once-per-certificate cache, requests held while a
// check is pending, the access log and /metrics.
import t from 'tap';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { makeTestPki } from '../helpers/pki.js';
import { OpensslCa, type IssuedCert } from '../helpers/openssl-ca.js';
import { TestOcspResponder } from '../helpers/ocsp-responder.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir } from '../helpers/gateway-harness.js';
import { probeUntil, waitUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await tempDir();
const ca = new OpensslCa({ name: 'Gateway OCSP CA' });
// `openssl ocsp` without -nmin (nmin: null), so its answers carry no nextUpdate and the gateway
// keeps them for `ocsp.maxAge` (1 s here): staleGrace needs a good answer that lapses within the
// test. It binds port 0 first; the certificates then carry its real URL (AIA).
const signer = ca.issueOcspSigner();
const openssl = await ca.startOcsp({ signer, nmin: null });
const ocspUrl = openssl.url;

const good = ca.issue('good.client', { ocspUrl });
const revoked = ca.issue('revoked.client', { ocspUrl });
ca.revoke(revoked, 'keyCompromise');
// Missing from index.txt: openssl ocsp answers "unknown" for it.
const stranger = ca.issue('stranger.client', { ocspUrl });
writeFileSync(
  path.join(ca.dir, 'index.txt'),
  readFileSync(path.join(ca.dir, 'index.txt'), 'utf8')
    .split('\n')
    .filter((l) => !l.includes('CN=stranger.client'))
    .join('\n'),
);
await openssl.awaitStatus(revoked, 'revoked'); // it has re-read index.txt

// pkijs responders, signed by the CA key itself: one counts requests, one answers after 1.5 s.
const caKey = createPrivateKey(readFileSync(ca.keyPath));
const counter = new TestOcspResponder({ issuer: ca.cert, signer: { key: caKey } });
const SLOW_MS = 1500;
const slowRevoked = ca.issue('slow-revoked.client');
const slow = new TestOcspResponder({
  issuer: ca.cert,
  signer: { key: caKey },
  delay: SLOW_MS,
  statuses: new Map([[slowRevoked.x509.serialNumber.toLowerCase().replace(/^0+/, ''), { status: 'revoked', reason: 1 }]]),
});
await Promise.all([counter.start(), slow.start()]);

for (const [name, text] of Object.entries({ 'server.pem': pki.server.certPem, 'server-key.pem': pki.server.keyPem, 'ca.pem': ca.cert.toString() })) {
  await writeFile(path.join(dir, name), text);
}
/** Per URL: how many answers the slow responder had sent when the request reached the upstream. */
const arrivals = new Map<string, number>();
const upstream = await startRecordingUpstream((_req, res, r) => {
  arrivals.set(r.url, slow.answered);
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
});

const listener = (name: string, revocation: string): string => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: ${revocation}`;
const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:${listener('closed', '{ check: leaf, sources: [ocsp], failMode: closed, ocsp: { errorTtl: 200ms, maxAge: 1s } }')}
${listener('open', '{ check: leaf, sources: [ocsp], failMode: open, ocsp: { errorTtl: 200ms, maxAge: 1s } }')}
${listener('grace', '{ check: leaf, sources: [ocsp], failMode: closed, staleGrace: 1h, ocsp: { errorTtl: 200ms, maxAge: 1s } }')}
${listener('counted', `{ check: leaf, sources: [ocsp], ocsp: { responder: "${counter.url}" } }`)}
${listener('slow', `{ check: leaf, sources: [ocsp], ocsp: { responder: "${slow.url}", timeout: 5s } }`)}
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await Promise.all([upstream.close(), counter.stop(), slow.stop()]);
  await ca.close();
});

const get = (listenerName: string, cert: IssuedCert, urlPath: string, agent?: https.Agent) =>
  mtlsRequest({ port: gw.port(listenerName), ca: pki.rootCa.certPem, cert: cert.pem, key: readFileSync(cert.keyPath, 'utf8'), path: urlPath, ...(agent ? { agent } : {}) });
const access = (url: string) => gw.logs.lines.filter((l) => l.event === 'access' && l.url === url);
async function metrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/metrics`);
  return res.text();
}
/** The value of one sample of `name` having all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

t.test('good → forwarded; the access line says ocsp:good', async (t) => {
  const res = await get('closed', good, '/closed/good');
  t.equal(res.status, 200, res.body);
  t.ok(arrivals.has('/closed/good'), 'the upstream got the request');
  const line = access('/closed/good')[0];
  t.match(line, { status: 200, revocation: 'ocsp:good', verify: 'SUCCESS' });
});

t.test('revoked → 401 CLIENT_CERT_REVOKED naming the source and the time', async (t) => {
  const res = await get('closed', revoked, '/closed/revoked');
  t.equal(res.status, 401);
  const body = res.json();
  t.match(body, { error: 'invalid_client', code: 'CLIENT_CERT_REVOKED' });
  t.match(body.error_description, /according to ocsp/, 'says which source');
  t.match(body.error_description, /revoked at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, 'says when');
  t.match(body.error_description, /keyCompromise/);
  t.notOk(arrivals.has('/closed/revoked'), 'never forwarded');
  t.match(access('/closed/revoked')[0], { status: 401, code: 'CLIENT_CERT_REVOKED', revocation: 'ocsp:revoked' });
  t.ok(
    gw.logs.find((l) => l.event === 'client_cert_revoked' && l.thumbprint !== undefined),
    'a security event line',
  );
});

t.test("unknown (not in the responder's index) with failMode closed → 503 REVOCATION_UNAVAILABLE", async (t) => {
  const res = await get('closed', stranger, '/closed/stranger');
  t.equal(res.status, 503);
  t.match(res.json(), { code: 'REVOCATION_UNAVAILABLE', error_description: /unknown/ });
  t.notOk(arrivals.has('/closed/stranger'));
  t.match(access('/closed/stranger')[0], { status: 503, revocation: 'ocsp:unknown' });
});

t.test('a good answer on the staleGrace listener, before the responder dies', async (t) => {
  const res = await get('grace', good, '/grace/before');
  t.equal(res.status, 200, res.body);
  t.match(access('/grace/before')[0], { revocation: 'ocsp:good' });
});

t.test('cache proof: 1,000 requests on 10 keep-alive connections, one OCSP request', async (t) => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 10 });
  const sockets = new Set<unknown>();
  agent.on('free', (s) => sockets.add(s));
  t.teardown(() => agent.destroy());
  const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => get('counted', good, `/counted/${i}`, agent)));
  t.equal(results.filter((r) => r.status === 200).length, 1000, 'all forwarded');
  t.equal(sockets.size, 10, 'over 10 connections');
  t.equal(counter.requests, 1, 'exactly one OCSP request reached the responder');
  t.equal(access('/counted/999')[0]?.revocation, 'ocsp:good');
});

t.test('requests wait for a pending check: nothing reaches the upstream before the responder answers', async (t) => {
  const pending = get('slow', good, '/slow/held');
  await waitUntil(() => slow.requests === 1, { what: 'the slow responder to get the query' });
  t.equal(slow.answered, 0, 'the responder has not answered yet');
  t.notOk(arrivals.has('/slow/held'), 'the upstream has seen nothing yet');
  const res = await pending;
  t.equal(res.status, 200);
  t.equal(arrivals.get('/slow/held'), 1, 'forwarded only after the responder answered');
});

t.test('pipelined requests on one connection are all held, and none is forwarded when the answer is revoked', async (t) => {
  const socket = tls.connect({
    host: '127.0.0.1',
    port: gw.port('slow'),
    servername: 'localhost',
    ca: pki.rootCa.certPem,
    cert: slowRevoked.pem,
    key: readFileSync(slowRevoked.keyPath),
  });
  let data = '';
  socket.on('data', (c: Buffer) => (data += c.toString()));
  const closed = new Promise((r) => socket.on('close', r));
  await new Promise((r) => socket.once('secureConnect', r));
  socket.write('GET /slow/p1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /slow/p2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  await waitUntil(() => slow.requests === 2, { what: 'the slow responder to get the second query' });
  t.equal(slow.answered, 1, 'the responder has not answered this query yet');
  t.equal(data, '', 'no answer while the check is pending');
  await closed;
  const statuses = [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  t.same(statuses, [401, 401], 'both answered 401');
  t.match(data, /CLIENT_CERT_REVOKED/);
  t.notOk(arrivals.has('/slow/p1') || arrivals.has('/slow/p2'), 'the upstream never saw either request');
});

t.test('responder killed: closed → 503, open → 200 with a warning and the fail-open metric, staleGrace → 200', async (t) => {
  await openssl.stop();
  const before = await metrics();
  // The good answers of 'closed' and 'grace' (no nextUpdate, maxAge 1 s) lapse; ask until the
  // gateway's answer changes (the access line tells which verdict a request got).
  const closedTries = await probeUntil(
    (i) => get('closed', good, `/closed/down-${i}`).then((r) => ({ ...r, url: `/closed/down-${i}` })),
    (r) => r.status !== 200,
    { what: "'closed' to see the responder gone", attempts: 200, intervalMs: 25 },
  );
  const closed = closedTries[closedTries.length - 1]!;
  t.equal(closed.status, 503);
  t.match(closed.json(), { code: 'REVOCATION_UNAVAILABLE', error_description: 'revocation status unknown: the revocation sources are unreachable' });
  t.notOk(arrivals.has(closed.url));

  const open = await get('open', good, '/open/down');
  t.equal(open.status, 200, open.body);
  t.ok(upstream.received.find((r) => r.url === '/open/down')?.headers['x-client-verify'] === 'SUCCESS', 'X-Client-Verify stays SUCCESS');
  t.ok(
    gw.logs.find((l) => l.event === 'revocation_fail_open' && l.level === 40),
    'a warning line revocation_fail_open',
  );
  t.match(access('/open/down')[0], { status: 200, revocation: 'ocsp:unknown' });
  const after = await metrics();
  t.equal(
    (sample(after, 'certgate_revocation_fail_open_total', { status: 'unknown' }) ?? 0) - (sample(before, 'certgate_revocation_fail_open_total', { status: 'unknown' }) ?? 0),
    1,
    'certgate_revocation_fail_open_total counted it',
  );

  const graceTries = await probeUntil(
    async (i) => {
      const url = `/grace/down-${i}`;
      const r = await get('grace', good, url);
      await waitUntil(() => access(url).length > 0, { what: `the access line of ${url}` });
      return { ...r, url };
    },
    (r) => access(r.url)[0]?.revocation !== 'ocsp:good',
    { what: "'grace' to see the responder gone", attempts: 200, intervalMs: 25 },
  );
  const grace = graceTries[graceTries.length - 1]!;
  t.equal(grace.status, 200, grace.body);
  t.match(access(grace.url)[0], { revocation: 'stale-grace:good' });
  t.ok(
    gw.logs.find((l) => l.event === 'revocation_stale_grace'),
    'staleGrace use is logged',
  );

  // The staleGrace listener still refuses a certificate it never saw good.
  const never = await get('grace', stranger, '/grace/stranger');
  t.equal(never.status, 503);
});

t.test('/metrics counts checks by source and result, and OCSP latency', async (t) => {
  const text = await metrics();
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'ocsp', result: 'good' }) ?? 0) >= 3, 'ocsp good');
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'ocsp', result: 'revoked' }) ?? 0) >= 2, 'ocsp revoked');
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'ocsp', result: 'unknown' }) ?? 0) >= 3, 'ocsp unknown');
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'stale-grace', result: 'good' }) ?? 0) >= 1, 'stale-grace good');
  t.match(text, /certgate_ocsp_request_duration_seconds_count\{outcome="answer"\} \d+/);
  t.match(text, /certgate_client_cert_rejections_total\{code="CLIENT_CERT_REVOKED"\} \d+/);
});
