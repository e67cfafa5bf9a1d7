// Over real sockets: `routes[].discovery` (RFC 8705 section 5). A real loopback upstream serves
// metadata documents in every shape (plain, gzip, br, deflate, chunked, oversized, invalid, a
// gzip bomb); the client reads the raw bytes certgate relays. The expected documents are written
// out literally.
import t, { type Test } from 'tap';
import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startTestGateway } from '../helpers/gateway-harness.js';

interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: Buffer;
  /** sent in pieces without Content-Length (chunked) */
  readonly chunked?: boolean;
}

const json = (doc: unknown): Buffer => Buffer.from(JSON.stringify(doc));

const DOC = {
  issuer: 'https://idp.example.com',
  authorization_endpoint: 'https://idp.example.com/auth',
  token_endpoint: 'https://idp.example.com/token',
  userinfo_endpoint: 'https://idp.example.com:8443/me',
  revocation_endpoint: 'https://idp.example.com/token/revocation',
  jwks_uri: 'https://idp.example.com/jwks',
  mtls_endpoint_aliases: { token_endpoint: 'https://stale.example.com/token', end_session_endpoint: 'https://stale.example.com/logout' },
};
const DOC_TEXT = JSON.stringify(DOC);

const answers = new Map<string, Answer>();
const received = new Map<string, http.IncomingHttpHeaders>();
const upstream = http.createServer((req, res) => {
  received.set(req.url!, req.headers);
  const a = answers.get(req.url!) ?? { status: 404, headers: { 'content-type': 'text/plain' }, body: Buffer.from('no such answer') };
  if (a.chunked) {
    res.writeHead(a.status ?? 200, a.headers);
    const half = Math.floor(a.body.length / 2);
    res.write(a.body.subarray(0, half));
    res.end(a.body.subarray(half));
    return;
  }
  res.writeHead(a.status ?? 200, { ...a.headers, 'content-length': String(a.body.length) });
  res.end(req.method === 'HEAD' ? undefined : a.body);
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamPort = (upstream.address() as { port: number }).port;

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
upstreams:
  idp:
    url: http://127.0.0.1:${upstreamPort}
routes:
  - name: discovery
    match: { pathPrefix: /.well-known/ }
    upstream: idp
    clientCert: optional
    discovery: { mtlsAliasHost: mtls.idp.example.com, boundTokens: true }
  - name: tenant
    match: { pathPrefix: /tenant/ }
    upstream: idp
    clientCert: optional
    discovery: { mtlsAliasHost: "mtls.idp.example.com:9443" }
  - name: plain
    match: { pathPrefix: / }
    upstream: idp
    clientCert: optional
`,
);
t.teardown(async () => {
  await gw.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** GET (or `method`) through the gateway; the body as the bytes on the wire (no decoding). */
function fetchRaw(path: string, method = 'GET', headers: Record<string, string> = { 'accept-encoding': 'gzip, br' }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: gw.port(), path, method, ca: pki.rootCa.certPem, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const REWRITTEN =
  '{"issuer":"https://idp.example.com","authorization_endpoint":"https://idp.example.com/auth","token_endpoint":"https://idp.example.com/token",' +
  '"userinfo_endpoint":"https://idp.example.com:8443/me","revocation_endpoint":"https://idp.example.com/token/revocation","jwks_uri":"https://idp.example.com/jwks",' +
  '"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.idp.example.com/token","revocation_endpoint":"https://mtls.idp.example.com/token/revocation",' +
  '"userinfo_endpoint":"https://mtls.idp.example.com:8443/me"},"tls_client_certificate_bound_access_tokens":true}';

function assertRewritten(t: Test, r: RawResponse, expected: string): void {
  t.equal(r.status, 200);
  t.equal(r.body.toString('utf8'), expected, 'the rewritten document');
  t.equal(r.headers['content-length'], String(Buffer.byteLength(expected)), 'Content-Length is the rewritten length');
  t.equal(r.headers['etag'], undefined, 'the stale ETag is gone');
  t.equal(r.headers['content-encoding'], undefined, 'sent uncompressed');
  t.equal(r.headers['content-md5'], undefined);
  t.equal(r.headers['digest'], undefined);
}

t.test('aliases replace the stale ones, for exactly the endpoints present; boundTokens; other headers kept', async (t) => {
  answers.set('/.well-known/openid-configuration', {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      etag: '"v1"',
      'content-md5': 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      digest: 'sha-256=abc',
      'cache-control': 'max-age=300',
      'x-idp': 'one',
    },
    body: Buffer.from(DOC_TEXT),
  });
  const r = await fetchRaw('/.well-known/openid-configuration');
  assertRewritten(t, r, REWRITTEN);
  t.equal(r.headers['cache-control'], 'max-age=300');
  t.equal(r.headers['x-idp'], 'one');
  t.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  t.equal(received.get('/.well-known/openid-configuration')?.['accept-encoding'], 'identity', 'the upstream was asked for identity, not the client gzip, br');
});

t.test('RFC 8414 path-suffixed form, query ignored; Range is not forwarded', async (t) => {
  answers.set('/.well-known/oauth-authorization-server/tenant1?x=1', { headers: { 'content-type': 'application/json' }, body: Buffer.from(DOC_TEXT) });
  const r = await fetchRaw('/.well-known/oauth-authorization-server/tenant1?x=1', 'GET', { range: 'bytes=0-10' });
  assertRewritten(t, r, REWRITTEN);
  t.equal(received.get('/.well-known/oauth-authorization-server/tenant1?x=1')?.range, undefined);
});

t.test('alias host with a port replaces the port; http kept; boundTokens off adds nothing; an endpoint that is no URL is skipped', async (t) => {
  const doc = {
    token_endpoint: 'https://idp.example.com:8443/token',
    introspection_endpoint: 'http://idp.example.com/introspect',
    device_authorization_endpoint: 'https://idp.example.com/device',
    pushed_authorization_request_endpoint: 'https://idp.example.com/par',
    registration_endpoint: 'not a url',
    tls_client_certificate_bound_access_tokens: false,
  };
  answers.set('/tenant/.well-known/openid-configuration', { headers: { 'content-type': 'Application/JSON' }, body: json(doc) });
  const r = await fetchRaw('/tenant/.well-known/openid-configuration');
  assertRewritten(
    t,
    r,
    '{"token_endpoint":"https://idp.example.com:8443/token","introspection_endpoint":"http://idp.example.com/introspect","device_authorization_endpoint":"https://idp.example.com/device",' +
      '"pushed_authorization_request_endpoint":"https://idp.example.com/par","registration_endpoint":"not a url","tls_client_certificate_bound_access_tokens":false,' +
      '"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.idp.example.com:9443/token","introspection_endpoint":"http://mtls.idp.example.com:9443/introspect",' +
      '"device_authorization_endpoint":"https://mtls.idp.example.com:9443/device","pushed_authorization_request_endpoint":"https://mtls.idp.example.com:9443/par"}}',
  );
});

t.test('gzip, br and deflate answers are decoded and sent rewritten, uncompressed', async (t) => {
  const codings: Array<[string, Buffer]> = [
    ['gzip', zlib.gzipSync(DOC_TEXT)],
    ['br', zlib.brotliCompressSync(DOC_TEXT)],
    ['deflate', zlib.deflateSync(DOC_TEXT)],
  ];
  for (const [coding, body] of codings) {
    const path = `/.well-known/oauth-authorization-server/${coding}`;
    answers.set(path, { headers: { 'content-type': 'application/json', 'content-encoding': coding, etag: 'W/"z"', vary: 'Accept-Encoding' }, body });
    const r = await fetchRaw(path);
    assertRewritten(t, r, REWRITTEN);
    t.equal(r.headers['vary'], 'Accept-Encoding', `${coding}: Vary kept`);
  }
});

t.test('a chunked answer is rewritten with a Content-Length', async (t) => {
  answers.set('/.well-known/oauth-authorization-server/chunked', { headers: { 'content-type': 'application/json' }, body: Buffer.from(DOC_TEXT), chunked: true });
  const r = await fetchRaw('/.well-known/oauth-authorization-server/chunked');
  assertRewritten(t, r, REWRITTEN);
  t.equal(r.headers['transfer-encoding'], undefined);
});

/** The client gets exactly what the upstream sent: status, body bytes, ETag and coding. */
async function assertUntouched(t: Test, path: string, answer: Answer, method = 'GET'): Promise<RawResponse> {
  answers.set(path, answer);
  const r = await fetchRaw(path, method);
  t.equal(r.status, answer.status ?? 200, `${path}: status`);
  t.ok(r.body.equals(method === 'HEAD' ? Buffer.alloc(0) : answer.body), `${path}: body byte for byte (${r.body.length} bytes)`);
  t.equal(r.headers['etag'], answer.headers?.['etag'], `${path}: ETag kept`);
  t.equal(r.headers['content-encoding'], answer.headers?.['content-encoding'], `${path}: coding kept`);
  if (!answer.chunked && method !== 'HEAD') t.equal(r.headers['content-length'], String(answer.body.length), `${path}: Content-Length kept`);
  return r;
}

t.test('anything but a usable 200 JSON document passes untouched', async (t) => {
  const base = '/.well-known/oauth-authorization-server';
  const etag = { etag: '"orig"' };
  await assertUntouched(t, `${base}/html`, { headers: { 'content-type': 'text/html', ...etag }, body: Buffer.from(DOC_TEXT) });
  await assertUntouched(t, `${base}/jsonish`, { headers: { 'content-type': 'application/jsonx', ...etag }, body: Buffer.from(DOC_TEXT) });
  await assertUntouched(t, `${base}/latin1`, { headers: { 'content-type': 'application/json; charset=iso-8859-1', ...etag }, body: Buffer.from(DOC_TEXT) });
  await assertUntouched(t, `${base}/notfound`, { status: 404, headers: { 'content-type': 'application/json', ...etag }, body: Buffer.from(DOC_TEXT) });
  await assertUntouched(t, `${base}/invalid`, {
    headers: { 'content-type': 'application/json', ...etag },
    body: Buffer.from('{"token_endpoint": "https://idp.example.com/token",'),
  });
  await assertUntouched(t, `${base}/badutf8`, { headers: { 'content-type': 'application/json', ...etag }, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
  const deep = '{"token_endpoint":"https://idp.example.com/token","x":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
  await assertUntouched(t, `${base}/deep`, { headers: { 'content-type': 'application/json', ...etag }, body: Buffer.from(deep) });
  await assertUntouched(t, `${base}/array`, {
    headers: { 'content-type': 'application/json', ...etag },
    body: Buffer.from('[{"token_endpoint":"https://idp.example.com/token"}]'),
  });
  await assertUntouched(t, `${base}/zstd`, { headers: { 'content-type': 'application/json', 'content-encoding': 'zstd', ...etag }, body: Buffer.from('not really zstd') });
  await assertUntouched(t, `${base}/corrupt`, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...etag }, body: Buffer.from('not gzip at all') });
  await assertUntouched(t, `${base}/head`, { headers: { 'content-type': 'application/json', ...etag }, body: Buffer.from(DOC_TEXT) }, 'HEAD');
  // not a discovery path, on a route with discovery
  await assertUntouched(t, '/.well-known/jwks.json', { headers: { 'content-type': 'application/json', ...etag }, body: Buffer.from(DOC_TEXT) });
  const logged = gw.logs.lines.filter((l) => l['event'] === 'discovery_not_rewritten').map((l) => l['reason']);
  for (const reason of ['not-json', 'not-utf8', 'invalid-json', 'too-deep', 'not-object', 'unsupported-encoding', 'corrupt-encoding'])
    t.ok(logged.includes(reason), `warning logged: ${reason}`);
});

t.test('over 1 MiB passes untouched, announced or found while reading', async (t) => {
  const big = Buffer.from(JSON.stringify({ token_endpoint: 'https://idp.example.com/token', pad: 'x'.repeat(1024 * 1024 + 100) }));
  await assertUntouched(t, '/.well-known/oauth-authorization-server/big', { headers: { 'content-type': 'application/json', etag: '"big"' }, body: big });
  await assertUntouched(t, '/.well-known/oauth-authorization-server/bigchunked', { headers: { 'content-type': 'application/json', etag: '"big"' }, body: big, chunked: true });
  t.ok(gw.logs.lines.some((l) => l['event'] === 'discovery_not_rewritten' && l['reason'] === 'too-large' && l['route'] === 'discovery'));
});

t.test('a gzip bomb is relayed as it came, not inflated past 1 MiB', async (t) => {
  // 64 MiB of JSON that gzips to about 64 KiB
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('{"pad":"'), Buffer.alloc(64 * 1024 * 1024, 0x61), Buffer.from('"}')]));
  t.ok(bomb.length < 1024 * 1024, `the bomb itself is small (${bomb.length} bytes)`);
  await assertUntouched(t, '/.well-known/oauth-authorization-server/bomb', {
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', etag: '"b"' },
    body: bomb,
  });
  t.ok(gw.logs.lines.some((l) => l['event'] === 'discovery_not_rewritten' && l['reason'] === 'decoded-too-large'));
});

t.test('a route without discovery passes the document untouched, Accept-Encoding as the client sent it', async (t) => {
  const path = '/other/.well-known/openid-configuration';
  await assertUntouched(t, path, { headers: { 'content-type': 'application/json', etag: '"p"' }, body: Buffer.from(DOC_TEXT) });
  t.equal(received.get(path)?.['accept-encoding'], 'gzip, br');
});
