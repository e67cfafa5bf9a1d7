// Through the real gateway over real TLS, with real `openssl ca` CAs and CRLs:
// - `check: chain` refuses a leaf whose intermediate CA was revoked by the root (`check: leaf` does not);
// - `overrides` matched by the trust anchor's x5t#S256 thumbprint switch checking off, or down to
//   `leaf`, for that CA only; a thumbprint of another CA changes nothing;
// - `sources: [crl]` never asks OCSP, even when the certificate names a responder (here one that
//   lies "good" and counts requests), while `sources: [ocsp, crl]` does.
import t from 'tap';
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeTestPki } from '../helpers/pki.js';
import { OpensslCa, type IssuedCert } from '../helpers/openssl-ca.js';
import { TestOcspResponder } from '../helpers/ocsp-responder.js';
import { mtlsRequest, startRecordingUpstream, startTestGateway, tempDir } from '../helpers/gateway-harness.js';
import { waitUntil } from '../helpers/wait-for.js';

const thumbprint = (ca: OpensslCa): string => createHash('sha256').update(ca.cert.raw).digest('base64url');

const pki = await makeTestPki();
const dir = await tempDir();
const rootA = new OpensslCa({ name: 'Override Root A' });
const icaRevoked = new OpensslCa({ name: 'Override Issuing A1', keyAlg: 'ec', parent: rootA });
const icaGood = new OpensslCa({ name: 'Override Issuing A2', keyAlg: 'ec', parent: rootA });
const rootB = new OpensslCa({ name: 'Override Root B' });
const stranger = new OpensslCa({ name: 'Override Stranger' }); // trusted by nobody: a decoy thumbprint

// rootA revokes the intermediate A1 (its entry in rootA's index has the intermediate's cert path).
rootA.revoke({ name: icaRevoked.name, certPath: icaRevoked.certPath, keyPath: '', pem: '', x509: icaRevoked.cert }, 'keyCompromise');
const underRevokedIca = icaRevoked.issue('under-revoked-ica.client');
const underGoodIca = icaGood.issue('under-good-ica.client');

// rootB's leaves name an OCSP responder that answers "good" for everything, signed by rootB.
const liar = new TestOcspResponder({ issuer: rootB.cert, signer: { key: createPrivateKey(readFileSync(rootB.keyPath)) } });
const liarUrl = await liar.start();
const revokedB = rootB.issue('revoked-b.client', { ocspUrl: liarUrl });
const goodB = rootB.issue('good-b.client', { ocspUrl: liarUrl });
rootB.revoke(revokedB, 'keyCompromise');

const crls: Record<string, OpensslCa> = { 'root-a.crl': rootA, 'ica-a1.crl': icaRevoked, 'ica-a2.crl': icaGood, 'root-b.crl': rootB };
for (const [name, ca] of Object.entries(crls)) await writeFile(path.join(dir, name), ca.gencrl({ hours: 2 }));
for (const [name, text] of Object.entries({
  'server.pem': pki.server.certPem,
  'server-key.pem': pki.server.keyPem,
  'root-a.pem': rootA.cert.toString(),
  'root-b.pem': rootB.cert.toString(),
}))
  await writeFile(path.join(dir, name), text);

const upstream = await startRecordingUpstream();
const files = '[root-a.crl, ica-a1.crl, ica-a2.crl, root-b.crl]';
const listener = (name: string, revocation: string): string => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [root-a.pem, root-b.pem], verifyDepth: 3 }
    revocation: ${revocation}`;
const gw = await startTestGateway(
  dir,
  `
listeners:${listener('chain', `{ check: chain, sources: [crl], crl: { files: ${files} } }`)}
${listener('leaf', `{ check: leaf, sources: [crl], crl: { files: ${files} } }`)}
${listener(
  'override',
  `
      check: chain
      sources: [crl]
      crl: { files: ${files} }
      overrides:
        - { issuer: { thumbprint: "${thumbprint(stranger)}" }, check: chain }
        - { issuer: { thumbprint: "${thumbprint(rootB)}" }, check: "off" }
        - { issuer: { thumbprint: "${thumbprint(rootA)}" }, check: leaf }`,
)}
${listener(
  'decoy',
  `
      check: chain
      sources: [crl]
      crl: { files: ${files} }
      overrides:
        - { issuer: { thumbprint: "${thumbprint(stranger)}" }, check: "off" }`,
)}
${listener('ocspFirst', `{ check: leaf, sources: [ocsp, crl], crl: { files: ${files} } }`)}
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await Promise.all([upstream.close(), liar.stop()]);
  await Promise.all([rootA, icaRevoked, icaGood, rootB, stranger].map((c) => c.close()));
});

