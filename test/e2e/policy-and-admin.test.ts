// Route policy (allow rules), the admin listener (health, metrics) and the access log, over real
// sockets.
import t from 'tap';
import http from 'node:http';
import { makeTestPki } from '../helpers/pki.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, listenerDir } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional_no_ca, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - name: token
    match: { pathPrefix: /token, methods: [POST] }
    upstream: app
    allow:
      subjectDN: ["cn=Client.Example.ORG, o=client,  L=Chiyoda-ku ,ST=tokyo,c=jp"]
  - name: reversed
    match: { pathPrefix: /reversed }
    upstream: app
    allow:
      subjectDN: ["C=JP,ST=Tokyo,L=Chiyoda-ku,O=Client,CN=client.example.org"]
  - name: pinned
    match: { pathPrefix: /pinned }
    upstream: app
    allow:
      thumbprints: ["${expectedX5t(pki.clientSelfSigned.der)}"]
  - name: by-san
    match: { pathPrefix: /san }
    upstream: app
    allow: { sanURI: [spiffe://example.org/client] }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;
const client = { cert: pki.client.certPem, key: pki.client.keyPem };
const other = { cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem };
const selfSigned = { cert: pki.clientSelfSigned.certPem, key: pki.clientSelfSigned.keyPem };

function adminGet(p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: gw.gateway.adminAddress!.port, path: p }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', reject);
  });
}

t.test('allow.subjectDN compares as RFC 4514 names, not strings', async (t) => {
  const ok = await mtlsRequest({ port: gw.port(), ca, ...client, path: '/token', method: 'POST', body: 'x' });
  t.equal(ok.status, 200, 'attribute-type case, value case and spacing do not matter');
  const reversed = await mtlsRequest({ port: gw.port(), ca, ...client, path: '/reversed' });
  t.equal(reversed.status, 403, 'RDN order does');
});

t.test('allow.subjectDN: a certificate with another subject gets 403 CLIENT_NOT_ALLOWED', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, cert: pki.clientViaIntermediate.certPem, key: pki.clientViaIntermediate.keyPem, path: '/token', method: 'POST', body: 'x' });
  t.equal(res.status, 403);
  t.match(res.json(), { code: 'CLIENT_NOT_ALLOWED', error: 'invalid_client' });
});

t.test('a self-signed certificate claiming an allowed subject is not allowed by subject', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, ...selfSigned, path: '/token', method: 'POST', body: 'x' });
  t.equal(res.status, 403, 'names only count on a verified certificate');
});

t.test('allow.thumbprints pins a self-signed certificate on an optional_no_ca listener', async (t) => {
  t.equal((await mtlsRequest({ port: gw.port(), ca, ...selfSigned, path: '/pinned' })).status, 200);
  t.equal((await mtlsRequest({ port: gw.port(), ca, ...client, path: '/pinned' })).status, 403);
});

t.test('allow.sanURI', async (t) => {
  t.equal((await mtlsRequest({ port: gw.port(), ca, ...client, path: '/san' })).status, 200);
  t.equal((await mtlsRequest({ port: gw.port(), ca, ...other, path: '/san' })).status, 403);
});

t.test('ambiguous paths are refused before routing', async (t) => {
  for (const p of ['/pinned/../token', '/pinned/%2e%2e/token', '/pinned%2Ftoken', '//token', '/pinned/..;/token', '/.;/', '/%252e%252e/pinned/token', '/pinned;x/token']) {
    const res = await mtlsRequest({ port: gw.port(), ca, ...selfSigned, path: p });
    t.equal(res.status, 400, p);
    t.equal(res.json().code, 'BAD_REQUEST');
  }
});

t.test('the access log has one line per request with route, status, identity and timing', async (t) => {
  await mtlsRequest({ port: gw.port(), ca, ...client, path: '/san/logged' });
  const line = gw.logs.find((l) => l.event === 'access' && l.url === '/san/logged');
  t.ok(line);
  t.match(line, {
    route: 'by-san',
    status: 200,
    upstreamStatus: 200,
    verify: 'SUCCESS',
    subject: 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP',
    thumbprint: expectedX5t(pki.client.der),
  });
  t.type(line?.durationMs, 'number');
  t.type(line?.requestId, 'string');
});

t.test('admin: healthz, readyz and Prometheus metrics', async (t) => {
  t.equal((await adminGet('/healthz')).status, 200);
  t.equal((await adminGet('/readyz')).status, 200);
  const metrics = await adminGet('/metrics');
  t.equal(metrics.status, 200);
  t.match(metrics.body, /certgate_requests_total\{route="by-san",status="200"\} \d+/);
  t.match(metrics.body, /certgate_client_cert_rejections_total\{code="CLIENT_NOT_ALLOWED"\} \d+/);
  t.match(metrics.body, /certgate_request_duration_seconds_bucket/);
  t.match(metrics.body, /certgate_certificate_expiry_days\{role="listener:main"/);
  t.equal((await adminGet('/nope')).status, 404);
});
