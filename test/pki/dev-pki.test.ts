import t from 'tap';
import { createPrivateKey, createPublicKey, sign, verify, X509Certificate } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { DEV_CLIENT_SUBJECT, DEV_PKI_FILES, hasDevPki, writeDevPki } from '../../src/pki/dev-pki.js';
import { describeCertificate } from '../../src/identity/client-certificate.js';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

function certs(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
}

t.test('writeDevPki writes every file, fast, keys 0600', async (t) => {
  const dir = t.testdir();
  const started = performance.now();
  const pki = await writeDevPki(dir);
  const elapsed = performance.now() - started;
  t.comment(`dev PKI written in ${elapsed.toFixed(0)} ms`);
  t.ok(elapsed < 3000, 'well under a few seconds even on a loaded machine (about 0.3 s idle)');
  t.same(Object.keys(pki.paths).sort(), [...DEV_PKI_FILES].sort());
  for (const name of DEV_PKI_FILES) {
    const info = await stat(join(dir, name));
    t.ok(info.size > 0, `${name} written`);
    const secret = name.endsWith('-key.pem') || name === 'header-signing-ed25519.pem';
    t.equal(info.mode & 0o777, secret ? 0o600 : 0o644, `${name} mode`);
  }
  const readme = await readFile(join(dir, 'README.md'), 'utf8');
  for (const name of DEV_PKI_FILES) t.match(readme, `\`${name}\``, `README describes ${name}`);
});

t.test('dev PKI certificates parse, chain, and carry the right names and purposes', async (t) => {
  const dir = t.testdir();
  await writeDevPki(dir);
  const load = async (name: string) => certs(await readFile(join(dir, name), 'utf8'));
  const [ca] = await load('ca.pem');
  const [intermediate] = await load('intermediate-ca.pem');
  const [upstreamCa] = await load('upstream-ca.pem');
  const [server] = await load('server.pem');
  const [client] = await load('client.pem');
  const clientIntermediate = await load('client-intermediate.pem');
  const [revoked] = await load('client-revoked.pem');
  const [selfSigned] = await load('self-signed-client.pem');
  const [ocsp] = await load('ocsp-responder.pem');
  const [gateway] = await load('gateway-client.pem');
  const [upstreamServer] = await load('upstream-server.pem');

  t.ok(ca!.ca && ca!.checkIssued(ca!) && ca!.verify(ca!.publicKey), 'root is a self-signed CA');
  t.ok(upstreamCa!.ca && upstreamCa!.verify(upstreamCa!.publicKey), 'upstream CA is a self-signed CA');
  t.ok(intermediate!.ca && intermediate!.checkIssued(ca!) && intermediate!.verify(ca!.publicKey), 'intermediate issued by root');

  const issuedBy: Array<[string, X509Certificate, X509Certificate]> = [
    ['server', server!, ca!],
    ['client', client!, ca!],
    ['client-revoked', revoked!, ca!],
    ['ocsp-responder', ocsp!, ca!],
    ['gateway-client', gateway!, upstreamCa!],
    ['upstream-server', upstreamServer!, upstreamCa!],
  ];
  for (const [name, leaf, issuer] of issuedBy) {
    t.ok(leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey), `${name} chains to its CA`);
    t.notOk(leaf.ca, `${name} is not a CA`);
  }
  t.equal(clientIntermediate.length, 2, 'client-intermediate.pem holds leaf + intermediate');
  t.ok(clientIntermediate[0]!.verify(intermediate!.publicKey) && clientIntermediate[1]!.raw.equals(intermediate!.raw));
  // checkIssued() would also demand keyCertSign, which a self-signed leaf does not have.
  t.ok(selfSigned!.subject === selfSigned!.issuer && selfSigned!.verify(selfSigned!.publicKey), 'self-signed client is self-signed');
  t.notOk(selfSigned!.verify(ca!.publicKey), 'and not issued by the root');

  t.same(client!.keyUsage, [CLIENT_AUTH], 'client EKU clientAuth');
  t.same(gateway!.keyUsage, [CLIENT_AUTH], 'gateway-client EKU clientAuth');
  t.same(server!.keyUsage, [SERVER_AUTH], 'server EKU serverAuth');
  t.same(upstreamServer!.keyUsage, [SERVER_AUTH]);
  t.same(ocsp!.keyUsage, ['1.3.6.1.5.5.7.3.9'], 'OCSP responder EKU OCSPSigning');

  for (const [name, cert] of [
    ['server', server!],
    ['upstream-server', upstreamServer!],
  ] as const) {
    t.equal(cert.checkHost('localhost'), 'localhost', `${name} valid for localhost`);
    t.equal(cert.checkIP('127.0.0.1'), '127.0.0.1', `${name} valid for 127.0.0.1`);
    t.equal(cert.checkIP('::1'), '::1', `${name} valid for ::1`);
  }
  const described = describeCertificate(client!);
  t.equal(described.subjectDN, DEV_CLIENT_SUBJECT);
  t.equal(described.subjectDN, 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP');
  t.same(described.san.dns, ['client.example.org']);

  // Every key file matches its certificate.
  for (const base of ['ca', 'server', 'client', 'client-intermediate', 'client-revoked', 'self-signed-client', 'gateway-client', 'upstream-server']) {
    const key = createPrivateKey(await readFile(join(dir, `${base}-key.pem`)));
    const [cert] = await load(`${base}.pem`);
    t.ok(cert!.checkPrivateKey(key), `${base}-key.pem matches ${base}.pem`);
  }
});

