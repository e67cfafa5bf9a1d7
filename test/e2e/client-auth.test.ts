// Over real TLS: what each kind of client certificate gets, per listener verify mode.
import t from 'tap';
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { makeTestPki } from '../helpers/pki.js';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);

const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: strict
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem], verifyDepth: 1 }
  - name: optional
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem], verifyDepth: 1 }
  - name: pinned
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional_no_ca, trustedCAs: [ca.pem] }
  - name: handshake
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem], rejectAtHandshake: true }
upstreams:
  app:
    url: ${upstream.url}
routes:
  - name: public
    match: { pathPrefix: /public/ }
    upstream: app
    clientCert: optional
  - name: app
    match: { pathPrefix: / }
    upstream: app
    clientCert: required
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;
const x5t = (der: Buffer): string => createHash('sha256').update(der).digest('base64url');
const last = () => upstream.received[upstream.received.length - 1]!;

t.test('a valid chain is forwarded with its certificate and SUCCESS', async (t) => {
  const before = upstream.received.length;
  const res = await mtlsRequest({ port: gw.port('strict'), ca, cert: pki.client.certPem, key: pki.client.keyPem, path: '/x' });
  t.equal(res.status, 200);
  t.equal(upstream.received.length, before + 1);
  t.equal(last().headers['x-client-verify'], 'SUCCESS');
  t.equal(last().headers['x-client-cert-thumbprint'], x5t(pki.client.der));
  t.equal(decodeURIComponent(String(last().headers['x-client-cert'])), pki.client.x509.toString());
  t.equal(last().headers['x-client-subject-dn'], 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP');
});

t.test('an RSA-2048 client is forwarded too', async (t) => {
  const res = await mtlsRequest({ port: gw.port('strict'), ca, cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });
  t.equal(res.status, 200);
  t.equal(last().headers['x-client-cert-thumbprint'], x5t(pki.clientRsa.der));
});

t.test('no certificate on a require listener: 401 CLIENT_CERT_REQUIRED', async (t) => {
  const res = await mtlsRequest({ port: gw.port('strict'), ca });
  t.equal(res.status, 401);
  t.match(res.json(), { error: 'invalid_client', code: 'CLIENT_CERT_REQUIRED' });
});

t.test('optional listener: no certificate passes an optional route, not a required one', async (t) => {
  const open = await mtlsRequest({ port: gw.port('optional'), ca, path: '/public/a' });
  t.equal(open.status, 200);
  t.equal(last().headers['x-client-verify'], 'NONE');
  t.equal(last().headers['x-client-cert'], undefined);
  const closed = await mtlsRequest({ port: gw.port('optional'), ca, path: '/private' });
  t.equal(closed.status, 401);
  t.match(closed.json(), { code: 'CLIENT_CERT_REQUIRED' });
});

const invalid: Array<[string, () => { cert: string; key: string }, RegExp]> = [
  ['expired', () => ({ cert: pki.clientExpired.certPem, key: pki.clientExpired.keyPem }), /expired/],
  ['not yet valid', () => ({ cert: pki.clientNotYetValid.certPem, key: pki.clientNotYetValid.keyPem }), /not yet valid/],
  ['unknown CA', () => ({ cert: pki.clientUnknownCa.certPem, key: pki.clientUnknownCa.keyPem }), /trusted CA/],
  ['chain longer than verifyDepth', () => ({ cert: chainPem(pki.deepChain.client), key: pki.deepChain.client.keyPem }), /verifyDepth/],
  ['serverAuth-only EKU', () => ({ cert: pki.clientServerAuthOnly.certPem, key: pki.clientServerAuthOnly.keyPem }), /client authentication/],
  ['self-signed', () => ({ cert: pki.clientSelfSigned.certPem, key: pki.clientSelfSigned.keyPem }), /self-signed/],
];

for (const [name, creds, reason] of invalid) {
  t.test(`${name}: 401 CLIENT_CERT_INVALID with the reason, on require and optional`, async (t) => {
    const before = upstream.received.length;
    for (const listener of ['strict', 'optional']) {
      const res = await mtlsRequest({ port: gw.port(listener), ca, ...creds() });
      t.equal(res.status, 401, listener);
      const body = res.json();
      t.equal(body.code, 'CLIENT_CERT_INVALID');
      t.equal(body.error, 'invalid_client');
      t.match(body.error_description, reason);
    }
    t.equal(upstream.received.length, before, 'nothing reached the upstream');
  });
}

t.test('the rejection is logged as a security event with the reason', async (t) => {
  const line = gw.logs.find((l) => l.event === 'client_cert_rejected' && l.reason === 'CERT_HAS_EXPIRED');
  t.ok(line, 'security log line for the expired certificate');
  t.equal(line?.code, 'CLIENT_CERT_INVALID');
});

t.test('optional_no_ca: a self-signed certificate is forwarded with FAILED:<reason> and its thumbprint', async (t) => {
  const res = await mtlsRequest({ port: gw.port('pinned'), ca, cert: pki.clientSelfSigned.certPem, key: pki.clientSelfSigned.keyPem });
  t.equal(res.status, 200);
  t.equal(last().headers['x-client-verify'], 'FAILED:DEPTH_ZERO_SELF_SIGNED_CERT');
  t.equal(last().headers['x-client-cert-thumbprint'], x5t(pki.clientSelfSigned.der));
  t.equal(decodeURIComponent(String(last().headers['x-client-cert'])), pki.clientSelfSigned.x509.toString());
});

t.test('optional_no_ca still refuses an expired certificate, as nginx does', async (t) => {
  const res = await mtlsRequest({ port: gw.port('pinned'), ca, cert: pki.clientExpired.certPem, key: pki.clientExpired.keyPem });
  t.equal(res.status, 401);
  t.equal(res.json().code, 'CLIENT_CERT_INVALID');
});

t.test('rejectAtHandshake: an untrusted certificate fails the TLS handshake itself', async (t) => {
  const outcome = await new Promise<string>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: gw.port('handshake'), servername: 'localhost', ca, cert: pki.clientUnknownCa.certPem, key: pki.clientUnknownCa.keyPem });
    socket.on('secureConnect', () => {
      // TLS 1.3: the client finishes before the server has judged its certificate.
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    socket.on('data', () => resolve('answered'));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(`error:${err.code ?? err.message}`));
    socket.on('close', () => resolve('closed'));
  });
  t.not(outcome, 'answered', `the connection was not served (${outcome})`);
  const ok = await mtlsRequest({ port: gw.port('handshake'), ca, cert: pki.client.certPem, key: pki.client.keyPem });
  t.equal(ok.status, 200, 'a valid client still gets through');
});
