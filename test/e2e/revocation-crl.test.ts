// Through the real gateway: CRL checking with CRLs made by `openssl ca -gencrl`, from a file and
// from the certificate's HTTP distribution point served by the test. A certificate revoked after
// start is refused after the next refresh without a restart (on new connections, and on a
// keep-alive connection once its verdict expires); a CRL with a bad signature and an expired CRL
// are never trusted; /metrics exposes the CRL age.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeTestPki } from '../helpers/pki.js';
import { OpensslCa, type IssuedCert } from '../helpers/openssl-ca.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir } from '../helpers/gateway-harness.js';
import { probeUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await tempDir();
const ca = new OpensslCa({ name: 'Gateway CRL CA' });
const expiredCa = new OpensslCa({ name: 'Expired CRL CA' });

// The distribution point: serves whatever CRL the test last published, and counts fetches.
let published: Buffer = Buffer.alloc(0);
let dpFetches = 0;
const dp = http.createServer((req, res) => {
  dpFetches++;
  res.writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': published.length }).end(published);
});
await new Promise<void>((r) => dp.listen(0, '127.0.0.1', r));
const crlUrl = `http://127.0.0.1:${(dp.address() as { port: number }).port}/ca.crl`;

const good = ca.issue('good.client', { crlUrl });
const revokedEarly = ca.issue('revoked.client', { crlUrl });
const later = ca.issue('later.client', { crlUrl });
const laterKeepAlive = ca.issue('later-keepalive.client', { crlUrl });
ca.revoke(revokedEarly, 'keyCompromise');
const crlFile = join(dir, 'ca.crl');
/** Publishes a fresh `openssl ca -gencrl` CRL to the file (atomically, by rename) and the distribution point. */
async function publish(): Promise<void> {
  const der = ca.gencrl({ hours: 1 });
  await writeFile(`${crlFile}.tmp`, der);
  await rename(`${crlFile}.tmp`, crlFile);
  published = der;
}
await publish();

// The same CRL with one bit of its signature flipped.
const forged = Buffer.from(published);
forged[forged.length - 1]! ^= 0x01;
await writeFile(join(dir, 'forged.crl'), forged);
// A CRL whose nextUpdate passed long ago (real dates via openssl ca -crl_lastupdate/-crl_nextupdate).
const expiredClient = expiredCa.issue('expired-crl.client');
const expiredPem = join(expiredCa.dir, 'expired.pem');
expiredCa.openssl('ca', '-gencrl', '-config', join(expiredCa.dir, 'ca.cnf'), '-out', expiredPem, '-crl_lastupdate', '20250101000000Z', '-crl_nextupdate', '20250102000000Z');
await writeFile(join(dir, 'expired.crl'), execFileSync('openssl', ['crl', '-in', expiredPem, '-outform', 'DER']));

for (const [name, text] of Object.entries({
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'ca.pem': ca.cert.toString(),
  'expired-ca.pem': expiredCa.cert.toString(),
}))
  await writeFile(path.join(dir, name), text);

const upstream = await startRecordingUpstream();
const listener = (name: string, trusted: string, crl: string): string => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [${trusted}] }
    revocation: { check: leaf, sources: [crl], failMode: closed, crl: ${crl} }`;
const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:${listener('file', 'ca.pem', '{ files: [ca.crl], refresh: 1s }')}
${listener('dp', 'ca.pem', '{ distributionPoints: true, refresh: 1s }')}
${listener('forged', 'ca.pem', '{ files: [forged.crl] }')}
${listener('expired', 'expired-ca.pem', '{ files: [expired.crl] }')}
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
  await new Promise((r) => dp.close(r));
  await Promise.all([ca.close(), expiredCa.close()]);
});

const get = (listenerName: string, cert: IssuedCert, urlPath: string, agent?: https.Agent) =>
  mtlsRequest({ port: gw.port(listenerName), ca: pki.rootCa.certPem, cert: cert.pem, key: readFileSync(cert.keyPath, 'utf8'), path: urlPath, ...(agent ? { agent } : {}) });
const forwarded = (url: string) => upstream.received.some((r) => r.url === url);
const access = (url: string) => gw.logs.lines.find((l) => l.event === 'access' && l.url === url);
async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/metrics`)).text();
}
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

for (const source of ['file', 'dp'] as const) {
  t.test(`${source === 'file' ? 'CRL file' : 'distribution point'}: good → 200, revoked → 401 CLIENT_CERT_REVOKED`, async (t) => {
    const ok = await get(source, good, `/${source}/good`);
    t.equal(ok.status, 200, ok.body);
    t.ok(forwarded(`/${source}/good`));
    t.match(access(`/${source}/good`), { revocation: 'crl:good' });
    const no = await get(source, revokedEarly, `/${source}/revoked`);
    t.equal(no.status, 401);
    t.match(no.json(), { code: 'CLIENT_CERT_REVOKED', error: 'invalid_client' });
    t.match(no.json().error_description, /^certificate revoked at \d{4}-\d\d-\d\dT[^ ]*( \(\w+\))? according to crl$/);
    t.notMatch(no.json().error_description, /\.crl|\/|http/, 'no CRL file or URL in the answer');
    t.notOk(forwarded(`/${source}/revoked`));
    t.match(access(`/${source}/revoked`), { status: 401, revocation: 'crl:revoked' });
  });
}

