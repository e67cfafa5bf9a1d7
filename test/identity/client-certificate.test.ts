import t from 'tap';
import { createHash } from 'node:crypto';
import { describeCertificate } from '../../src/identity/client-certificate.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { dnEquals, parseDN } from '../../src/x509/distinguished-name.js';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { CLIENT_SUBJECT, makeTestPki } from '../helpers/pki.js';

t.test('describeCertificate on the EC test client', async (t) => {
  const pki = await makeTestPki();
  const d = describeCertificate(pki.client.x509);
  t.equal(d.der, pki.client.x509.raw);
  t.ok(d.der.equals(pki.client.der));
  t.equal(d.x5tS256, createHash('sha256').update(pki.client.der).digest('base64url'), 'x5t#S256 is base64url(SHA-256(DER))');
  t.match(d.x5tS256, /^[A-Za-z0-9_-]{43}$/, 'no padding, no colons');
  t.equal(d.subjectDN, CLIENT_SUBJECT, 'RFC 4514, most specific RDN first');
  t.equal(d.issuerDN, 'CN=certgate Test Root CA,O=certgate test');
  t.equal(d.serialNumber, pki.client.x509.serialNumber.toUpperCase());
  t.match(d.serialNumber, /^[0-9A-F]+$/);
  t.same(d.san, {
    dns: ['client.example.org'],
    uri: ['spiffe://example.org/client'],
    email: ['client@example.org'],
    ip: ['192.0.2.10', '2001:db8::10'],
  });
  t.equal(d.notBefore.getTime(), new Date(pki.client.x509.validFrom).getTime());
  t.equal(d.notAfter.getTime(), new Date(pki.client.x509.validTo).getTime());
});

t.test('RSA client and certificates without SANs', async (t) => {
  const pki = await makeTestPki();
  const rsa = describeCertificate(pki.clientRsa.x509);
  t.equal(rsa.subjectDN, CLIENT_SUBJECT);
  t.same(rsa.san.dns, ['client-rsa.example.org']);
  const plain = describeCertificate(pki.clientRevoked.x509);
  t.same(plain.san, { dns: [], uri: [], email: [], ip: [] });
  t.equal(expectedX5t(pki.clientRsa.der), rsa.x5tS256);
});

t.test('subjects that need escaping, multi-valued RDNs and non-ASCII', async (t) => {
  const pki = await makeTestPki();
  const cases: Array<[string, string]> = [
    ['CN=Smith\\, John+UID=jsmith,O=A\\+B \\"Corp\\",C=US', 'CN=Smith\\, John+UID=jsmith,O=A\\+B \\"Corp\\",C=US'],
    ['CN=\\#not-hex,O=\\ padded\\ ', 'CN=\\#not-hex,O=\\ padded\\ '],
    ['CN=東京クライアント,O=Client', 'CN=\\E6\\9D\\B1\\E4\\BA\\AC\\E3\\82\\AF\\E3\\83\\A9\\E3\\82\\A4\\E3\\82\\A2\\E3\\83\\B3\\E3\\83\\88,O=Client'],
    ['CN=a\\;b\\<c\\>,serialNumber=1234,emailAddress=ops@example.org', 'CN=a\\;b\\<c\\>,serialNumber=1234,emailAddress=ops@example.org'],
  ];
  for (const [subject, expected] of cases) {
    const cert = await issueCertificate(pki.rootCa, { subject });
    const d = describeCertificate(cert.x509);
    t.equal(d.subjectDN, expected, subject);
    t.ok(dnEquals(d.subjectDN, subject), `printed name matches the requested one: ${subject}`);
    t.equal(parseDN(d.subjectDN).length, parseDN(subject).length);
  }
});

t.test('multi-valued RDN members are rendered from the certificate, not re-ordered into separate RDNs', async (t) => {
  const pki = await makeTestPki();
  const cert = await issueCertificate(pki.rootCa, { subject: 'CN=a+OU=b,O=c' });
  const dn = parseDN(describeCertificate(cert.x509).subjectDN);
  t.equal(dn.length, 2);
  t.equal(dn[0]!.length, 2);
  // Node's own rendering flattens the RDN set: one of the reasons we parse the DER ourselves.
  t.match(cert.x509.subject, /CN=a/);
});

t.test('IPv6 SANs print in RFC 5952 form', async (t) => {
  const pki = await makeTestPki();
  const cert = await issueCertificate(pki.rootCa, {
    subject: 'CN=ip',
    san: { ip: ['2001:0DB8:0000:0000:0001:0000:0000:0001', '::ffff:192.0.2.1', '0:0:0:0:0:0:0:1', '10.0.0.1'] },
  });
  t.same(describeCertificate(cert.x509).san.ip, ['2001:db8::1:0:0:1', '::ffff:c000:201', '::1', '10.0.0.1']);
});
