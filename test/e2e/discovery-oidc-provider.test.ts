// The discovery rewrite against a real authorization server: oidc-provider (RFC 8705 mTLS on,
// no aliases of its own) behind certgate. Fetched through the gateway, its metadata carries
// mtls_endpoint_aliases on the alias host for exactly the endpoints it publishes, and every other
// member is what oidc-provider wrote.
import t from 'tap';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
// oidc-provider 9 ships no type declarations (and @types/oidc-provider is not a dependency).
// @ts-expect-error untyped module
import UntypedProvider from 'oidc-provider';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, startTestGateway } from '../helpers/gateway-harness.js';

interface OidcProvider {
  proxy: boolean;
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
}
const Provider = UntypedProvider as new (issuer: string, configuration: object) => OidcProvider;

const asServer = http.createServer();
await new Promise<void>((r) => asServer.listen(0, '127.0.0.1', r));
const asPort = (asServer.address() as net.AddressInfo).port;

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: public
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
upstreams:
  idp:
    url: http://127.0.0.1:${asPort}
routes:
  - name: discovery
    match: { pathPrefix: /.well-known/ }
    upstream: idp
    clientCert: optional
    discovery: { mtlsAliasHost: mtls.idp.example.com, boundTokens: true }
`,
);
const port = gw.port();
const issuer = `https://localhost:${port}`;
const provider = new Provider(issuer, {
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    mTLS: { enabled: true, certificateBoundAccessTokens: true, tlsClientAuth: true },
  },
  clientAuthMethods: ['tls_client_auth'],
});
// certgate sets X-Forwarded-Proto/-Host itself: the endpoints are on the gateway's origin.
provider.proxy = true;
asServer.on('request', provider.callback());
t.teardown(async () => {
  await gw.close();
  await new Promise<void>((r) => asServer.close(() => r()));
});

function getJson(url: string, ca?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { ca, servername: 'localhost', headers: { host: `localhost:${port}`, 'x-forwarded-host': `localhost:${port}`, 'x-forwarded-proto': 'https' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

t.test("oidc-provider's discovery document through certgate carries the aliases", async (t) => {
  const through = await getJson(`https://127.0.0.1:${port}/.well-known/openid-configuration`, pki.rootCa.certPem);
  t.equal(through.status, 200);
  t.same(through.json['mtls_endpoint_aliases'], {
    token_endpoint: `https://mtls.idp.example.com:${port}/token`,
    revocation_endpoint: `https://mtls.idp.example.com:${port}/token/revocation`,
    introspection_endpoint: `https://mtls.idp.example.com:${port}/token/introspection`,
    pushed_authorization_request_endpoint: `https://mtls.idp.example.com:${port}/request`,
    userinfo_endpoint: `https://mtls.idp.example.com:${port}/me`,
  });
  t.equal(through.json['tls_client_certificate_bound_access_tokens'], true);
  t.equal(through.json['token_endpoint'], `https://localhost:${port}/token`, 'the main endpoints stay on the main host');
  t.equal(through.headers['content-length'], String(Buffer.byteLength(JSON.stringify(through.json))));

  // Every other member is oidc-provider's own, as it serves it directly (same forwarded origin).
  const direct = await getJson(`http://127.0.0.1:${asPort}/.well-known/openid-configuration`);
  t.notOk('mtls_endpoint_aliases' in direct.json, 'oidc-provider published no aliases itself');
  const rest = { ...through.json };
  delete rest['mtls_endpoint_aliases'];
  t.same(rest, direct.json);
});
