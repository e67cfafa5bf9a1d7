import t from 'tap';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as pkijs from 'pkijs';
import { chainPem, createCA, createSelfSigned, issueCertificate } from '../../src/pki/certificate-factory.js';
import { x509 } from '../../src/pki/x509-library.js';
import { makeTestPki, writeTestPki } from '../helpers/pki.js';

t.test('createCA / issueCertificate: basics', async (t) => {
  const ca = await createCA({ subject: 'CN=Factory Root,O=Test' });
  t.ok(ca.x509.ca, 'CA flag');
  t.ok(ca.x509.checkIssued(ca.x509) && ca.x509.verify(ca.x509.publicKey), 'self-signed');
  t.equal(ca.keyAlgorithm, 'ec-p256');
  t.equal(ca.issuer, undefined);
  t.match(ca.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  t.ok(ca.x509.checkPrivateKey(createPrivateKey(ca.keyPem)));
  t.equal(ca.x509.subject, 'O=Test\nCN=Factory Root', 'RFC 4514 input: most specific first, so DER order is O then CN');

  const leaf = await issueCertificate(ca, {
    subject: 'bare common name',
    keyAlgorithm: 'rsa-2048',
    serialNumber: 0x1234abcd,
    notBefore: new Date('2030-01-01T00:00:00Z'),
    notAfter: new Date('2031-01-01T00:00:00Z'),
    san: { dns: ['a.example'], ip: ['10.1.2.3'], uri: ['urn:x:y'], email: ['a@example.org'] },
    extendedKeyUsage: ['clientAuth', 'serverAuth'],
    ocspUrl: 'http://127.0.0.1:8888/ocsp',
    crlUrls: ['http://127.0.0.1:8888/ca.crl'],
  });
  t.equal(leaf.keyAlgorithm, 'rsa-2048');
  t.equal(leaf.x509.publicKey.asymmetricKeyType, 'rsa');
  t.equal(leaf.x509.subject, 'CN=bare common name');
  t.equal(leaf.x509.serialNumber.toUpperCase(), '1234ABCD');
  t.equal(new Date(leaf.x509.validFrom).toISOString(), '2030-01-01T00:00:00.000Z');
  t.equal(new Date(leaf.x509.validTo).toISOString(), '2031-01-01T00:00:00.000Z');
  t.ok(leaf.x509.checkIssued(ca.x509) && leaf.x509.verify(ca.x509.publicKey));
  t.same(leaf.x509.keyUsage, ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
  t.equal(leaf.x509.subjectAltName, 'DNS:a.example, IP Address:10.1.2.3, URI:urn:x:y, email:a@example.org');
  t.match(leaf.x509.infoAccess ?? '', /OCSP - URI:http:\/\/127\.0\.0\.1:8888\/ocsp/);
  const cdp = leaf.certificate.getExtension(x509.CRLDistributionPointsExtension);
  t.ok(cdp, 'CRL distribution points present');
  const parsed = pkijs.Certificate.fromBER(leaf.der);
  const cdpExt = parsed.extensions!.find((e) => e.extnID === '2.5.29.31')!;
  t.match(JSON.stringify(cdpExt.parsedValue), /ca\.crl/);
  t.same(leaf.issuer, ca);
  t.equal(chainPem(leaf), leaf.certPem, 'issued directly by a root: the chain is the leaf alone');
});

t.test('key usage and basic constraints', async (t) => {
  const ca = await createCA({ subject: 'CN=Root' });
  const int = await issueCertificate(ca, { subject: 'CN=Int', isCA: true, pathLength: 0 });
  const ku = (c: typeof ca) => c.certificate.getExtension(x509.KeyUsagesExtension)!.usages;
  const bc = (c: typeof ca) => c.certificate.getExtension(x509.BasicConstraintsExtension)!;
  t.ok(ku(ca) & x509.KeyUsageFlags.keyCertSign && ku(ca) & x509.KeyUsageFlags.cRLSign);
  t.equal(bc(int).ca, true);
  t.equal(bc(int).pathLength, 0);
  t.equal(bc(int).critical, true);
  const ec = await issueCertificate(int, { subject: 'CN=ec' });
  t.equal(ku(ec), x509.KeyUsageFlags.digitalSignature);
  const custom = await issueCertificate(int, { subject: 'CN=c', keyUsage: ['digitalSignature', 'nonRepudiation'] });
  t.equal(ku(custom), x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
  t.equal(bc(ec).ca, false);
  t.equal(chainPem(ec), ec.certPem + int.certPem, 'chainPem stops below the root');
  t.ok(ec.x509.checkIssued(int.x509) && int.x509.checkIssued(ca.x509));
});

t.test('self-signed leaf and key reuse', async (t) => {
  const a = await createSelfSigned({ subject: 'CN=me', extendedKeyUsage: ['clientAuth'] });
  t.notOk(a.x509.ca);
  t.ok(a.x509.verify(a.x509.publicKey));
  const b = await createSelfSigned({ subject: 'CN=me again', keys: a.keys });
  t.ok(b.x509.publicKey.equals(a.x509.publicKey), 'same key certified twice');
  t.not(b.x509.serialNumber, a.x509.serialNumber, 'random serials differ');
  await t.rejects(createCA({ subject: 'CN=x', serialNumber: 'xyz' }), /serialNumber must be hex/);
  await t.rejects(createCA({ subject: 'CN=x', san: { ip: ['nope'] } }), /not an IP address/);
});

t.test('makeTestPki: the documented set', async (t) => {
  const pki = await makeTestPki();
  t.equal(await makeTestPki(), pki, 'memoized per process');
  const now = Date.now();
  const root = pki.rootCa.x509;
  t.ok(pki.client.x509.verify(root.publicKey));
  t.equal(pki.clientRsa.keyAlgorithm, 'rsa-2048');
  t.ok(new Date(pki.clientExpired.x509.validTo).getTime() < now, 'expired');
  t.ok(new Date(pki.clientNotYetValid.x509.validFrom).getTime() > now, 'not yet valid');
  t.notOk(pki.clientUnknownCa.x509.verify(root.publicKey));
  t.ok(pki.clientViaIntermediate.x509.verify(pki.intermediateCa.x509.publicKey));
  t.equal(certCount(chainPem(pki.deepChain.client)), 3, 'deep chain: leaf + int2 + int1');
  t.same(pki.clientServerAuthOnly.x509.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.ok(pki.gatewayClient.x509.verify(pki.upstreamCa.x509.publicKey));
  t.ok(pki.upstreamServer.x509.checkHost('localhost'));
  t.ok(pki.crl.crl.findRevoked(pki.clientRevoked.certificate), 'CRL lists the revoked client');
  t.notOk(pki.crl.crl.findRevoked(pki.client.certificate), 'and not the good one');
});

t.test('writeTestPki writes PEM files', async (t) => {
  const files = await writeTestPki(t.testdir());
  const leaf = new X509Certificate(await readFile(files.client.cert));
  const pki = await makeTestPki();
  t.ok(leaf.raw.equals(pki.client.der));
  t.equal((await stat(files.client.key)).mode & 0o777, 0o600);
  t.equal(certCount(await readFile(files.clientViaIntermediate.chain, 'utf8')), 2);
  t.equal(certCount(await readFile(files.deepChain.client.chain, 'utf8')), 3);
  t.match(await readFile(files.crl, 'utf8'), /BEGIN X509 CRL/);
});

function certCount(pem: string): number {
  return pem.match(/BEGIN CERTIFICATE/g)?.length ?? 0;
}