/** The client sends its leaf and the intermediate (the listener trusts only the roots). */
const chainOf = (leaf: IssuedCert, ica?: OpensslCa): string => leaf.pem + (ica ? readFileSync(ica.certPath, 'utf8') : '');
const get = async (listenerName: string, leaf: IssuedCert, ica: OpensslCa | undefined, url: string) => {
  const res = await mtlsRequest({ port: gw.port(listenerName), ca: pki.rootCa.certPem, cert: chainOf(leaf, ica), key: readFileSync(leaf.keyPath, 'utf8'), path: url });
  await waitUntil(() => access(url) !== undefined, { what: `the access line of ${url}` });
  return res;
};
const access = (url: string) => gw.logs.lines.find((l) => l.event === 'access' && l.url === url);
const forwarded = (url: string) => upstream.received.some((r) => r.url === url);

t.test('check: chain refuses a leaf whose intermediate the root revoked; check: leaf does not look', async (t) => {
  const refused = await get('chain', underRevokedIca, icaRevoked, '/chain/under-revoked');
  t.equal(refused.status, 401, refused.body);
  t.match(refused.json(), { code: 'CLIENT_CERT_REVOKED', error_description: /intermediate/ });
  t.match(refused.json().error_description, /keyCompromise/);
  t.notOk(forwarded('/chain/under-revoked'), 'nothing forwarded');
  t.match(access('/chain/under-revoked'), { status: 401, revocation: 'crl:revoked' });

  const ok = await get('chain', underGoodIca, icaGood, '/chain/under-good');
  t.equal(ok.status, 200, ok.body);
  t.match(access('/chain/under-good'), { revocation: 'crl:good' });

  const leafOnly = await get('leaf', underRevokedIca, icaRevoked, '/leaf/under-revoked');
  t.equal(leafOnly.status, 200, 'check: leaf checks only the leaf (not revoked)');
  t.match(access('/leaf/under-revoked'), { revocation: 'crl:good' });
});

t.test("overrides by thumbprint: off for root B, leaf for root A, a stranger's thumbprint changes nothing", async (t) => {
  const b = await get('override', revokedB, undefined, '/override/revoked-b');
  t.equal(b.status, 200, 'revocation checking is off for root B (matched by thumbprint)');
  t.match(access('/override/revoked-b'), { status: 200, revocation: 'none:good' });

  const a = await get('override', underRevokedIca, icaRevoked, '/override/under-revoked');
  t.equal(a.status, 200, 'root A is checked at the leaf only (matched by thumbprint)');
  t.match(access('/override/under-revoked'), { revocation: 'crl:good' });

  const decoyB = await get('decoy', revokedB, undefined, '/decoy/revoked-b');
  t.equal(decoyB.status, 401, 'an override for another CA does not apply to root B');
  t.match(decoyB.json(), { code: 'CLIENT_CERT_REVOKED' });
  const decoyA = await get('decoy', underRevokedIca, icaRevoked, '/decoy/under-revoked');
  t.equal(decoyA.status, 401, 'nor to root A: the global check: chain applies');
  t.notOk(forwarded('/decoy/revoked-b') || forwarded('/decoy/under-revoked'), 'nothing forwarded');
});

t.test('sources: [crl] never asks the OCSP responder the certificate names; sources: [ocsp, crl] does', async (t) => {
  const before = liar.requests;
  const crlOnly = await get('leaf', revokedB, undefined, '/leaf/revoked-b');
  t.equal(crlOnly.status, 401, crlOnly.body);
  t.match(crlOnly.json(), { code: 'CLIENT_CERT_REVOKED', error_description: /according to crl/ });
  t.notOk(forwarded('/leaf/revoked-b'));
  const good = await get('leaf', goodB, undefined, '/leaf/good-b');
  t.equal(good.status, 200);
  t.match(access('/leaf/good-b'), { revocation: 'crl:good' });
  t.equal(liar.requests, before, 'no OCSP request was sent');

  // The same certificate where OCSP comes first: the (lying) responder is asked and believed.
  const viaOcsp = await get('ocspFirst', revokedB, undefined, '/ocsp-first/revoked-b');
  t.equal(liar.requests, before + 1, 'one OCSP request');
  t.equal(viaOcsp.status, 200, 'OCSP answered good first');
  t.match(access('/ocsp-first/revoked-b'), { revocation: 'ocsp:good' });
});
