// The token-binding stage (RFC 8705 section 3, RFC 6750 section 3) through the whole gateway:
// real mTLS clients with certificates made at test time, a real JWKS and real introspection
// endpoints on loopback, JWTs signed with jose. Expected thumbprints, statuses, challenges and
// codes are written out here, never taken from the implementation.
import t, { type Test } from 'tap';
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import https from 'node:https';
import net from 'node:net';
import { makeTestPki } from '../helpers/pki.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway, type ClientResponse } from '../helpers/gateway-harness.js';
import { accessToken, signingKey, startIntrospectionServer, startJwksServer } from '../helpers/token-servers.js';
import { probeUntil, waitUntil } from '../helpers/wait-for.js';

const ISS = 'https://idp.example.com';
const pki = await makeTestPki();
const dir = await listenerDir(pki, {
  'upstream-ca.pem': pki.upstreamCa.certPem,
  'gateway.pem': pki.gatewayClient.certPem,
  'gateway-key.pem': pki.gatewayClient.keyPem,
});
const es = await signingKey('ES256', 'es-1');
const rs = await signingKey('RS256', 'rs-1');
const jwks = await startJwksServer([es.signer, rs.signer], [es.publicKey, rs.publicKey]);
const introspection = await startIntrospectionServer();
const mtlsIntrospection = await startIntrospectionServer({
  cert: pki.upstreamServer.certPem,
  key: pki.upstreamServer.keyPem,
  ca: pki.upstreamCa.certPem,
  requestCert: true,
  rejectUnauthorized: true,
});
const upstream = await startRecordingUpstream();
const closedPort = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

