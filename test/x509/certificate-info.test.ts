// What certgate reads from a certificate: the subject Name's exact DER, revocation's view
// (certInfo) and identity's fields, each checked against an independent reading (pkijs, the
// values the test PKI was issued with).
import t from 'tap';
import * as pkijs from 'pkijs';
import { certInfo, readCertificateFields, subjectDer } from '../../src/x509/certificate-info.js';
import { makeTestPki } from '../helpers/pki.js';

const pki = await makeTestPki();

t.test('subjectDer: the subject Name exactly as encoded', async (t) => {
  for (const issued of [pki.rootCa, pki.intermediateCa, pki.client]) {
    const der = subjectDer(issued.x509);
    t.equal(der[0], 0x30, 'a DER SEQUENCE');
    const viaPkijs = Buffer.from(pkijs.Certificate.fromBER(issued.der).subject.toSchema().toBER());
    t.same(der, viaPkijs, 'same bytes as pkijs re-encodes');
    t.same(certInfo(issued.x509).subjectDer, der, "revocation's view reads the same bytes");
  }
  t.ok(subjectDer(pki.rootCa.x509).toString('latin1').includes('certgate Test Root CA'));
});

t.test('certInfo: the fields revocation matches on', async (t) => {
  const leaf = certInfo(pki.client.x509);
  const root = certInfo(pki.rootCa.x509);
  t.equal(leaf.serial, pki.client.x509.serialNumber.toLowerCase().replace(/^(00)+(?=[0-7])/, ''), 'serial as lower-case hex');
  t.same(leaf.issuerDer, subjectDer(pki.rootCa.x509), "issuer Name bytes equal the root's subject");
  t.equal(leaf.isCA, false);
  t.equal(root.isCA, true);
  t.same(root.keyUsage && { keyCertSign: root.keyUsage.keyCertSign, cRLSign: root.keyUsage.cRLSign }, { keyCertSign: true, cRLSign: true });
  t.same(leaf.extKeyUsage, ['1.3.6.1.5.5.7.3.2'], 'EKU clientAuth');
  t.equal(certInfo(pki.client.x509), leaf, 'cached by fingerprint');
});

t.test('readCertificateFields: names, SANs and validity of a client certificate', async (t) => {
  const fields = readCertificateFields(pki.client.der);
  t.same(fields.san, {
    dns: ['client.example.org'],
    uri: ['spiffe://example.org/client'],
    email: ['client@example.org'],
    ip: ['192.0.2.10', '2001:db8::10'],
  });
  t.same(
    fields.subject.map((rdn) => rdn.map((atv) => `${atv.oid}=${atv.text}`)),
    [['2.5.4.3=client.example.org'], ['2.5.4.10=Client'], ['2.5.4.7=Chiyoda-ku'], ['2.5.4.8=Tokyo'], ['2.5.4.6=JP']],
    'most specific RDN first',
  );
  t.equal(fields.notAfter.getTime(), new Date(pki.client.x509.validTo).getTime());
  t.equal(fields.notBefore.getTime(), new Date(pki.client.x509.validFrom).getTime());
});
