// The revocation checker follows the listener's trust store: after replaceTrust makes a new CA
// trusted, a chain that ends at the leaf is completed with the new anchor, and the new CA's CRL
// decides. Before, the checker kept the anchors it was built with, and the client of the new CA
// was refused as "issuer unknown" instead of as revoked.
import t from 'tap';
import { x509 } from '../../src/pki/x509-library.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createCrl } from '../../src/pki/crl-factory.js';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { RevocationChecker } from '../../src/revocation/revocation-checker.js';
import { TrustStore } from '../../src/tls/trust-store.js';
import { makeTestPki } from '../helpers/pki.js';
import { captureLogger, revocationConfig } from './fixtures.js';

const pki = await makeTestPki();
const newCa = pki.unknownCa;
const goodClient = await issueCertificate(newCa, { subject: 'CN=good.new-ca.example.org,O=Elsewhere', extendedKeyUsage: ['clientAuth'] });
const crl = await createCrl(newCa, { revoked: [{ serialNumber: pki.clientUnknownCa.x509.serialNumber, reason: x509.X509CrlReason.keyCompromise }] });
const dir = await mkdtemp(join(tmpdir(), 'certgate-trust-reload-'));
const crlPath = join(dir, 'new-ca.crl');
await writeFile(crlPath, crl.der);

const rootFile = { path: 'ca.pem', pem: pki.rootCa.certPem, certificates: [pki.rootCa.x509] };
const newCaFile = { path: 'new-ca.pem', pem: newCa.certPem, certificates: [newCa.x509] };

t.test('after the trust store changes, the new anchor completes the chain and its CRL decides', async (t) => {
  const trust = new TrustStore([rootFile]);
  const log = captureLogger();
  const checker = new RevocationChecker(revocationConfig({ check: 'leaf', sources: ['crl'], failMode: 'closed', crl: { files: [{ path: crlPath, der: [crl.der] }] } }), {
    logger: log.logger,
    registry: new Registry(),
    trust,
  });
  t.teardown(() => checker.close());
  await checker.start();

  trust.replace([rootFile, newCaFile]);
  const revoked = await checker.check([pki.clientUnknownCa.x509]);
  t.match(revoked, { status: 'revoked', admit: false, source: 'crl', revocationReason: 'keyCompromise' });
  t.match(revoked.detail, /^revoked at .* \(keyCompromise\) per CRL .*new-ca\.crl$/);
  t.match(await checker.check([goodClient.x509]), { status: 'good', admit: true, source: 'crl' }, 'a client the CRL does not list is good');

  trust.replace([rootFile]);
  const other = await issueCertificate(newCa, { subject: 'CN=after.new-ca.example.org,O=Elsewhere', extendedKeyUsage: ['clientAuth'] });
  t.match(
    await checker.check([other.x509]),
    { status: 'unknown', admit: false, detail: 'issuer of the client certificate is unknown' },
    'once the CA is no longer trusted, it no longer completes chains',
  );
});