t.test('the distribution point was fetched over HTTP, not once per connection', async (t) => {
  t.ok(dpFetches >= 1, `fetched ${dpFetches} time(s)`);
  const before = dpFetches;
  for (let i = 0; i < 5; i++) t.equal((await get('dp', good, `/dp/again${i}`)).status, 200);
  t.ok(dpFetches - before <= 1, 'five connections within the refresh interval cause at most one fetch');
});

t.test('revoked after start: refused after the next refresh, without a restart', async (t) => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  agent.on('free', (s) => sockets.add(s));
  t.teardown(() => agent.destroy());
  t.equal((await get('file', later, '/file/later-before')).status, 200);
  t.equal((await get('dp', later, '/dp/later-before')).status, 200);
  t.equal((await get('file', laterKeepAlive, '/file/ka-before', agent)).status, 200);

  ca.revoke(later, 'superseded');
  ca.revoke(laterKeepAlive, 'keyCompromise');
  await publish();

  // New connections: file (refresh tick / fs.watch) and distribution point (re-fetched when due).
  // Wait for the gateway's answer to change; how long that takes is not this test's business.
  for (const source of ['file', 'dp'] as const) {
    const seen = await probeUntil(
      (i) => get(source, later, `/${source}/later-${i}`),
      (r) => r.status !== 200,
      { what: `${source}: the revocation to be seen`, attempts: 200, intervalMs: 50 },
    );
    t.equal(seen[seen.length - 1]!.status, 401, `${source}: refused after the next refresh (${seen.length} requests)`);
  }
  // The keep-alive connection re-checks once its verdict (at most one refresh interval) expires.
  const kaSeen = await probeUntil(
    (i) => get('file', laterKeepAlive, `/file/ka-after-${i}`, agent),
    (r) => r.status !== 200,
    { what: 'the keep-alive connection to be refused', attempts: 200, intervalMs: 50 },
  );
  const ka = kaSeen[kaSeen.length - 1]!;
  const kaUrl = `/file/ka-after-${kaSeen.length - 1}`;
  t.equal(sockets.size, 1, 'the same keep-alive connection');
  t.equal(ka.status, 401);
  t.match(ka.json(), { code: 'CLIENT_CERT_REVOKED', error_description: /keyCompromise/ });
  t.notOk(forwarded(kaUrl));
  t.equal((await get('file', good, '/file/good-after')).status, 200, 'others still pass');
});

t.test('a CRL with a bad signature is never trusted: 503 with failMode closed, for good and revoked alike', async (t) => {
  for (const [cert, url] of [
    [good, '/forged/good'],
    [revokedEarly, '/forged/revoked'],
  ] as const) {
    const res = await get('forged', cert, url);
    t.equal(res.status, 503, url);
    t.match(res.json(), { code: 'REVOCATION_UNAVAILABLE' });
    t.notOk(forwarded(url));
  }
  t.ok(
    gw.logs.find((l) => l.event === 'crl_invalid' && String(l.reason).includes('bad signature')),
    'crl_invalid logged',
  );
});

t.test('an expired CRL is never trusted: 503, a crl_stale warning and the stale gauge', async (t) => {
  const res = await get('expired', expiredClient, '/expired/x');
  t.equal(res.status, 503);
  t.match(res.json(), { code: 'REVOCATION_UNAVAILABLE' });
  t.notOk(forwarded('/expired/x'));
  t.ok(
    gw.logs.find((l) => l.event === 'crl_stale'),
    'crl_stale logged',
  );
  const text = await metrics();
  t.equal(sample(text, 'certgate_crl_stale', { issuer: 'CN=Expired CRL CA' }), 1);
});

t.test('/metrics: CRL age and next update per issuer, checks by source and result', async (t) => {
  const text = await metrics();
  const age = sample(text, 'certgate_crl_age_seconds', { issuer: 'CN=Gateway CRL CA' });
  t.ok(age !== undefined && age >= 0 && age < 120, `fresh CRL age ${age} s`);
  const oldAge = sample(text, 'certgate_crl_age_seconds', { issuer: 'CN=Expired CRL CA' });
  t.ok(oldAge !== undefined && oldAge > 86_400, `expired CRL age ${oldAge} s`);
  const next = sample(text, 'certgate_crl_next_update_timestamp_seconds', { issuer: 'CN=Gateway CRL CA' });
  t.ok(next !== undefined && next > Date.now() / 1000, 'nextUpdate in the future');
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'crl', result: 'good' }) ?? 0) >= 2);
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'crl', result: 'revoked' }) ?? 0) >= 3);
  t.ok((sample(text, 'certgate_revocation_checks_total', { source: 'crl', result: 'unknown' }) ?? 0) >= 2);
});
