// Over real TLS: optional_no_ca tolerates only an untrusted issuer. A certificate that is for the
// wrong purpose (EKU serverAuth only), deeper than verifyDepth or not yet valid is refused with
// 401 CLIENT_CERT_INVALID, and the upstream receives nothing; a self-signed (pinned) certificate
// passes with X-Client-Verify: FAILED:<reason>.
import t from 'tap';
import { createHash } from 'node:crypto';
import { makeTestPki } from '../helpers/pki.js';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: pinned
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional_no_ca, trustedCAs: [ca.pem], verifyDepth: 1 }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: app, match: { pathPrefix: / }, upstream: app, clientCert: optional }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;
const refused: ReadonlyArray<[name: string, cert: () => string, key: () => string, reason: string, description: RegExp]> = [
  [
    'serverAuth-only EKU',
    () => pki.clientServerAuthOnly.certPem,
    () => pki.clientServerAuthOnly.keyPem,
    'INVALID_PURPOSE',
    /^client certificate is not valid for TLS client authentication$/,
  ],
  [
    'chain longer than verifyDepth 1',
    () => chainPem(pki.deepChain.client),
    () => pki.deepChain.client.keyPem,
    'CERT_CHAIN_TOO_LONG',
    /^client certificate chain is longer than verifyDepth allows$/,
  ],
  ['not yet valid', () => pki.clientNotYetValid.certPem, () => pki.clientNotYetValid.keyPem, 'CERT_NOT_YET_VALID', /^client certificate is not yet valid$/],
  ['expired', () => pki.clientExpired.certPem, () => pki.clientExpired.keyPem, 'CERT_HAS_EXPIRED', /^client certificate has expired$/],
];

for (const [name, cert, key, reason, description] of refused) {
  t.test(`optional_no_ca refuses ${name}: 401 CLIENT_CERT_INVALID, nothing forwarded`, async (t) => {
    const path = `/refused/${reason}`;
    const res = await mtlsRequest({ port: gw.port(), ca, cert: cert(), key: key(), path });
    t.equal(res.status, 401, res.body);
    const body = res.json();
    t.equal(body.code, 'CLIENT_CERT_INVALID');
    t.equal(body.error, 'invalid_client');
    t.match(body.error_description, description);
    t.equal(upstream.received.filter((r) => r.url === path).length, 0, 'the upstream received nothing');
    t.ok(
      gw.logs.find((l) => l.event === 'client_cert_rejected' && l.reason === reason),
      `security log line with reason ${reason}`,
    );
  });
}

t.test('optional_no_ca passes a self-signed pinned certificate with X-Client-Verify: FAILED:<reason>', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, cert: pki.clientSelfSigned.certPem, key: pki.clientSelfSigned.keyPem, path: '/pinned/self-signed' });
  t.equal(res.status, 200, res.body);
  const got = upstream.received.filter((r) => r.url === '/pinned/self-signed');
  t.equal(got.length, 1);
  t.equal(got[0]!.headers['x-client-verify'], 'FAILED:DEPTH_ZERO_SELF_SIGNED_CERT');
  t.equal(got[0]!.headers['x-client-cert-thumbprint'], createHash('sha256').update(pki.clientSelfSigned.der).digest('base64url'));
});

t.test('optional_no_ca passes a certificate from an unknown CA with FAILED:<reason>', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, cert: pki.clientUnknownCa.certPem, key: pki.clientUnknownCa.keyPem, path: '/pinned/unknown-ca' });
  t.equal(res.status, 200, res.body);
  const got = upstream.received.filter((r) => r.url === '/pinned/unknown-ca');
  t.equal(got.length, 1);
  t.match(got[0]!.headers['x-client-verify'], /^FAILED:(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
});

t.test('a valid certificate passes with SUCCESS', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, cert: pki.client.certPem, key: pki.client.keyPem, path: '/pinned/valid' });
  t.equal(res.status, 200, res.body);
  t.equal(upstream.received.find((r) => r.url === '/pinned/valid')?.headers['x-client-verify'], 'SUCCESS');
});
