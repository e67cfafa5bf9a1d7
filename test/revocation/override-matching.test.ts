// Revocation overrides match the trust anchor's subject with the one DN normaliser,
// src/x509/distinguished-name.ts (RFC 4517 distinguishedNameMatch), not a second naive one
// (issue 7, finding 8):
// the override below is written with other case, spacing and escaping than the CA's subject,
// which holds a comma inside its CN and is encoded as a BMPString, and must still match.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { Registry } from 'prom-client';
import * as asn1js from 'asn1js';
import { RevocationChecker } from '../../src/revocation/revocation-checker.js';
import { captureLogger } from '../helpers/gateway-harness.js';
import { makeTestPki } from '../helpers/pki.js';
import { attribute, buildRawCertificate, nameOf, rawElement } from '../helpers/raw-certificate.js';
import { fixedTrust, revocationConfig } from './fixtures.js';

const pki = await makeTestPki();
const bmp = (text: string): asn1js.AsnType => rawElement(30, Buffer.from(text, 'utf16le').swap16());
// DER order: O first, then the CN; printed (RFC 4514 order) as "CN=Smith\, John CA,O=Example Org".
const anchor = new X509Certificate(
  buildRawCertificate({
    subject: nameOf([attribute('2.5.4.10', 'Example Org')], [attribute('2.5.4.3', bmp('Smith, John CA'))]),
  }).der,
);
const leaf = pki.client.x509;

function verdictWith(subjectDN: string) {
  const log = captureLogger();
  // CRL only, with no CRL: without the override the verdict is "unknown" and, failMode closed, refused.
  const checker = new RevocationChecker(revocationConfig({ check: 'leaf', sources: ['crl'], overrides: [{ issuer: { subjectDN }, check: 'off' }] }), {
    logger: log.logger,
    registry: new Registry(),
    trust: fixedTrust([anchor]),
  });
  t.teardown(() => checker.close());
  return checker.check([leaf, anchor]);
}

t.test('an override written differently from the CA subject still matches', async (t) => {
  for (const written of [
    'cn=smith\\, john ca, o=EXAMPLE ORG',
    'CN="Smith, John CA";O=Example  Org',
    'commonName=SMITH\\2C JOHN CA,organizationName=example org',
    '2.5.4.3=Smith\\, John CA,2.5.4.10=Example Org',
  ]) {
    t.match(await verdictWith(written), { status: 'good', admit: true, source: 'none', detail: /revocation checking is off/ }, written);
  }
});

t.test('an override naming another CA does not match', async (t) => {
  for (const written of ['CN=Smith,O=Example Org', 'CN=Smith\\, John CA', 'O=Example Org,CN=Smith\\, John CA']) {
    t.match(await verdictWith(written), { status: 'unknown', admit: false }, written);
  }
});
