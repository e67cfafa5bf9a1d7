// RFC 8705 at the edge, end to end (issue 13, the Authlete seed row): one address, two hosts.
//   localhost       (default host) clientAuth off: browsers, discovery, the authorization endpoint
//   mtls.localhost  (SNI host)     clientAuth require: the mtls_endpoint_aliases and the API
// oidc-provider sits behind certgate and publishes no aliases itself: certgate's discovery rewrite
// adds them. openid-client follows them to get certificate-bound tokens (JWT and opaque), and the
// API route lets a token through only with the certificate it is bound to (tokenBinding).
// Needs `npm run build` (the provider helpers import the built `certgate/verify`); npm test does it.
import t from 'tap';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import * as oauth from 'openid-client';
import { importJwks } from 'certgate/verify';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { CLIENT_SUBJECT, makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir, writeFiles, type ClientResponse } from '../helpers/gateway-harness.js';
import { probeUntil } from '../helpers/wait-for.js';
import { jwtClaims, mtlsClient, startOidcProvider, type MtlsClient } from './oidc-provider-helpers.js';

const pki = await makeTestPki();
const aliasCert = await issueCertificate(pki.rootCa, { subject: 'CN=mtls.localhost,O=certgate test', san: { dns: ['mtls.localhost'] }, extendedKeyUsage: ['serverAuth'] });
const dir = await tempDir('certgate-bound-');
const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
await writeFiles(dir, {
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'mtls.pem': aliasCert.certPem,
  'mtls-key.pem': aliasCert.keyPem,
  'ca.pem': pki.rootCa.certPem,
  'header-signing.pem': signingKey,
});