const JWT = `{ issuer: ${ISS}, jwksUri: ${jwks.url}, audiences: [api], algorithms: [ES256, PS256], clockSkew: 30s }`;
const BASIC = '{ basic: { username: gw, password: "s3cret" } }';
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - name: api
    match: { pathPrefix: /api/ }
    upstream: app
    clientCert: optional
    tokenBinding:
      jwt: ${JWT}
      introspection: { url: ${introspection.url}, auth: ${BASIC}, cacheMaxAge: 5m, cacheSize: 100 }
  - name: tls-introspection
    match: { pathPrefix: /tls/ }
    upstream: app
    clientCert: optional
    tokenBinding:
      introspection: { url: ${mtlsIntrospection.url}, auth: { tls: { ca: upstream-ca.pem, cert: gateway.pem, key: gateway-key.pem } } }
  - name: down
    match: { pathPrefix: /down/ }
    upstream: app
    clientCert: optional
    tokenBinding:
      introspection: { url: http://127.0.0.1:${closedPort}/introspect, auth: ${BASIC} }
  - name: optional
    match: { pathPrefix: /optional/ }
    upstream: app
    clientCert: optional
    tokenBinding: { required: false, jwt: ${JWT} }
  - name: strict
    match: { pathPrefix: /strict/ }
    upstream: app
    clientCert: optional
    tokenBinding: { jwt: { issuer: ${ISS}, jwksUri: ${jwks.url}, audiences: [api], algorithms: [ES256], clockSkew: 0s } }
  - name: plain
    match: { pathPrefix: /plain/ }
    upstream: app
    clientCert: optional
`,
);
t.teardown(async () => {
  await gw.close();
  await Promise.all([upstream.close(), jwks.close(), introspection.close(), mtlsIntrospection.close()]);
});

const ca = pki.rootCa.certPem;
const client = { cert: pki.client.certPem, key: pki.client.keyPem };
const other = { cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem };
/** cnf for a token bound to `client`, computed here from the DER. */
const boundToClient = { cnf: { 'x5t#S256': expectedX5t(pki.client.der) } };
const token = (o: { aud?: string; iss?: string; expiresIn?: number; claims?: Record<string, unknown> } = {}, key = es.signer): Promise<string> =>
  accessToken(key, { iss: o.iss ?? ISS, aud: o.aud ?? 'api', ...(o.expiresIn !== undefined ? { expiresIn: o.expiresIn } : {}), claims: o.claims ?? boundToClient });

const get = (path: string, authorization: string | undefined, who: { cert?: string; key?: string } = client, agent?: https.Agent): Promise<ClientResponse> =>
  mtlsRequest({ port: gw.port(), ca, ...who, path, headers: authorization === undefined ? {} : { authorization }, ...(agent ? { agent } : {}) });

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = gw.gateway.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

/** The refusal every invalid-token answer shares, and the upstream untouched. */
function assertRefused(t: Test, res: ClientResponse, code: string, description: string, reachedBefore: number): void {
  t.equal(res.status, 401, `${code}: 401`);
  t.equal(res.headers['www-authenticate'], `Bearer error="invalid_token", error_description="${description}"`);
  t.match(res.json(), { error: 'invalid_token', error_description: description, code });
  t.equal(upstream.received.length, reachedBefore, 'the upstream was not reached');
}

t.test('a JWT bound to the connection certificate is forwarded with its Authorization header unchanged', async (t) => {
  const jwt = await token();
  const before = upstream.received.length;
  const res = await get('/api/orders', `Bearer ${jwt}`);
  t.equal(res.status, 200);
  t.equal(upstream.received.length, before + 1);
  t.equal(upstream.received.at(-1)!.headers.authorization, `Bearer ${jwt}`);
  t.equal((await counter('certgate_token_binding_outcomes_total', { route: 'api', code: 'OK' })) >= 1, true);
});

t.test('the same token over a connection with another trusted certificate: 401 TOKEN_BINDING_MISMATCH', async (t) => {
  const jwt = await token();
  const before = upstream.received.length;
  const res = await get('/api/orders', `Bearer ${jwt}`, other);
  assertRefused(t, res, 'TOKEN_BINDING_MISMATCH', 'the access token is bound to another client certificate', before);
  t.ok((await counter('certgate_token_binding_outcomes_total', { route: 'api', code: 'TOKEN_BINDING_MISMATCH' })) >= 1, 'counted by code');
});

t.test('a bound token over a connection without a certificate: 401 TOKEN_BINDING_MISMATCH', async (t) => {
  const before = upstream.received.length;
  const res = await get('/api/orders', `Bearer ${await token()}`, {});
  assertRefused(t, res, 'TOKEN_BINDING_MISMATCH', 'the access token is certificate-bound but the connection presented no client certificate', before);
});

t.test('expired, other audience, other issuer, algorithm not allowed, unbound: 401 TOKEN_INVALID', async (t) => {
  const cases: [string, Promise<string>, string][] = [
    ['expired beyond the 30 s skew', token({ expiresIn: -120 }), 'the access token has expired'],
    ['another audience', token({ aud: 'billing' }), 'the access token is not meant for this audience'],
    ['another issuer', token({ iss: 'https://evil.example.com' }), 'the access token is from an issuer this route does not accept'],
    ['RS256, not in [ES256, PS256]', token({}, rs.signer), 'the access token is signed with an algorithm this route does not accept'],
    ['no cnf', token({ claims: { scope: 'read' } }), 'the access token is not bound to a client certificate'],
  ];
  for (const [what, jwt, description] of cases) {
    const before = upstream.received.length;
    const res = await get('/api/orders', `Bearer ${await jwt}`);
    t.comment(what);
    assertRefused(t, res, 'TOKEN_INVALID', description, before);
  }
});

t.test('a token expired by less than the clock skew still passes', async (t) => {
  const res = await get('/api/orders', `Bearer ${await token({ expiresIn: -5 })}`);
  t.equal(res.status, 200);
});

t.test('no token on a required route: 401 TOKEN_REQUIRED with a bare Bearer challenge', async (t) => {
  const before = upstream.received.length;
  for (const authorization of [undefined, 'Basic Z3c6cHc=']) {
    const res = await get('/api/orders', authorization);
    t.equal(res.status, 401);
    t.equal(res.headers['www-authenticate'], 'Bearer realm="certgate"');
    t.match(res.json(), { code: 'TOKEN_REQUIRED' });
  }
  t.equal(upstream.received.length, before);
});

t.test('Authorization: DPoP gets 401 saying DPoP is not supported', async (t) => {
  const before = upstream.received.length;
  const res = await get('/api/orders', `DPoP ${await token()}`);
  assertRefused(t, res, 'TOKEN_INVALID', 'DPoP is not supported; present a certificate-bound Bearer access token', before);
});

t.test('a malformed Bearer value or two Authorization fields: 401 TOKEN_INVALID', async (t) => {
  const jwt = await token();
  const before = upstream.received.length;
  const malformed = await get('/api/orders', 'Bearer a b');
  assertRefused(t, malformed, 'TOKEN_INVALID', 'the Authorization header is not one valid Bearer credential', before);
  // A second field would reach the upstream unchecked (Node keeps only the first in req.headers).
  const two = await mtlsRequest({ port: gw.port(), ca, ...client, path: '/api/orders', headers: ['Authorization', `Bearer ${jwt}`, 'Authorization', 'Bearer other'] });
  assertRefused(t, two, 'TOKEN_INVALID', 'the Authorization header is not one valid Bearer credential', before);
});

t.test('an opaque token is introspected with basic auth and bound like a JWT', async (t) => {
  introspection.answers.set('opaque-basic-1', { active: true, exp: Math.floor(Date.now() / 1000) + 600, aud: 'api', iss: ISS, ...boundToClient });
  const calls = introspection.calls.length;
  const res = await get('/api/orders', 'Bearer opaque-basic-1');
  t.equal(res.status, 200);
  t.equal(introspection.calls.length, calls + 1);
  const call = introspection.calls.at(-1)!;
  t.equal(call.token, 'opaque-basic-1');
  t.equal(call.authorization, `Basic ${Buffer.from('gw:s3cret').toString('base64')}`);
  const mismatch = await get('/api/orders', 'Bearer opaque-basic-1', other);
  assertRefused(t, mismatch, 'TOKEN_BINDING_MISMATCH', 'the access token is bound to another client certificate', upstream.received.length);
  t.equal(introspection.calls.length, calls + 1, 'the second request used the cached answer');
});

t.test('introspection answers refuse: inactive, other audience, other issuer', async (t) => {
  introspection.answers.set('opaque-aud', { active: true, aud: ['billing'], ...boundToClient });
  introspection.answers.set('opaque-iss', { active: true, iss: 'https://evil.example.com', ...boundToClient });
  const cases: [string, string][] = [
    ['opaque-unknown', 'the access token is not active'],
    ['opaque-aud', 'the access token is not meant for this audience'],
    ['opaque-iss', 'the access token is from an issuer this route does not accept'],
  ];
  for (const [opaque, description] of cases) assertRefused(t, await get('/api/orders', `Bearer ${opaque}`), 'TOKEN_INVALID', description, upstream.received.length);
});

t.test("an opaque token is introspected with the gateway's own client certificate", async (t) => {
  mtlsIntrospection.answers.set('opaque-tls-1', { active: true, ...boundToClient });
  const res = await get('/tls/orders', 'Bearer opaque-tls-1');
  t.equal(res.status, 200);
  t.equal(mtlsIntrospection.calls.length, 1);
  t.equal(mtlsIntrospection.calls[0]!.peerSubject, 'CN=certgate gateway');
  t.equal(mtlsIntrospection.calls[0]!.authorization, undefined, 'no basic credentials');
});

t.test('100 requests with one opaque token, each on a new connection: exactly 1 introspection call', async (t) => {
  introspection.answers.set('opaque-hundred', { active: true, exp: Math.floor(Date.now() / 1000) + 600, ...boundToClient });
  const calls = introspection.calls.filter((c) => c.token === 'opaque-hundred');
  const before = await counter('certgate_token_introspection_calls_total', { route: 'api' });
  for (let batch = 0; batch < 10; batch++) {
    const answers = await Promise.all(Array.from({ length: 10 }, () => get('/api/orders', 'Bearer opaque-hundred')));
    t.same(
      answers.map((r) => r.status),
      Array(10).fill(200),
    );
  }
  t.equal(introspection.calls.filter((c) => c.token === 'opaque-hundred').length, calls.length + 1);
  t.equal(await counter('certgate_token_introspection_calls_total', { route: 'api' }), before + 1, 'the metric agrees');
});

t.test('concurrent misses for one token share one introspection call', async (t) => {
  introspection.answers.set('opaque-burst', { active: true, ...boundToClient });
  let release!: () => void;
  introspection.hold = new Promise<void>((resolve) => (release = resolve));
  const verified = await counter('certgate_token_verifications_total', { route: 'api', kind: 'introspection' });
  const pending = Promise.all(Array.from({ length: 8 }, () => get('/api/orders', 'Bearer opaque-burst')));
  // All eight are waiting on the gateway before the endpoint answers.
  await waitUntil(() => introspection.calls.some((c) => c.token === 'opaque-burst'), { what: 'the introspection call' });
  await probeUntil(
    () => counter('certgate_token_verifications_total', { route: 'api', kind: 'introspection' }),
    (n) => n >= verified + 8,
    { what: 'eight requests waiting on the one introspection call' },
  );
  release();
  introspection.hold = undefined;
  t.same(
    (await pending).map((r) => r.status),
    Array(8).fill(200),
  );
  t.equal(introspection.calls.filter((c) => c.token === 'opaque-burst').length, 1);
});

t.test('an introspection endpoint that is down or failing fails closed with 503, and is asked again', async (t) => {
  const before = upstream.received.length;
  const down = await get('/down/orders', 'Bearer opaque-anything');
  t.equal(down.status, 503);
  t.match(down.json(), { code: 'TOKEN_VERIFICATION_UNAVAILABLE', error: 'temporarily_unavailable' });
  t.notMatch(down.body, String(closedPort), 'the endpoint is not named to the client');
  introspection.answers.set('opaque-500', 500);
  const calls = introspection.calls.length;
  const failing = await get('/api/orders', 'Bearer opaque-500');
  t.equal(failing.status, 503);
  t.match(failing.json(), { code: 'TOKEN_VERIFICATION_UNAVAILABLE' });
  introspection.answers.set('opaque-500', { active: true, ...boundToClient });
  t.equal((await get('/api/orders', 'Bearer opaque-500')).status, 200, 'the failure was not cached');
  t.equal(introspection.calls.length, calls + 2);
  t.equal(upstream.received.length, before + 1);
  t.ok(
    gw.logs.find((l) => l['event'] === 'token_verification_unavailable' && l['route'] === 'down'),
    'logged for the operator',
  );
});

t.test('a keep-alive client with one token is verified once; the JWKS is fetched once', async (t) => {
  const jwt = await token();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const verified = await counter('certgate_token_verifications_total', { route: 'api', kind: 'jwt' });
  for (let i = 0; i < 5; i++) t.equal((await get('/api/orders', `Bearer ${jwt}`, client, agent)).status, 200);
  t.equal(await counter('certgate_token_verifications_total', { route: 'api', kind: 'jwt' }), verified + 1, 'one verification for five requests');
  // Another token on the same connection is verified (the memo holds the last token only).
  t.equal((await get('/api/orders', `Bearer ${await token({ claims: { ...boundToClient, scope: 'x' } })}`, client, agent)).status, 200);
  t.equal(await counter('certgate_token_verifications_total', { route: 'api', kind: 'jwt' }), verified + 2);
  t.equal(jwks.fetches, 1, 'one JWKS fetch for every JWT so far');
});

t.test('a memoised token is refused on its connection once it expires', async (t) => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  // exp is in whole seconds: 2 s from now leaves at least 1 s for the first request.
  const jwt = await token({ expiresIn: 2 });
  const exp = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
  t.equal((await get('/strict/x', `Bearer ${jwt}`, client, agent)).status, 200);
  await waitUntil(() => Date.now() > exp.exp * 1000, { what: 'the token to expire', attempts: 400 });
  const res = await get('/strict/x', `Bearer ${jwt}`, client, agent);
  t.equal(res.status, 401, 'the memo is not trusted past exp (clockSkew 0s on this route)');
  t.match(res.json(), { code: 'TOKEN_INVALID', error_description: 'the access token has expired' });
});

t.test('required: false lets a request without a token pass, and still checks a token present', async (t) => {
  t.equal((await get('/optional/x', undefined)).status, 200);
  const res = await get('/optional/x', `Bearer ${await token({ aud: 'billing' })}`);
  t.equal(res.status, 401);
  t.match(res.json(), { code: 'TOKEN_INVALID' });
});

t.test('a route without tokenBinding checks nothing', async (t) => {
  t.equal((await get('/plain/x', 'DPoP whatever')).status, 200);
  t.equal(await counter('certgate_token_binding_outcomes_total', { route: 'plain' }), 0);
});

t.test('a client that leaves while its token is checked is never forwarded', async (t) => {
  introspection.answers.set('opaque-leaver', { active: true, ...boundToClient });
  let release!: () => void;
  introspection.hold = new Promise<void>((resolve) => (release = resolve));
  const before = upstream.received.length;
  // The gateway's side of this request's connection, to know when it has seen the client leave.
  let serverSide: Socket | undefined;
  const onStart = (m: unknown): void => {
    const { request, socket } = m as { request: { url?: string }; socket: Socket };
    if (request.url === '/api/leave') serverSide = socket;
  };
  diagnostics.subscribe('http.server.request.start', onStart);
  t.teardown(() => diagnostics.unsubscribe('http.server.request.start', onStart));
  const req = https.request({
    host: '127.0.0.1',
    port: gw.port(),
    servername: 'localhost',
    path: '/api/leave',
    ca,
    ...client,
    agent: false,
    headers: { authorization: 'Bearer opaque-leaver' },
  });
  req.on('error', () => undefined);
  req.end();
  await waitUntil(() => introspection.calls.some((c) => c.token === 'opaque-leaver'), { what: 'the introspection call' });
  req.destroy();
  await waitUntil(() => serverSide?.destroyed === true, { what: 'the gateway to see the client leave' });
  release();
  introspection.hold = undefined;
  // The next request on the route is forwarded, and it is the only one.
  t.equal((await get('/api/orders', 'Bearer opaque-leaver')).status, 200);
  t.equal(upstream.received.length, before + 1);
  t.notOk(
    upstream.received.some((r) => r.url === '/api/leave'),
    'the departed request did not reach the upstream',
  );
});
