// A real authorization server behind the real gateway (issue 4): oidc-provider with RFC 8705 mTLS
// as a plain-HTTP loopback upstream, reading the client certificate only through `certgate/verify`
// with the keys the admin listener publishes, and openid-client v6 running client_credentials over
// real mTLS through certgate. Two listeners, two formats:
//   mtls (require)               -> upstream `as`     rfc9440 Client-Cert + Client-Cert-Chain
//   selfsigned (optional_no_ca)  -> upstream `asself` xfcc X-Forwarded-Client-Cert
// Each listener has its own issuer (https://localhost:<port>), hence one provider per listener.
// Needs `npm run build` (the helpers import the built `certgate/verify`); npm test does it.
import t from 'tap';
import http from 'node:http';
import type net from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import * as oauth from 'openid-client';
import { importJwks } from 'certgate/verify';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { encodeCertHeader } from '../../src/wire/header-codecs.js';
import { CLIENT_SUBJECT, makeTestPki } from '../helpers/pki.js';
import { startTestGateway, tempDir, writeFiles } from '../helpers/gateway-harness.js';
import { clientCredentials, jwtClaims, mtlsClient, selfSignedClientJwk, startOidcProvider } from './oidc-provider-helpers.js';
import type { ClientMetadata, MtlsClient } from './oidc-provider-helpers.js';

const pki = await makeTestPki();
const dir = await tempDir('certgate-oidc-');
const signingKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const files = {
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'ca.pem': pki.rootCa.certPem,
  'header-signing.pem': signingKey,
};
await writeFiles(dir, files);

/**
 * The authorization servers' listening sockets, bound (port 0) before the gateway so its config can
 * name them; each provider attaches to its socket once the gateway's ports (its issuer) are known.
 */
async function boundServer(): Promise<http.Server> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
const [asServer, asSelfServer] = [await boundServer(), await boundServer()];
const [asPort, asSelfPort] = [asServer, asSelfServer].map((s) => (s.address() as net.AddressInfo).port);

const gw = await startTestGateway(
  dir,
  `
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: mtls
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
  - name: selfsigned
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional_no_ca, trustedCAs: [ca.pem] }
upstreams:
  as:
    url: http://127.0.0.1:${asPort}
    clientCert: { header: Client-Cert, format: rfc9440, chainHeader: Client-Cert-Chain }
    signature: { alg: ed25519, keyFile: header-signing.pem, keyId: certgate-e2e-1 }
  asself:
    url: http://127.0.0.1:${asSelfPort}
    clientCert: { header: X-Forwarded-Client-Cert, format: xfcc }
    signature: { alg: ed25519, keyFile: header-signing.pem, keyId: certgate-e2e-1 }
routes:
  - { name: as, listeners: [mtls], match: { pathPrefix: / }, upstream: as }
  - { name: asself, listeners: [selfsigned], match: { pathPrefix: / }, upstream: asself }
`,
);
t.teardown(() => gw.close());

// The upstream's only trust in certgate: the JWKS from the admin listener, as an operator would
// fetch it (or take it from `certgate keys`).
const jwksRes = await fetch(`http://127.0.0.1:${gw.gateway.adminAddress!.port}/.well-known/certgate-keys`);
const keys = importJwks((await jwksRes.json()) as { keys: [] });

const mtlsIssuer = `https://localhost:${gw.port('mtls')}`;
const selfIssuer = `https://localhost:${gw.port('selfsigned')}`;
const ccClient = (extra: ClientMetadata): ClientMetadata => ({
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  tls_client_certificate_bound_access_tokens: true,
  ...extra,
});
/** The last token request as the AS received it (to replay it by hand). */
const lastToken: { headers?: Record<string, string | string[] | undefined>; url?: string; body?: Buffer } = {};
const as = await startOidcProvider({
  issuer: mtlsIssuer,
  server: asServer,
  verify: { keys, maxAge: 30, format: 'rfc9440', certHeader: 'Client-Cert', chainHeader: 'Client-Cert-Chain' },
  onRequest: (req, body) => {
    if (req.url?.startsWith('/token')) Object.assign(lastToken, { headers: { ...req.headers }, url: req.url, body });
  },
  clients: [ccClient({ client_id: 'pki-client', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: CLIENT_SUBJECT })],
});
t.teardown(() => as.close());
const asSelf = await startOidcProvider({
  issuer: selfIssuer,
  server: asSelfServer,
  verify: { keys, maxAge: 30, format: 'xfcc' },
  clients: [
    ccClient({
      client_id: 'self-signed-client',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [selfSignedClientJwk(pki.clientSelfSigned.certPem)] },
    }),
  ],
});
t.teardown(() => asSelf.close());

async function withClient<T>(issuer: string, clientId: string, cert: string, key: string, fn: (c: MtlsClient) => Promise<T>): Promise<T> {
  const c = await mtlsClient({ issuer: new URL(issuer), clientId, cert, key, ca: pki.rootCa.certPem });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function oauthError(p: Promise<unknown>): Promise<{ error?: string; status?: number }> {
  try {
    await p;
    return {};
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) return { error: err.error, status: err.status };
    throw err;
  }
}

t.test('tls_client_auth + subject DN through certgate: a token bound to the client certificate', async (t) => {
  const tokens = await withClient(mtlsIssuer, 'pki-client', pki.client.certPem, pki.client.keyPem, (c) => clientCredentials(c));
  t.equal(tokens.token_type.toLowerCase(), 'bearer');
  const claims = jwtClaims(tokens.access_token);
  t.equal(claims.cnf?.['x5t#S256'], expectedX5t(pki.client.der), 'cnf.x5t#S256 is the thumbprint of the presented certificate');
  t.equal(claims.client_id, 'pki-client');
  t.equal(lastToken.headers?.['client-cert'], encodeCertHeader('rfc9440', pki.client.der), 'forwarded as an RFC 9440 byte sequence');
  t.match(lastToken.headers?.['signature-input'], /^certgate=\(.*"client-cert".*\);created=\d+;keyid="certgate-e2e-1";alg="ed25519"/);
});

