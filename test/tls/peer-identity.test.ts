// The identify stage over real TLS: every new connection presenting a certificate already seen
// (same verdict, same trust generation) gets the very identity object of the first one, so the
// per-identity caches behind it (forwarded header values, access-log fields) are hit on a new
// connection too, not only on a keep-alive one. Full handshakes only: the client never offers a
// session.
import t, { type Test } from 'tap';
import path from 'node:path';
import tls, { type TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { createListenerRuntime } from '../../src/pipeline/listener-runtime.js';
import type { ClientIdentity } from '../../src/identity/types.js';
import { writeFiles, listenerDir } from '../helpers/gateway-harness.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';
import { makeTestPki, type IssuedCertificate } from '../helpers/pki.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);
await writeFiles(dir, {
  'gateway.yaml': `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
upstreams:
  app: { url: http://127.0.0.1:9 }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
});
const config = await loadConfig(path.join(dir, 'gateway.yaml'));
const runtime = await createListenerRuntime(config.listeners[0]!, pino({ level: 'silent' }), new Registry());

const resolved: ClientIdentity[] = [];
const server = tls.createServer({ cert: pki.server.certPem, key: pki.server.keyPem, ca: pki.rootCa.certPem, requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
  resolved.push(runtime.identities.resolve(socket));
  socket.end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
const port = (server.address() as { port: number }).port;

/** One new connection with a full handshake; the identity the server resolved for it. */
async function identityOf(t: Test, client: IssuedCertificate): Promise<ClientIdentity> {
  const before = resolved.length;
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect({ port, host: '127.0.0.1', cert: client.certPem, key: client.keyPem, ca: pki.rootCa.certPem, servername: 'localhost' });
    socket.on('error', reject);
    socket.on('close', () => resolve());
    socket.resume();
  });
  t.equal(resolved.length, before + 1, 'the server resolved one identity for the connection');
  return resolved[before]!;
}

t.test('a second connection with the same certificate gets the same identity object', async (t) => {
  const first = await identityOf(t, pki.client);
  const second = await identityOf(t, pki.client);
  t.equal(first.verify, 'SUCCESS');
  t.equal(first.certificate?.x5tS256, expectedX5t(pki.client.der), 'x5t#S256 of the client certificate');
  t.equal(second, first, 'the same object, so per-identity caches are hit');
});

t.test('another certificate, or the same one after the trust changed, gets its own identity', async (t) => {
  const ec = await identityOf(t, pki.client);
  const rsa = await identityOf(t, pki.clientRsa);
  t.not(rsa, ec);
  t.equal(rsa.certificate?.x5tS256, expectedX5t(pki.clientRsa.der));
  t.equal(rsa.verify, 'SUCCESS');

  runtime.identities.clear();
  const afterClear = await identityOf(t, pki.client);
  t.not(afterClear, ec, 'a cleared cache builds the identity again');
  t.equal(afterClear.certificate?.x5tS256, expectedX5t(pki.client.der));
});

t.test('a failed verdict is cached apart from a successful one', async (t) => {
  const unknown = await identityOf(t, pki.clientUnknownCa);
  t.equal(unknown.verify, 'FAILED');
  t.equal(unknown.verifyReason, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  t.equal(await identityOf(t, pki.clientUnknownCa), unknown, 'the failure is reused too');
  t.equal((await identityOf(t, pki.client)).verify, 'SUCCESS');
});