t.test('ca.crl is signed by the root and lists exactly the revoked client', async (t) => {
  const dir = t.testdir();
  await writeDevPki(dir);
  const pem = await readFile(join(dir, 'ca.crl'), 'utf8');
  t.match(pem, /^-----BEGIN X509 CRL-----\n/, 'OpenSSL-readable PEM label');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const crl = pkijs.CertificateRevocationList.fromBER(der);
  const [ca] = certs(await readFile(join(dir, 'ca.pem'), 'utf8'));
  const [revoked] = certs(await readFile(join(dir, 'client-revoked.pem'), 'utf8'));
  const [client] = certs(await readFile(join(dir, 'client.pem'), 'utf8'));
  const serials = (crl.revokedCertificates ?? []).map((r) => Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex').toUpperCase().replace(/^00/, ''));
  t.same(serials, [revoked!.serialNumber.toUpperCase()]);
  t.notOk(serials.includes(client!.serialNumber.toUpperCase()));
  t.ok(crl.nextUpdate && crl.nextUpdate.value.getTime() > Date.now(), 'nextUpdate in the future');
  const signed = Buffer.from(crl.tbsView);
  const signature = Buffer.from(crl.signatureValue.valueBlock.valueHexView);
  t.ok(verify('sha256', signed, { key: ca!.publicKey, dsaEncoding: 'der' }, signature), 'CRL signature verifies with the root key');
});

t.test('header-signing key is an Ed25519 PKCS#8 key', async (t) => {
  const dir = t.testdir();
  await writeDevPki(dir);
  const pem = await readFile(join(dir, 'header-signing-ed25519.pem'), 'utf8');
  t.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  const key = createPrivateKey(pem);
  t.equal(key.asymmetricKeyType, 'ed25519');
  const sig = sign(null, Buffer.from('x'), key);
  t.ok(verify(null, Buffer.from('x'), createPublicKey(key), sig));
});

t.test('hasDevPki', async (t) => {
  const dir = t.testdir();
  t.equal(await hasDevPki(dir), false, 'empty dir');
  await writeDevPki(dir);
  t.equal(await hasDevPki(dir), true, 'complete');
  t.equal(await hasDevPki(dir, new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000)), false, 'leaves expired by then');
  await rm(join(dir, 'client-key.pem'));
  t.equal(await hasDevPki(dir), false, 'a file missing');
  await writeDevPki(dir);
  await writeFile(join(dir, 'server.pem'), 'garbage');
  t.equal(await hasDevPki(dir), false, 'a certificate unreadable');
  await writeDevPki(dir);
  await writeFile(join(dir, 'ca.crl'), 'garbage');
  t.equal(await hasDevPki(dir), false, 'CRL unreadable (or past nextUpdate)');
  // Regenerating over an existing dir resets modes too.
  await writeDevPki(dir);
  t.equal((await stat(join(dir, 'ca-key.pem'))).mode & 0o777, 0o600);
});
