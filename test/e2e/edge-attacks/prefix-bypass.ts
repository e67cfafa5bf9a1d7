// Issue 7 finding 3: prefix routes bypassed through path tricks an upstream normalises away
// (Tomcat, Jetty, Spring and Vert.x decode unreserved escapes and drop `;` parameters). Raw
// request lines over real TLS; the recording upstream must receive none of the refused ones, and
// what it does receive carries the canonical path.
import { randomBytes } from 'node:crypto';
import type { Test } from 'tap';
import { verifyForwardedRequest } from 'certgate/verify';
import { makeTestPki } from '../../helpers/pki.js';
import { listenerDir, startRecordingUpstream, startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { jsonCode, rawRequest } from './raw-request.js';

interface Row {
  readonly path: string;
  readonly withCert: boolean;
  readonly status: number;
  readonly code: string;
  /** Machine-readable reason at the start of the 400's description. */
  readonly reason?: string;
}

// Written out literally (never derived from the implementation).
const ROWS: readonly Row[] = [
  // route /allowed/: the test client is trusted but not on the allow list
  { path: '/%61llowed/secret', withCert: true, status: 403, code: 'CLIENT_NOT_ALLOWED' },
  { path: '/%41llowed/secret', withCert: true, status: 404, code: 'NO_ROUTE' }, // `Allowed` is another path
  { path: '/allowed/%73ecret', withCert: true, status: 403, code: 'CLIENT_NOT_ALLOWED' },
  { path: '/allowed;x/secret', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/allowed/secret;x', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/public/..;/allowed/secret', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/public/../allowed/secret', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'dot_segment' },
  { path: '/%2561llowed/secret', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'double_encoding' },
  { path: '/%25%36%31llowed/secret', withCert: true, status: 400, code: 'BAD_REQUEST', reason: 'double_encoding' },
  // route /admin/: clientCert required; no certificate sent
  { path: '/admin;jsessionid=1/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/%61dmin/x', withCert: false, status: 401, code: 'CLIENT_CERT_REQUIRED' },
  { path: '/public/..;/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/public/%2e%2e/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'dot_segment' },
  { path: '/public/%2E%2e/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'dot_segment' },
  { path: '/public/.%2e/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'dot_segment' },
  { path: '/public/%252e%252e/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'double_encoding' },
  { path: '/public/%c0%ae%c0%ae/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'invalid_utf8' },
  { path: '/public%2f..%2fadmin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'encoded_separator' },
  { path: '/public/..%5cadmin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'encoded_separator' },
  { path: '/public\\..\\admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'backslash' },
  { path: '/public//admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'empty_segment' },
  { path: '/.;/admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'parameters' },
  { path: '/public/x%00/../../admin/x', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'control_char' },
  { path: '/public/x%0a', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'control_char' },
  { path: '/public/x%zz', withCert: false, status: 400, code: 'BAD_REQUEST', reason: 'bad_escape' },
];

export async function prefixBypass(t: Test): Promise<void> {
  const pki = await makeTestPki();
  const hmacSecret = randomBytes(32);
  const dir = await listenerDir(pki, { 'hmac.key': hmacSecret.toString('base64') });
  const upstream = await startRecordingUpstream();
  const signed = await startRecordingUpstream();
  let gw: TestGateway | undefined;
  t.teardown(async () => {
    await gw?.close();
    await upstream.close();
    await signed.close();
  });
  gw = await startTestGateway(
    dir,
    `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
upstreams:
  app:
    url: ${upstream.url}
  signed:
    url: ${signed.url}
    signature: { alg: hmac-sha256, keyFile: hmac.key, keyId: gw-hmac }
routes:
  - name: signed
    match: { pathPrefix: /signed/ }
    upstream: signed
    clientCert: optional
  - name: allowed
    match: { pathPrefix: /allowed/ }
    upstream: app
    clientCert: required
    allow: { sanDNS: [someone-else.example.org] }
  - name: admin
    match: { pathPrefix: /admin/ }
    upstream: app
    clientCert: required
  - name: public
    match: { pathPrefix: /public/ }
    upstream: app
    clientCert: optional
`,
  );
  const ca = pki.rootCa.certPem;
  const creds = { cert: pki.client.certPem, key: pki.client.keyPem };

  for (const row of ROWS) {
    const res = await rawRequest({ port: gw.port(), ca, ...(row.withCert ? creds : {}), head: `GET ${row.path} HTTP/1.1\r\nHost: localhost` });
    t.equal(res.status, row.status, `${row.path}: status`);
    t.equal(jsonCode(res).code, row.code, `${row.path}: code`);
    if (row.reason !== undefined) t.match(jsonCode(res).description, new RegExp(`^request path refused: ${row.reason} `), `${row.path}: reason`);
  }
  t.same(
    upstream.received.map((r) => r.url),
    [],
    'the upstream received none of them',
  );

  const counted = new Map((await gw.gateway.metrics.pathRejections.get()).values.map((v) => [v.labels.reason, v.value]));
  t.equal(counted.get('parameters'), 6, 'path rejections counted by reason: parameters');
  t.equal(counted.get('dot_segment'), 4, 'path rejections counted by reason: dot_segment');
  t.equal(counted.get('double_encoding'), 3, 'path rejections counted by reason: double_encoding');

  // What is accepted reaches the upstream, the access log and the route in its canonical form.
  const ok = await rawRequest({ port: gw.port(), ca, head: 'GET /public/%7eu%2Dser/%c3%a9%3b?q=%2e%2E/x HTTP/1.1\r\nHost: localhost' });
  t.equal(ok.status, 200);
  t.same(
    upstream.received.map((r) => r.url),
    ['/public/~u-ser/%C3%A9%3B?q=%2e%2E/x'],
    'upstream request line: canonical path, query as sent',
  );
  const access = await until(() => gw.logs.find((l) => l.event === 'access' && l.status === 200));
  t.equal(access.url, '/public/~u-ser/%C3%A9%3B?q=%2e%2E/x', 'access log url is the canonical target');

  // The signature's @path is the canonical path the upstream received: it verifies there.
  const viaSigned = await rawRequest({ port: gw.port(), ca, head: 'GET /%73igned/%7ex%3a?a=%41 HTTP/1.1\r\nHost: localhost' });
  t.equal(viaSigned.status, 200, 'routed to /signed/ after decoding');
  const r = signed.received.at(-1)!;
  t.equal(r.url, '/signed/~x%3A?a=%41');
  const id = verifyForwardedRequest({ method: r.method, url: r.url, headers: r.headers }, { keys: { 'gw-hmac': hmacSecret }, maxAge: 30 });
  t.equal(id.keyId, 'gw-hmac', 'signature over the canonical @path verifies upstream');
}

/** Resolves with the first truthy value of `probe`, checked on each turn of the event loop (bounded). */
async function until<T>(probe: () => T | undefined, turns = 10_000): Promise<T> {
  for (let i = 0; i < turns; i++) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}