async function boundServer(): Promise<http.Server> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
/** The issuer is the gateway's own origin, so its port must be known before the config is written. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

const asServer = await boundServer();
const asUrl = `http://127.0.0.1:${(asServer.address() as net.AddressInfo).port}`;
const api = await startRecordingUpstream();
t.teardown(() => api.close());
const port = await freePort();
const issuer = `https://localhost:${port}`;
const JWT_API = 'urn:certgate:e2e:api';
const OPAQUE_API = 'urn:certgate:e2e:opaque';

const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: public
    listen: 127.0.0.1:${port}
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
    hosts:
      - serverNames: [mtls.localhost]
        tls: { cert: mtls.pem, key: mtls-key.pem }
        clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  as:
    url: ${asUrl}
    clientCert: { header: Client-Cert, format: rfc9440, chainHeader: Client-Cert-Chain }
    signature: { alg: ed25519, keyFile: header-signing.pem, keyId: certgate-e2e-1 }
  api:
    url: ${api.url}
routes:
  - name: discovery
    match: { pathPrefix: /.well-known/ }
    upstream: as
    clientCert: optional
    discovery: { mtlsAliasHost: mtls.localhost, boundTokens: true }
  - name: as-public
    match: { pathPrefix: / }
    upstream: as
    clientCert: optional
  - name: as-mtls
    match: { host: mtls.localhost, pathPrefix: / }
    upstream: as
  - name: api
    match: { host: mtls.localhost, pathPrefix: /api/ }
    upstream: api
    tokenBinding:
      required: true
      jwt: { issuer: '${issuer}', jwksUri: '${asUrl}/jwks', audiences: ['${JWT_API}'], algorithms: [ES256], clockSkew: 0s }
      introspection:
        url: '${asUrl}/token/introspection'
        auth: { basic: { username: resource-server, password: rs-secret-0123456789 } }
        audiences: ['${OPAQUE_API}']
        cacheMaxAge: 5m
`,
);
t.teardown(() => gw.close());

const jwksRes = await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/.well-known/certgate-keys`);
const keys = importJwks((await jwksRes.json()) as { keys: [] });

/** What reached the authorization server, by path (the token request's Host shows which host it used). */
const seenAtAs: { path: string; forwardedHost: string | undefined }[] = [];
const as = await startOidcProvider({
  issuer,
  server: asServer,
  resource: JWT_API,
  opaqueResources: [OPAQUE_API],
  clientAuthMethods: ['tls_client_auth', 'client_secret_basic'],
  shortLivedClients: ['short-lived'],
  verify: { keys, maxAge: 30, format: 'rfc9440', certHeader: 'Client-Cert', chainHeader: 'Client-Cert-Chain' },
  onRequest: (req) => seenAtAs.push({ path: (req.url ?? '').split('?')[0]!, forwardedHost: req.headers['x-forwarded-host'] as string | undefined }),
  clients: [
    {
      client_id: 'pki-client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: CLIENT_SUBJECT,
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: 'short-lived',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: CLIENT_SUBJECT,
      tls_client_certificate_bound_access_tokens: true,
    },
    // The resource server certgate introspects opaque tokens as (basic auth, RFC 7662 section 2.1).
    {
      client_id: 'resource-server',
      client_secret: 'rs-secret-0123456789',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    // A browser-facing client: the authorization endpoint on the main host.
    {
      client_id: 'web',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['https://rp.example/cb'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: CLIENT_SUBJECT,
    },
  ],
});
t.teardown(() => as.close());

/** mtls.localhost resolves to the gateway only in this test. */
const lookup = ((_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) =>
  opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as unknown as net.LookupFunction;

async function withClient<T>(clientId: string, cert: { certPem: string; keyPem: string }, fn: (c: MtlsClient) => Promise<T>): Promise<T> {
  const c = await mtlsClient({ issuer: new URL(issuer), clientId, cert: cert.certPem, key: cert.keyPem, ca: pki.rootCa.certPem, useMtlsEndpointAliases: true, lookup });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** A request to the API on the alias host, over `agent` (keep-alive) or a fresh connection. */
function callApi(token: string | undefined, opts: { cert?: { certPem: string; keyPem: string }; agent?: https.Agent; scheme?: string } = {}): Promise<ClientResponse> {
  return mtlsRequest({
    port,
    servername: 'mtls.localhost',
    ca: pki.rootCa.certPem,
    cert: opts.cert?.certPem,
    key: opts.cert?.keyPem,
    path: '/api/things',
    headers: { host: `mtls.localhost:${port}`, ...(token ? { authorization: `${opts.scheme ?? 'Bearer'} ${token}` } : {}) },
    ...(opts.agent ? { agent: opts.agent } : {}),
  });
}

const apiHits = (): number => api.received.filter((r) => r.url.startsWith('/api/')).length;

t.test('discovery fetched on the main host, without a certificate, shows the mTLS aliases', async (t) => {
  const res = await mtlsRequest({ port, ca: pki.rootCa.certPem, path: '/.well-known/openid-configuration', headers: { host: `localhost:${port}` } });
  t.equal(res.status, 200);
  const doc = res.json();
  t.equal(doc.issuer, issuer);
  t.equal(doc.token_endpoint, `${issuer}/token`, 'the main endpoints stay on the main host');
  t.match(doc.mtls_endpoint_aliases, {
    token_endpoint: `https://mtls.localhost:${port}/token`,
    introspection_endpoint: `https://mtls.localhost:${port}/token/introspection`,
  });
  t.equal(doc.tls_client_certificate_bound_access_tokens, true);
  // The control: the aliases are certgate's work, not the authorization server's.
  const direct = (await (await fetch(`${asUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  t.equal(direct.mtls_endpoint_aliases, undefined, 'oidc-provider itself publishes no aliases');
  t.equal(res.headers.etag, undefined, 'no stale ETag');
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), 'Content-Length fixed');
});

let jwtToken = '';
let opaqueToken = '';

t.test('openid-client gets bound tokens at the alias host with tls_client_auth (JWT and opaque)', async (t) => {
  const before = seenAtAs.length;
  const [jwt, opaque] = await withClient('pki-client', pki.client, async (c) => [
    await oauth.clientCredentialsGrant(c.config, { scope: 'api', resource: JWT_API }),
    await oauth.clientCredentialsGrant(c.config, { scope: 'api', resource: OPAQUE_API }),
  ]);
  jwtToken = jwt.access_token;
  opaqueToken = opaque.access_token;
  t.equal(jwtClaims(jwtToken).cnf?.['x5t#S256'], expectedX5t(pki.client.der), 'the JWT is bound to the presented certificate');
  t.equal(opaqueToken.split('.').length, 1, 'the second token is opaque');
  const tokenRequests = seenAtAs.slice(before).filter((r) => r.path === '/token');
  t.same(
    tokenRequests.map((r) => r.forwardedHost),
    [`mtls.localhost:${port}`, `mtls.localhost:${port}`],
    'both token requests went to the alias host',
  );
});

t.test('a bound JWT with its own certificate is forwarded to the API', async (t) => {
  const before = apiHits();
  const res = await callApi(jwtToken, { cert: pki.client });
  t.equal(res.status, 200);
  t.equal(apiHits(), before + 1);
  t.equal(api.received.at(-1)!.headers.authorization, `Bearer ${jwtToken}`, 'the token reaches the API unchanged');
});

t.test('the same token with another trusted certificate: 401 TOKEN_BINDING_MISMATCH, API not reached', async (t) => {
  const before = apiHits();
  for (const token of [jwtToken, opaqueToken]) {
    // clientRsa has the same subject DN as client, another key: only the thumbprint tells them apart.
    const res = await callApi(token, { cert: pki.clientRsa });
    t.equal(res.status, 401);
    t.equal(res.json().code, 'TOKEN_BINDING_MISMATCH');
    t.match(res.headers['www-authenticate'], /^Bearer .*error="invalid_token"/);
  }
  t.equal(apiHits(), before, 'the API saw none of them');
});

t.test('the token with no certificate: 401, API not reached', async (t) => {
  const before = apiHits();
  const res = await callApi(jwtToken);
  t.equal(res.status, 401);
  t.equal(apiHits(), before);
});

t.test('no token at all: 401 with a Bearer challenge', async (t) => {
  const res = await callApi(undefined, { cert: pki.client });
  t.equal(res.status, 401);
  t.match(res.headers['www-authenticate'], /^Bearer/);
  t.notMatch(res.headers['www-authenticate'], /error=/, 'RFC 6750 section 3.1: no error code when no token was sent');
});

t.test('a DPoP token: 401 saying DPoP is not supported', async (t) => {
  const res = await callApi(jwtToken, { cert: pki.client, scheme: 'DPoP' });
  t.equal(res.status, 401);
  t.match(res.body, /DPoP/);
});

t.test('an opaque token: 100 keep-alive requests, exactly 1 introspection call', async (t) => {
  // A token the gateway has not seen yet (introspection answers are cached across connections).
  const fresh = await withClient('pki-client', pki.client, (c) => oauth.clientCredentialsGrant(c.config, { scope: 'api', resource: OPAQUE_API }));
  const introspections = (): number => seenAtAs.filter((r) => r.path === '/token/introspection').length;
  const before = introspections();
  const hitsBefore = apiHits();
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, servername: 'mtls.localhost' });
  t.teardown(() => agent.destroy());
  const statuses: number[] = [];
  for (let i = 0; i < 100; i++) statuses.push((await callApi(fresh.access_token, { cert: pki.client, agent })).status);
  t.same(new Set(statuses), new Set([200]), 'all 100 forwarded');
  t.equal(apiHits(), hitsBefore + 100);
  t.equal(introspections() - before, 1, 'one introspection call for 100 requests');
});

t.test('an expired bound token: 401, on the connection that used it while it was valid', async (t) => {
  // short-lived tokens live 2 s (startOidcProvider's shortLivedClients); clockSkew is 0s above.
  const short = await withClient('short-lived', pki.client, (c) => oauth.clientCredentialsGrant(c.config, { scope: 'api', resource: JWT_API }));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, servername: 'mtls.localhost' });
  t.teardown(() => agent.destroy());
  t.equal((await callApi(short.access_token, { cert: pki.client, agent })).status, 200, 'valid at first');
  const seen = await probeUntil(
    () => callApi(short.access_token, { cert: pki.client, agent }),
    (r) => r.status !== 200,
    { what: 'the token to expire', attempts: 200, intervalMs: 50 },
  );
  const last = seen.at(-1)!;
  t.equal(last.status, 401);
  t.match(last.headers['www-authenticate'], /error="invalid_token"/);
});

/** `openssl s_client -state -msg` against the gateway with `servername`; returns its whole output. */
function sClient(servername: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername, '-CAfile', `${dir}/ca.pem`, '-state', '-msg', '-ign_eof'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.on('error', reject);
    p.on('close', () => resolve(out));
    p.stdin.end(request);
  });
}

t.test('a browser on the main host completes the authorization endpoint and is never asked for a certificate', async (t) => {
  const authorize = `GET /auth?client_id=web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://rp.example/cb')} HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`;
  const main = await sClient('localhost', authorize);
  t.match(main, /HTTP\/1\.1 303 /, 'the authorization endpoint answered: a redirect to the interaction');
  t.notMatch(main, /CertificateRequest/, 'no CertificateRequest on the main host');
  // The control: the alias host does ask (else the assertion above could never fail).
  const alias = await sClient('mtls.localhost', `GET /.well-known/openid-configuration HTTP/1.1\r\nHost: mtls.localhost:${port}\r\nConnection: close\r\n\r\n`);
  t.match(alias, /CertificateRequest/, 'the alias host sends a CertificateRequest');
});
