// Through the real gateway: after replaceTrust makes a new CA trusted, revocation checks a client
// of that CA against the new anchors. The new CA's CRL (listed in the config from the start, when
// the CA was not yet trusted) revokes one of its clients: that client must be refused as revoked,
// with the CRL's reason, and neither admitted nor refused as an unknown issuer.
import t from 'tap';
import { x509 } from '../../src/pki/x509-library.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { createCrl } from '../../src/pki/crl-factory.js';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
// unknownCa is trusted by nobody at start; clientUnknownCa is its client, revoked by its CRL.
const newCaGood = await issueCertificate(pki.unknownCa, { subject: 'CN=good.new-ca.example.org,O=Elsewhere', extendedKeyUsage: ['clientAuth'] });
const newCaCrl = await createCrl(pki.unknownCa, { revoked: [{ serialNumber: pki.clientUnknownCa.x509.serialNumber, reason: x509.X509CrlReason.keyCompromise }] });
const dir = await listenerDir(pki, { 'root.crl': pki.crl.pem, 'new-ca.crl': newCaCrl.pem });
await writeFile(join(dir, 'new-ca.pem'), pki.unknownCa.certPem);

const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: { check: leaf, sources: [crl], failMode: closed, crl: { files: [root.crl, new-ca.crl] } }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const get = (cert: { certPem: string; keyPem: string }, path: string) => mtlsRequest({ port: gw.port(), ca: pki.rootCa.certPem, cert: cert.certPem, key: cert.keyPem, path });

t.test('before the reload the new CA is not trusted', async (t) => {
  const res = await get(pki.clientUnknownCa, '/before');
  t.equal(res.status, 401);
  t.match(res.json(), { code: 'CLIENT_CERT_INVALID' });
  t.equal((await get(pki.client, '/before-root')).status, 200, "the root CA's client passes");
});

t.test('after replaceTrust, a client the new CA revoked is refused as revoked', async (t) => {
  gw.gateway.replaceTrust('main', [
    { path: 'ca.pem', pem: pki.rootCa.certPem, certificates: [pki.rootCa.x509] },
    { path: 'new-ca.pem', pem: pki.unknownCa.certPem, certificates: [pki.unknownCa.x509] },
  ]);
  const revoked = await get(pki.clientUnknownCa, '/revoked');
  t.equal(revoked.status, 401);
  t.match(revoked.json(), { code: 'CLIENT_CERT_REVOKED', error: 'invalid_client' });
  t.match(revoked.json().error_description, /revoked at \d{4}-\d\d-\d\dT.*\(keyCompromise\) according to crl/);
  t.notMatch(revoked.json().error_description, /new-ca\.crl|\//, 'the CRL file path stays in the log, not in the answer');
  t.notOk(
    upstream.received.some((r) => r.url === '/revoked'),
    'never forwarded',
  );

  const good = await get(newCaGood, '/good');
  t.equal(good.status, 200, 'a client of the new CA that its CRL does not list passes');
  t.equal((await get(pki.clientRevoked, '/root-revoked')).status, 401, "the root CA's CRL still applies");
});