t.test('self_signed_tls_client_auth through the optional_no_ca listener: a token bound to the self-signed certificate', async (t) => {
  const tokens = await withClient(selfIssuer, 'self-signed-client', pki.clientSelfSigned.certPem, pki.clientSelfSigned.keyPem, (c) => clientCredentials(c));
  t.equal(jwtClaims(tokens.access_token).cnf?.['x5t#S256'], expectedX5t(pki.clientSelfSigned.der));
});

t.test('another certificate gets invalid_client', async (t) => {
  const intermediate = pki.clientViaIntermediate;
  const wrongSubject = await withClient(mtlsIssuer, 'pki-client', chainPem(intermediate), intermediate.keyPem, (c) => oauthError(clientCredentials(c)));
  t.same(wrongSubject, { error: 'invalid_client', status: 401 }, 'trusted chain, but not the registered subject DN');
  const wrongKey = await withClient(selfIssuer, 'self-signed-client', pki.clientRsa.certPem, pki.clientRsa.keyPem, (c) => oauthError(clientCredentials(c)));
  t.same(wrongKey, { error: 'invalid_client', status: 401 }, 'a trusted certificate, but not the registered self-signed one');
});

/** POST /token straight to oidc-provider, bypassing certgate. */
async function direct(headers: Record<string, string>, url = '/token'): Promise<{ status: number; body: Record<string, string> }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'pki-client', scope: 'api' });
  const res = await fetch(`${as.url}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

t.test('a hand-made certificate header sent straight to oidc-provider cannot mint a token', async (t) => {
  const before = as.refusals.length;
  const forged = await direct({
    'client-cert': encodeCertHeader('rfc9440', pki.client.der),
    'x-client-verify': 'SUCCESS',
    'x-client-subject-dn': CLIENT_SUBJECT,
  });
  t.match(forged, { status: 401, body: { error: 'invalid_client' } });
  t.equal(as.refusals[before]?.code, 'ERR_NO_SIGNATURE', 'refused by certgate/verify');
});

t.test('a signature certgate made, replayed with another certificate header, cannot mint a token', async (t) => {
  // A real signed request for clientRsa (same subject DN as pki.client, so it gets a token) ...
  const rsa = await withClient(mtlsIssuer, 'pki-client', pki.clientRsa.certPem, pki.clientRsa.keyPem, (c) => clientCredentials(c));
  t.equal(jwtClaims(rsa.access_token).cnf?.['x5t#S256'], expectedX5t(pki.clientRsa.der));
  const captured = lastToken.headers!;
  const signed: Record<string, string> = {};
  for (const h of ['host', 'client-cert', 'client-cert-chain', 'x-client-verify', 'x-client-subject-dn', 'x-client-cert-thumbprint', 'signature-input', 'signature']) {
    if (typeof captured[h] === 'string') signed[h] = captured[h];
  }
  // ... whose certificate header an attacker inside the DMZ swaps for pki.client's.
  const before = as.refusals.length;
  const swapped = await direct({ ...signed, 'client-cert': encodeCertHeader('rfc9440', pki.client.der) });
  t.match(swapped, { status: 401, body: { error: 'invalid_client' } });
  t.equal(as.refusals[before]?.code, 'ERR_BAD_SIGNATURE', 'the swapped header breaks the signature');
  // Replayed unchanged with a query added: @query would have to be covered.
  const replayed = await direct(signed, '/token?x=1');
  t.match(replayed, { status: 401, body: { error: 'invalid_client' } });
  t.equal(as.refusals[before + 1]?.code, 'ERR_COMPONENT_NOT_COVERED');
});

/** The last token request certgate forwarded, re-sent straight to oidc-provider, as someone in the DMZ could. */
async function resendCaptured(body: Buffer | string): Promise<{ status: number; body: Record<string, string> }> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(lastToken.headers!)) {
    if (typeof value === 'string' && name !== 'content-length' && name !== 'connection') headers[name] = value;
  }
  const res = await fetch(`${as.url}${lastToken.url!}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

t.test('a token request captured between certgate and the AS is refused when replayed, and when its body is swapped', async (t) => {
  await withClient(mtlsIssuer, 'pki-client', pki.client.certPem, pki.client.keyPem, (c) => clientCredentials(c));
  const captured = lastToken.body!;
  t.match(lastToken.headers?.['content-digest'], /^sha-256=:[A-Za-z0-9+/]{43}=:$/, 'the body digest was forwarded');
  t.match(lastToken.headers?.['signature-input'], /"content-digest".*;nonce="[A-Za-z0-9_-]{22}"/, 'covered, with a nonce');

  const before = as.refusals.length;
  const swapped = await resendCaptured(captured.toString('latin1').replace('scope=api', 'scope=api&resource=urn%3Aother'));
  t.match(swapped, { status: 401, body: { error: 'invalid_client' } }, 'another body under the same signature');
  t.equal(as.refusals[before]?.code, 'ERR_DIGEST_MISMATCH');

  const replayed = await resendCaptured(captured);
  t.match(replayed, { status: 401, body: { error: 'invalid_client' } }, 'the same request again');
  t.equal(as.refusals[before + 1]?.code, 'ERR_REPLAYED');
});
