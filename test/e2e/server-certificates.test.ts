// An RSA and an ECDSA server certificate on one listener and on one SNI host (issue 13: "an RSA
// and an ECDSA certificate may both be given"): a client that only verifies RSA signatures gets the
// RSA certificate, the others the ECDSA one, on real handshakes. Config mistakes name file, line
// and key.
import t from 'tap';
import https from 'node:https';
import { writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { checkConfig } from '../../src/config/load-config.js';
import { makeTestPki } from '../helpers/pki.js';
import { startRecordingUpstream, startTestGateway, tempDir, writeFiles } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const LOCALHOST = { dns: ['localhost', 'mtls.localhost'], ip: ['127.0.0.1'] };
const [rsa, ec, ec2] = await Promise.all([
  issueCertificate(pki.rootCa, { subject: 'CN=localhost,O=rsa', keyAlgorithm: 'rsa-2048', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
  issueCertificate(pki.rootCa, { subject: 'CN=localhost,O=ecdsa', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
  issueCertificate(pki.rootCa, { subject: 'CN=localhost,O=ecdsa two', san: LOCALHOST, extendedKeyUsage: ['serverAuth'] }),
]);
const dir = await tempDir('certgate-dual-cert-');
await writeFiles(dir, {
  'rsa.pem': rsa.certPem,
  'rsa-key.pem': rsa.keyPem,
  'ec.pem': ec.certPem,
  'ec-key.pem': ec.keyPem,
  'ec2.pem': ec2.certPem,
  'ec2-key.pem': ec2.keyPem,
  'ca.pem': pki.rootCa.certPem,
});
const upstream = await startRecordingUpstream();
t.teardown(() => upstream.close());

const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: public
    listen: 127.0.0.1:0
    tls: { cert: [rsa.pem, ec.pem], key: [rsa-key.pem, ec-key.pem] }
    clientAuth: { mode: off }
    hosts:
      - serverNames: [mtls.localhost]
        tls: { cert: [ec2.pem, rsa.pem], key: [ec2-key.pem, rsa-key.pem] }
        clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: ${upstream.url} }
routes:
  - { name: app, match: { pathPrefix: / }, upstream: app, clientCert: optional }
`,
);
t.teardown(() => gw.close());

const RSA_ONLY = 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256';
const ECDSA_ONLY = 'ecdsa_secp256r1_sha256';

/** One request; returns the status and the subject O= of the certificate the server presented. */
function presented(servername: string, sigalgs: string, client?: { certPem: string; keyPem: string }): Promise<{ status: number; org: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: gw.port(),
        servername,
        path: '/',
        ca: pki.rootCa.certPem,
        sigalgs,
        cert: client?.certPem,
        key: client?.keyPem,
        headers: { host: servername },
        agent: false,
      },
      (res) => {
        const der = (res.socket as import('node:tls').TLSSocket).getPeerX509Certificate()!.raw;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, org: /O=([^\n]+)/.exec(new X509Certificate(der).subject)![1]! }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

t.test('the listener: RSA for a client that verifies only RSA, ECDSA for one that verifies only ECDSA', async (t) => {
  t.same(await presented('localhost', RSA_ONLY), { status: 200, org: 'rsa' });
  t.same(await presented('localhost', ECDSA_ONLY), { status: 200, org: 'ecdsa' });
});

t.test('an SNI host has its own pair', async (t) => {
  // sigalgs also limit what the client signs with: an RSA client certificate for the RSA-only client.
  t.same(await presented('mtls.localhost', RSA_ONLY, pki.clientRsa), { status: 200, org: 'rsa' });
  t.same(await presented('mtls.localhost', ECDSA_ONLY, pki.client), { status: 200, org: 'ecdsa two' });
});

async function issues(tls: string): Promise<{ key: string; message: string; line?: number }[]> {
  const file = `${dir}/bad-${Math.random().toString(36).slice(2)}.yaml`;
  await writeFile(
    file,
    `listeners:
  - name: public
    listen: 127.0.0.1:0
    tls: ${tls}
    clientAuth: { mode: off }
upstreams:
  app: { url: http://127.0.0.1:1 }
routes:
  - { name: app, match: { pathPrefix: / }, upstream: app, clientCert: optional }
`,
  );
  return (await checkConfig(file, { env: {} })).errors.map((e) => ({ key: e.key, message: e.message, line: e.line }));
}

t.test('config mistakes name the key and line', async (t) => {
  t.match(await issues('{ cert: [rsa.pem, ec.pem], key: [rsa-key.pem] }'), [
    { key: 'listeners[0].tls.key', line: 4, message: 'expected one key per certificate, in the same order: 2 certificate(s), 1 key(s)' },
  ]);
  t.match(await issues('{ cert: [ec.pem, ec2.pem], key: [ec-key.pem, ec2-key.pem] }'), [{ key: 'listeners[0].tls.cert[1]', line: 4, message: /second ec certificate/ }]);
  t.match(await issues('{ cert: [rsa.pem, ec.pem], key: [ec-key.pem, rsa-key.pem] }'), [{ key: 'listeners[0].tls.key[0]' }, { key: 'listeners[0].tls.key[1]' }]);
  t.match(await issues('{ cert: [], key: [] }'), [{ key: 'listeners[0].tls.cert' }, { key: 'listeners[0].tls.key' }]);
});
