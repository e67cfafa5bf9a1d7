// Every file a config names is read and parsed at load; a bad one is reported at the key that
// names it, with the file's path and never its contents.
import t from 'tap';
import { join } from 'node:path';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import { caNamesSize, MAX_CA_NAMES_BYTES } from '../../src/config/ca-names-limit.js';
import { bigSubjectCaBundle, LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

async function errorsOf(name: string, text: string): Promise<{ key: string; line?: number; message: string }[]> {
  const r = await checkConfig(write(pki.dir, name, text), { env: {} });
  return r.errors.map((e) => ({ key: e.key, ...(e.line !== undefined ? { line: e.line } : {}), message: e.message }));
}

t.test('bad PEM files name the file', async (t) => {
  const text = `${LISTENER.replace('[ca.pem]', '[not-a-cert.pem, broken.pem, server-key.pem]')}${UPSTREAM_AND_ROUTE}`;
  const errors = await errorsOf('bad-pem.yaml', text);
  t.same(
    errors.map((e) => e.key),
    ['listeners[0].clientAuth.trustedCAs[0]', 'listeners[0].clientAuth.trustedCAs[1]', 'listeners[0].clientAuth.trustedCAs[2]'],
  );
  t.equal(errors[0]!.line, lineOf(text, 'not-a-cert.pem'));
  t.match(errors[0]!.message, `CA certificate file ${join(pki.dir, 'not-a-cert.pem')} holds no certificate`);
  t.match(errors[1]!.message, `certificate #1 in ${join(pki.dir, 'broken.pem')} cannot be parsed`);
  t.match(errors[2]!.message, /holds a private key, not a certificate/);
  const key = readFileSync(join(pki.dir, 'server-key.pem'), 'utf8').split('\n')[1]!;
  for (const e of errors) t.notMatch(e.message, key, 'no key material in messages');
});

t.test('key/cert mismatch and swapped files', async (t) => {
  const mismatch = `${LISTENER.replace('key: server-key.pem', 'key: other-key.pem')}${UPSTREAM_AND_ROUTE}`;
  t.same(await errorsOf('mismatch.yaml', mismatch), [
    {
      key: 'listeners[0].tls.key',
      line: lineOf(mismatch, 'other-key.pem'),
      message: `private key ${join(pki.dir, 'other-key.pem')} does not match the certificate ${join(pki.dir, 'server.pem')}`,
    },
  ]);
  const swapped = `${LISTENER.replace('cert: server.pem, key: server-key.pem', 'cert: server-key.pem, key: server.pem')}${UPSTREAM_AND_ROUTE}`;
  const errors = await errorsOf('swapped.yaml', swapped);
  t.match(errors, [
    { key: 'listeners[0].tls.cert', message: /holds a private key, not a certificate \(are cert and key swapped\?\)/ },
    { key: 'listeners[0].tls.key', message: /holds no usable private key .*are cert and key swapped\?/ },
  ]);
  const missing = await errorsOf('missing.yaml', `${LISTENER.replace('server.pem', 'nope/server.pem')}${UPSTREAM_AND_ROUTE}`);
  t.match(missing, [{ key: 'listeners[0].tls.cert', message: `server certificate file ${join(pki.dir, 'nope/server.pem')} does not exist` }]);
});

t.test('CRL files: PEM bundles, DER, and files that are not CRLs', async (t) => {
  const text = `${LISTENER}    revocation:
      crl: { files: [ca.crl, ca-der.crl, ca.pem, broken.pem] }
${UPSTREAM_AND_ROUTE}`;
  const errors = await errorsOf('crl.yaml', text);
  t.same(
    errors.map((e) => e.key),
    ['listeners[0].revocation.crl.files[2]', 'listeners[0].revocation.crl.files[3]'],
  );
  t.match(errors[0]!.message, /holds no CRL/);
  // A DER certificate is a SEQUENCE too, but not a CertificateList.
  const notCrl = write(pki.dir, 'cert-as.crl', new X509Certificate(readFileSync(join(pki.dir, 'ca.pem'))).raw);
  const der = await errorsOf('crl-der.yaml', text.replace('ca.pem, broken.pem', notCrl));
  t.match(der, [{ key: 'listeners[0].revocation.crl.files[2]', message: /CRL #1 in .*cert-as\.crl is not a CertificateList/ }]);
});

t.test('revocation needs a usable source', async (t) => {
  const text = `${LISTENER}    revocation:
      check: chain
      sources: [crl]
${UPSTREAM_AND_ROUTE}`;
  t.match(await errorsOf('rev.yaml', text), [{ key: 'listeners[0].revocation.sources', message: /has no usable source.*every client would be rejected/ }]);
});

t.test('signature keys must fit alg', async (t) => {
  const sig = (alg: string, keyFile: string): string => `${LISTENER}upstreams:
  echo:
    url: http://127.0.0.1:9080
    signature: { alg: ${alg}, keyFile: ${keyFile}, keyId: k1 }
routes:
  - name: all
    upstream: echo
`;
  const load = (alg: string, keyFile: string) => loadConfig(write(pki.dir, 'sig.yaml', sig(alg, keyFile)), { env: {} });
  t.equal((await load('ed25519', 'ed25519.pem')).upstreams.get('echo')!.signature!.key.asymmetricKeyType, 'ed25519');
  t.equal((await load('ed25519', 'ed25519.jwk')).upstreams.get('echo')!.signature!.key.asymmetricKeyType, 'ed25519', 'JWK accepted');
  const ec = (await load('ecdsa-p256-sha256', 'p256.pem')).upstreams.get('echo')!.signature!;
  t.equal(ec.key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  t.equal(ec.keyPath, join(pki.dir, 'p256.pem'));
  const hmac = (await load('hmac-sha256', 'hmac.key')).upstreams.get('echo')!.signature!.key;
  t.equal(hmac.type, 'secret');
  t.equal(hmac.symmetricKeySize, 32, 'base64 text is decoded');
  t.equal((await load('hmac-sha256', 'hmac-raw.key')).upstreams.get('echo')!.signature!.key.symmetricKeySize, 42, 'binary used as is');

  const cases: [string, string, RegExp][] = [
    ['ed25519', 'p256.pem', /alg ed25519 needs an Ed25519 private key; .*p256\.pem holds an EC P-256 key/],
    ['ecdsa-p256-sha256', 'p384.pem', /needs an EC P-256 private key; .*p384\.pem holds an EC P-384 key/],
    ['ecdsa-p256-sha256', 'ed25519.jwk', /needs an EC P-256 private key; .* holds an ed25519 key/],
    ['hmac-sha256', 'ed25519.pem', /alg hmac-sha256 needs a secret key; .* holds a PEM PRIVATE KEY/],
    ['hmac-sha256', 'short-hmac.key', /is 16 bytes; at least 32 are needed/],
    ['ed25519', 'hmac.key', /alg ed25519 needs a private key \(PEM PKCS#8 or JWK\)/],
  ];
  for (const [alg, file, message] of cases) {
    const text = sig(alg, file);
    t.match(await errorsOf('sig-bad.yaml', text), [{ key: 'upstreams.echo.signature.keyFile', line: lineOf(text, 'keyFile'), message }], `${alg} with ${file}`);
  }
  const badAlg = sig('rsa-pss', 'p256.pem');
  t.match(await errorsOf('sig-alg.yaml', badAlg), [{ key: 'upstreams.echo.signature.alg', message: "expected one of ed25519 | ecdsa-p256-sha256 | hmac-sha256, got 'rsa-pss'" }]);
});

t.test('basic auth from a password file is trimmed', async (t) => {
  const text = `${LISTENER}upstreams:
  echo:
    url: http://127.0.0.1:9080
    auth: { basic: { username: gw, passwordFile: password.txt, header: X-Upstream-Auth } }
routes:
  - name: all
    upstream: echo
`;
  const basic = (await loadConfig(write(pki.dir, 'basic.yaml', text))).upstreams.get('echo')!.auth!.basic!;
  t.same(basic, { username: 'gw', password: 's3cret-from-file', header: 'X-Upstream-Auth', headerValue: `Basic ${Buffer.from('gw:s3cret-from-file').toString('base64')}` });
});

t.test('the 64 KiB CA-name limit', async (t) => {
  write(pki.dir, 'big-bundle.pem', bigSubjectCaBundle(pki.dir, 16));
  const text = `${LISTENER.replace('[ca.pem]', '[ca.pem, big-bundle.pem]')}${UPSTREAM_AND_ROUTE}`;
  const errors = await errorsOf('big.yaml', text);
  t.equal(errors.length, 1);
  t.match(errors[0], {
    key: 'listeners[0].clientAuth.trustedCAs',
    line: lineOf(text, 'big-bundle.pem'),
    message:
      /the subjects of the 17 trusted CA certificates take \d+ bytes in the TLS CertificateRequest, over the protocol limit of 65535; every handshake would fail\. Trust fewer anchors .* split the CAs across several listeners/,
  });
  const size = Number(/take (\d+) bytes/.exec(errors[0]!.message)![1]);
  t.ok(size > MAX_CA_NAMES_BYTES);

  // Fifteen of the same CAs fit.
  const loaded = await loadConfig(
    write(pki.dir, 'ok.yaml', `${LISTENER.replace('[ca.pem]', `[${Array.from({ length: 14 }, (_, i) => `bulk-${i}.pem`).join(', ')}]`)}${UPSTREAM_AND_ROUTE}`),
  );
  const files = loaded.listeners[0]!.clientAuth.trustedCAs;
  const fits = caNamesSize(files);
  t.ok(fits < MAX_CA_NAMES_BYTES && fits > 14 * 4000, `14 big CAs take ${fits} bytes`);
});
