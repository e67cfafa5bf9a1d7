// A resumed TLS session is re-checked for revocation. OpenSSL does not re-verify a resumed session
// and Node exposes only its leaf, so the gateway takes the chain from its identity cache and runs
// the per-connection revocation stage as for a full handshake: a session resumed after the
// certificate was revoked (CRL refreshed) is refused, even though the ticket is still valid.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { makeTestPki } from '../helpers/pki.js';
import { OpensslCa, type IssuedCert } from '../helpers/openssl-ca.js';
import { startRecordingUpstream, startTestGateway, tempDir } from '../helpers/gateway-harness.js';
import { probeUntil } from '../helpers/wait-for.js';

const pki = await makeTestPki();
const dir = await tempDir();
const ca = new OpensslCa({ name: 'Resumption CRL CA' });
const crlFile = path.join(dir, 'ca.crl');
async function publishCrl(): Promise<void> {
  await writeFile(`${crlFile}.tmp`, ca.gencrl({ hours: 1 }));
  await rename(`${crlFile}.tmp`, crlFile);
}
await publishCrl();
for (const [name, text] of Object.entries({ 'server.pem': pki.server.certPem, 'server-key.pem': pki.server.keyPem, 'ca.pem': ca.cert.toString() })) {
  await writeFile(path.join(dir, name), text);
}
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem, minVersion: TLSv1.2, maxVersion: TLSv1.3 }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: { check: leaf, sources: [crl], failMode: closed, crl: { files: [ca.crl], refresh: 1s } }
upstreams:
  app: { url: "${upstream.url}" }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
  await ca.close();
});

interface Exchange {
  readonly status: number;
  readonly body: string;
  readonly reused: boolean;
  readonly session: Buffer | undefined;
}

/** One request on a new TLS connection, resuming `session` when given; returns the newest ticket. */
function exchange(cert: IssuedCert, urlPath: string, version: tls.SecureVersion, session?: Buffer): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    let data = '';
    let reused = false;
    const socket = tls.connect({
      host: '127.0.0.1',
      port: gw.port(),
      servername: 'localhost',
      ca: pki.rootCa.certPem,
      cert: cert.pem,
      key: readFileSync(cert.keyPath),
      session,
      minVersion: version,
      maxVersion: version,
    });
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), body: data.slice(data.indexOf('\r\n\r\n') + 4), reused, session: ticket ?? session });
    });
  });
}

const forwarded = (url: string) => upstream.received.some((r) => r.url === url);

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  t.test(`${version}: a session resumed after the certificate was revoked gets 401`, async (t) => {
    const cert = ca.issue(`resumed-${version}.client`);
    const first = await exchange(cert, `/${version}/full`, version);
    t.equal(first.status, 200, 'full handshake, good');
    t.notOk(first.reused);
    t.ok(first.session, 'a session ticket was issued');

    const resumedGood = await exchange(cert, `/${version}/resumed-good`, version, first.session);
    t.ok(resumedGood.reused, 'resumed');
    t.equal(resumedGood.status, 200, 'a resumed session with a good certificate passes');

    ca.revoke(cert, 'keyCompromise');
    await publishCrl();
    // No full handshake with this certificate from here on: the resumed connection must find the
    // revocation itself, once the CRL is reloaded and the last good verdict has expired. Resume
    // again (always from the newest ticket) until the gateway's answer changes.
    let session = resumedGood.session;
    let n = 0;
    const tries = await probeUntil(
      async () => {
        const r = await exchange(cert, `/${version}/resumed-revoked/${++n}`, version, session);
        session = r.session;
        return { ...r, url: `/${version}/resumed-revoked/${n}` };
      },
      (r) => r.status !== 200,
      { what: 'the resumed session to be refused', attempts: 200, intervalMs: 50 },
    );
    const resumed = tries[tries.length - 1]!;
    t.ok(
      tries.every((r) => r.reused),
      `every connection was a resumed session (${tries.length})`,
    );
    t.equal(resumed.status, 401);
    t.match(resumed.body, /CLIENT_CERT_REVOKED/);
    t.notOk(forwarded(resumed.url), 'never forwarded');
    t.match(
      gw.logs.find((l) => l.event === 'access' && l.url === resumed.url),
      { status: 401, revocation: 'crl:revoked' },
    );
    // And it stays refused.
    const again = await exchange(cert, `/${version}/resumed-revoked/again`, version, session);
    t.ok(again.reused);
    t.equal(again.status, 401);
    t.notOk(forwarded(`/${version}/resumed-revoked/again`));
  });
}
