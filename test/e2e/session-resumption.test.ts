// TLS session resumption: Node keeps only the leaf and the original verdict of a resumed session,
// and OpenSSL does not re-verify it. The gateway must still forward the right certificate and
// chain, and must not let a session resumed after a trust change skip verification.
import t from 'tap';
import tls from 'node:tls';
import { makeTestPki } from '../helpers/pki.js';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import type { CertificateFile } from '../../src/config/types.js';
import { startRecordingUpstream, startTestGateway, listenerDir } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem, maxVersion: TLSv1.3 }
    clientAuth: { mode: require, trustedCAs: [ca.pem], verifyDepth: 2 }
upstreams:
  app:
    url: ${upstream.url}
    clientCert: { header: X-Client-Cert, format: der-base64, chainHeader: X-Client-Cert-Chain }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

interface Exchange {
  status: number;
  body: string;
  reused: boolean;
  session: Buffer | undefined;
}

/** One request on a fresh TLS connection, optionally resuming `session`; returns the new ticket. */
function exchange(cert: string, key: string, session?: Buffer, version: tls.SecureVersion = 'TLSv1.3'): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    let data = '';
    let reused = false;
    const socket = tls.connect({
      host: '127.0.0.1',
      port: gw.port(),
      servername: 'localhost',
      ca: pki.rootCa.certPem,
      cert,
      key,
      session,
      minVersion: version,
      maxVersion: version,
    });
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.on('secureConnect', () => {
      // Read now: once the socket is closed Node answers null.
      reused = socket.isSessionReused();
      socket.write('GET /r HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4), reused, session: ticket ?? session });
    });
  });
}

const last = () => upstream.received[upstream.received.length - 1]!;

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  t.test(`${version}: a resumed session forwards the same certificate and chain`, async (t) => {
    const leaf = pki.clientViaIntermediate;
    const first = await exchange(chainPem(leaf), leaf.keyPem, undefined, version);
    t.equal(first.status, 200);
    t.notOk(first.reused);
    const fullHeaders = { ...last().headers };
    t.ok(first.session, 'the server issued a session ticket');

    const second = await exchange(chainPem(leaf), leaf.keyPem, first.session, version);
    t.ok(second.reused, 'the second connection resumed the session');
    t.equal(second.status, 200);
    const h = last().headers;
    t.equal(h['x-client-cert'], leaf.der.toString('base64'), 'the leaf is forwarded after resumption');
    t.equal(h['x-client-cert-chain'], pki.intermediateCa.der.toString('base64'), 'and the chain from the full handshake');
    t.equal(h['x-client-cert-thumbprint'], expectedX5t(leaf.der));
    t.equal(h['x-client-verify'], 'SUCCESS');
    t.same(h['x-client-cert'], fullHeaders['x-client-cert']);
  });
}

t.test('after the trust anchors change, an old session cannot skip verification', async (t) => {
  const first = await exchange(pki.client.certPem, pki.client.keyPem);
  t.equal(first.status, 200);
  // Replace the anchors with a CA that did not issue the client's certificate.
  const replacement: CertificateFile = { path: 'unknown-ca.pem', pem: pki.unknownCa.certPem, certificates: [pki.unknownCa.x509] };
  gw.gateway.replaceTrust('main', [replacement]);
  const resumed = await exchange(pki.client.certPem, pki.client.keyPem, first.session);
  t.notOk(resumed.reused, 'ticket keys were rotated: the old session is not resumed');
  t.equal(resumed.status, 401, 'the full handshake re-verifies and refuses');
  t.match(resumed.body, /CLIENT_CERT_INVALID/);
  // Restore for the next test.
  gw.gateway.replaceTrust('main', [{ path: 'ca.pem', pem: pki.rootCa.certPem, certificates: [pki.rootCa.x509] }]);
});

t.test('a resumed session is re-evaluated against the current anchors even with the ticket still valid', async (t) => {
  const listener = gw.gateway.listeners.get('main')!;
  const first = await exchange(pki.client.certPem, pki.client.keyPem);
  t.equal(first.status, 200);
  // Change the anchors without rotating ticket keys (as a cluster sharing ticket keys would):
  // the resolver must notice the new trust generation on its own.
  listener.trust.replace([{ path: 'unknown-ca.pem', pem: pki.unknownCa.certPem, certificates: [pki.unknownCa.x509] }]);
  const resumed = await exchange(pki.client.certPem, pki.client.keyPem, first.session);
  t.ok(resumed.reused, 'the session was resumed (ticket keys unchanged)');
  t.equal(resumed.status, 401, 'but the leaf no longer chains to a trusted anchor');
  t.match(resumed.body, /CLIENT_CERT_INVALID/);
  listener.trust.replace([{ path: 'ca.pem', pem: pki.rootCa.certPem, certificates: [pki.rootCa.x509] }]);
  const again = await exchange(pki.client.certPem, pki.client.keyPem, first.session);
  t.equal(again.status, 200, 'trusted again once the anchor is back');
});
