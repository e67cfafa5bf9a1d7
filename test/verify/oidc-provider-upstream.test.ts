// certgate/verify inside a real authorization server (oidc-provider, RFC 8705), without sockets
// to a gateway: requests are signed here exactly as certgate's signer signs them. The full run
// through the gateway with openid-client is test/e2e/. Needs `npm run build` (npm test does it).
import t from 'tap';
import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { encodeCertHeader, pemToDer } from '../../src/wire/header-codecs.js';
import { createRequestSigner } from '../../src/signing/request-signer.js';
import { contentDigestValue } from '../../src/wire/content-digest.js';
import { jwtClaims, selfSignedClientJwk, startOidcProvider } from '../e2e/oidc-provider-helpers.js';
import { LEAF_DER, signatureConfig } from './forwarded-request-fixture.js';

const sig = signatureConfig('ed25519', 'gw-1');
const signer = createRequestSigner(sig);
const leafPem = `-----BEGIN CERTIFICATE-----\n${LEAF_DER.toString('base64')}\n-----END CERTIFICATE-----\n`;
const OTHER_DER = pemToDer(rootCertificates[0]!)[0]!;

const as = await startOidcProvider({
  issuer: 'https://as.example.com',
  verify: { keys: { 'gw-1': sig.publicKey }, maxAge: 30 },
  clients: [
    {
      client_id: 'pki-client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=BC',
      tls_client_certificate_bound_access_tokens: true,
    },
    {
      client_id: 'self-signed-client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [selfSignedClientJwk(leafPem)] },
      tls_client_certificate_bound_access_tokens: true,
    },
  ],
});
t.teardown(() => as.close());
const authority = new URL(as.url).host;

/** POST /token as certgate would forward it: identity headers added, body digested, signed. */
async function token(clientId: string, o: { der?: Buffer; verify?: string; sign?: boolean; subject?: string } = {}) {
  const der = o.der ?? LEAF_DER;
  const added = ['X-Client-Cert', encodeCertHeader('pem-urlencoded', der), 'X-Client-Verify', o.verify ?? 'SUCCESS'];
  if (o.subject !== undefined) added.push('X-Client-Subject-DN', o.subject);
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' });
  for (let i = 0; i < added.length; i += 2) headers.set(added[i]!, added[i + 1]!);
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope: 'api' });
  if (o.sign !== false) {
    const contentDigest = contentDigestValue(Buffer.from(body.toString()));
    const s = signer.sign({ method: 'POST', authority, path: '/token', added, contentDigest });
    headers.set('content-digest', contentDigest);
    headers.set('signature-input', s.signatureInput);
    headers.set('signature', s.signature);
  }
  const res = await fetch(`${as.url}/token`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const x5t = createHash('sha256').update(LEAF_DER).digest('base64url');

t.test('tls_client_auth + subject DN: token bound to the forwarded certificate', async (t) => {
  const res = await token('pki-client', { subject: 'CN=BC' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(jwtClaims(res.body.access_token!).cnf?.['x5t#S256'], x5t);
});

t.test('self_signed_tls_client_auth (chain not verified by the gateway) gets a token', async (t) => {
  const res = await token('self-signed-client', { verify: 'FAILED:self-signed certificate' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.equal(jwtClaims(res.body.access_token!).cnf?.['x5t#S256'], x5t);
});

t.test('another certificate gets invalid_client', async (t) => {
  t.match(await token('pki-client', { der: OTHER_DER, subject: 'CN=Other' }), { status: 401, body: { error: 'invalid_client' } });
  t.match(await token('self-signed-client', { der: OTHER_DER }), { status: 401, body: { error: 'invalid_client' } });
  t.match(await token('pki-client', { verify: 'FAILED:unable to get local issuer certificate' }), {
    status: 401,
    body: { error: 'invalid_client' },
  });
});

t.test('a hand-made certificate header sent straight to the AS cannot mint a token', async (t) => {
  const before = as.refusals.length;
  t.match(await token('pki-client', { sign: false, subject: 'CN=BC' }), { status: 401, body: { error: 'invalid_client' } });
  t.equal(as.refusals[before]?.code, 'ERR_NO_SIGNATURE', 'refused by certgate/verify');
});
