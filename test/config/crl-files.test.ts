// CRL files named in config are read at load by the runtime's own CRL parser
// (src/x509/crl-parser.ts): what `certgate check` accepts is exactly what the revocation store can
// use, a CRL too large for pkijs loads, and a file only pkijs would take is refused at load.
import t from 'tap';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildCrl, serials } from '../../bench/revocation-crl-builder.mjs';
import { checkConfig } from '../../src/config/load-config.js';
import { parseCrl } from '../../src/x509/crl-parser.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const configWith = (file: string): string => `${LISTENER}    revocation:
      crl: { files: [${file}] }
${UPSTREAM_AND_ROUTE}`;

/** A CRL from the test root CA listing `count` serials, signed like a real one. */
function rootCrl(count: number): Buffer {
  const ca = new X509Certificate(readFileSync(join(pki.dir, 'ca.pem')));
  const issuerName = Buffer.from(pkijs.Certificate.fromBER(ca.raw).subject.toSchema().toBER());
  const key = createPrivateKey(readFileSync(join(pki.dir, 'ca-key.pem')));
  return buildCrl({ issuerName, key, entries: serials(count).map((serial) => ({ serial })) });
}

t.test('a 100,000-entry CRL file passes check, and config hands the runtime those exact bytes', async (t) => {
  const der = rootCrl(100_000);
  write(pki.dir, 'big.crl', der);
  const result = await checkConfig(write(pki.dir, 'big-crl.yaml', configWith('big.crl')), { env: {} });
  t.same(result.errors, []);
  const files = result.config!.listeners[0]!.revocation.crl.files;
  t.equal(files.length, 1);
  t.equal(files[0]!.path, join(pki.dir, 'big.crl'));
  t.equal(files[0]!.der.length, 1);
  t.ok(files[0]!.der[0]!.equals(der), 'the DER the revocation store will parse');
  t.equal(parseCrl(files[0]!.der[0]!).size, 100_000, 'every entry is there');
});

t.test('a CRL pkijs accepts but the runtime refuses fails check at its key and line', async (t) => {
  // RFC 5280 5.1.1.2: signatureAlgorithm must equal tbsCertList.signature. Swap the outer one
  // (the last OID in the DER) for another algorithm of the same length.
  const good = rootCrl(3);
  const ecdsaWithSha256 = Buffer.from('06082a8648ce3d040302', 'hex');
  const at = good.lastIndexOf(ecdsaWithSha256);
  t.ok(at > good.indexOf(ecdsaWithSha256), 'premise: the test CA signs with ecdsa-with-SHA256, named twice');
  const swapped = Buffer.from(good);
  swapped[at + ecdsaWithSha256.length - 1] = 0x03; // ecdsa-with-SHA384
  const schema = asn1js.fromBER(swapped).result;
  t.doesNotThrow(() => new pkijs.CertificateRevocationList({ schema }), 'premise: pkijs takes it as a CertificateList');

  const path = write(pki.dir, 'swapped.crl', swapped);
  const text = configWith('swapped.crl');
  const result = await checkConfig(write(pki.dir, 'swapped-crl.yaml', text), { env: {} });
  t.same(
    result.errors.map((e) => ({ key: e.key, line: e.line, message: e.message })),
    [
      {
        key: 'listeners[0].revocation.crl.files[0]',
        line: lineOf(text, 'swapped.crl'),
        message: `CRL #1 in ${path} is not a CertificateList: signatureAlgorithm differs from tbsCertList.signature`,
      },
    ],
  );

  const trailing = write(pki.dir, 'trailing.crl', Buffer.concat([good, Buffer.from([0, 0])]));
  const trailingResult = await checkConfig(write(pki.dir, 'trailing-crl.yaml', configWith('trailing.crl')), { env: {} });
  t.same(
    trailingResult.errors.map((e) => e.message),
    [`CRL #1 in ${trailing} is not a CertificateList: trailing data after CRL`],
  );
});

t.test('a corrupt CRL file reads as it always has', async (t) => {
  const path = write(pki.dir, 'broken.crl', '-----BEGIN X509 CRL-----\nMIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END X509 CRL-----\n');
  const text = configWith('broken.crl');
  const result = await checkConfig(write(pki.dir, 'broken-crl.yaml', text), { env: {} });
  t.same(
    result.errors.map((e) => ({ key: e.key, line: e.line, message: e.message })),
    [
      {
        key: 'listeners[0].revocation.crl.files[0]',
        line: lineOf(text, 'broken.crl'),
        message: `CRL #1 in ${path} is not valid DER: End of input reached before message was fully decoded (inconsistent offset and length values)`,
      },
    ],
  );

  const notSequence = write(pki.dir, 'integer.crl', Buffer.from('020101', 'hex'));
  const notSequenceResult = await checkConfig(write(pki.dir, 'integer-crl.yaml', configWith('integer.crl')), { env: {} });
  t.same(
    notSequenceResult.errors.map((e) => e.message),
    [`CRL file ${notSequence} holds no CRL (expected PEM '-----BEGIN X509 CRL-----' blocks or DER)`],
    'a file that is neither PEM nor a DER SEQUENCE',
  );
});
