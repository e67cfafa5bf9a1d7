// Virtual hosts by SNI (listeners[].hosts): one address, two hosts, each with its own server
// certificate, client-auth mode, trust anchors, revocation and session-ticket keys. Real TLS
// clients (Node and openssl s_client) against the real gateway; certificates made at test time.
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { spawn } from 'node:child_process';
import { makeTestPki } from '../helpers/pki.js';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { listenerDir, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';
import { waitUntil } from '../helpers/wait-for.js';

const MTLS = 'mtls.idp.example.com';
const pki = await makeTestPki();
const mtlsServer = await issueCertificate(pki.rootCa, { subject: `CN=${MTLS},O=certgate test`, san: { dns: [MTLS] }, extendedKeyUsage: ['serverAuth'] });
const dir = await listenerDir(pki, { 'mtls.pem': mtlsServer.certPem, 'mtls-key.pem': mtlsServer.keyPem, 'crl.pem': pki.crl.pem });
const upstream = await startRecordingUpstream();
const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: public
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
    limits: { handshakeTimeout: 1500ms }
    hosts:
      - serverNames: [${MTLS}]
        tls: { cert: mtls.pem, key: mtls-key.pem }
        clientAuth: { mode: require, trustedCAs: [ca.pem] }
        revocation: { check: leaf, sources: [crl], crl: { files: [crl.pem] } }
  - name: behind-lb
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
    proxyProtocol: { accept: v1, from: [127.0.0.1/32], required: true }
    hosts:
      - serverNames: [${MTLS}]
        tls: { cert: mtls.pem, key: mtls-key.pem }
        clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app:
    url: ${upstream.url}
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app, clientCert: optional }
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

interface Exchange {
  readonly status: number;
  readonly body: string;
  /** CN of the server certificate the client saw. */
  readonly serverCn: string;
  readonly reused: boolean;
  readonly session: Buffer | undefined;
}

interface ExchangeOptions {
  readonly servername?: string;
  readonly host: string;
  readonly cert?: { certPem: string; keyPem: string };
  readonly session?: Buffer;
  readonly listener?: string;
  /** Written on the TCP connection before the TLS handshake starts. */
  readonly proxyHeader?: string;
}

/** One request on a fresh TLS connection; `servername` undefined sends no SNI (Node sends none for an IP). */
function exchange(o: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let ticket: Buffer | undefined;
    let data = '';
    let reused = false;
    let serverCn = '';
    let tcp: net.Socket | undefined;
    if (o.proxyHeader !== undefined) {
      tcp = net.connect(gw.port(o.listener), '127.0.0.1');
      tcp.write(o.proxyHeader);
    }
    const socket = tls.connect({
      ...(tcp ? { socket: tcp } : { host: '127.0.0.1', port: gw.port(o.listener) }),
      ...(o.servername !== undefined ? { servername: o.servername } : {}),
      ca: pki.rootCa.certPem,
      // The chain is verified; the name is what the test asserts on.
      checkServerIdentity: () => undefined,
      ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
      ...(o.session ? { session: o.session } : {}),
    });
    socket.on('session', (s: Buffer) => (ticket = s));
    socket.on('secureConnect', () => {
      reused = socket.isSessionReused();
      serverCn = String((socket.getPeerCertificate() as Partial<tls.PeerCertificate>).subject?.CN);
      socket.write(`GET /p HTTP/1.1\r\nHost: ${o.host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (c: Buffer) => (data += c.toString()));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4), serverCn, reused, session: ticket });
    });
  });
}

const client = { certPem: pki.client.certPem, keyPem: pki.client.keyPem };

t.test('the ClientHello SNI picks the server certificate and client-auth mode', async (t) => {
  const mtls = await exchange({ servername: MTLS, host: MTLS, cert: client });
  t.equal(mtls.serverCn, MTLS, 'the mtls host presents its own certificate');
  t.equal(mtls.status, 200);
  t.equal(upstream.received.at(-1)?.headers['x-client-verify'], 'SUCCESS', 'and verified the client certificate');

  const noCert = await exchange({ servername: MTLS, host: MTLS });
  t.equal(noCert.status, 401, 'the mtls host requires a certificate');
  t.match(JSON.parse(noCert.body), { code: 'CLIENT_CERT_REQUIRED' });

  const named = await exchange({ servername: 'localhost', host: 'localhost' });
  t.equal(named.serverCn, 'localhost', 'the default host presents the listener certificate');
  t.equal(named.status, 200, 'and asks for no client certificate');
});

t.test('no SNI and an unknown name go to the default host', async (t) => {
  const none = await exchange({ host: 'idp.example.com' });
  t.equal(none.serverCn, 'localhost');
  t.equal(none.status, 200);
  const unknown = await exchange({ servername: 'other.example.com', host: 'other.example.com' });
  t.equal(unknown.serverCn, 'localhost');
  t.equal(unknown.status, 200);
  const upper = await exchange({ servername: 'MTLS.IDP.Example.COM', host: MTLS, cert: client });
  t.equal(upper.serverCn, MTLS, 'SNI is matched without regard to case');
});

t.test('a request for another host than the connection was made for gets 421', async (t) => {
  const onMtls = await exchange({ servername: MTLS, host: 'localhost', cert: client });
  t.equal(onMtls.status, 421);
  t.match(JSON.parse(onMtls.body), { error: 'misdirected_request', code: 'MISDIRECTED_REQUEST' });
  const right = await exchange({ servername: MTLS, host: MTLS, cert: client });
  t.equal(right.status, 200, 'the right name right after a wrong one is served');
  const wrongAgain = await exchange({ servername: MTLS, host: 'localhost', cert: client });
  t.equal(wrongAgain.status, 421, 'and the wrong one after it is refused again');

  const onDefault = await exchange({ servername: 'localhost', host: `${MTLS}:443` });
  t.equal(onDefault.status, 421, "the default host refuses the mtls host's name");
  t.match(JSON.parse(onDefault.body), { code: 'MISDIRECTED_REQUEST' });

  const noSni = await exchange({ host: MTLS.toUpperCase() });
  t.equal(noSni.status, 421, 'also without SNI, and whatever the case of Host');

  const portAndCase = await exchange({ servername: MTLS, host: `MTLS.idp.example.com:${gw.port()}`, cert: client });
  t.equal(portAndCase.status, 200, 'Host is compared without port and case');
  const count = upstream.received.length;
  await exchange({ servername: MTLS, host: 'localhost', cert: client });
  t.equal(upstream.received.length, count, 'a misdirected request is not forwarded');
});

t.test('a session never resumes on another host', async (t) => {
  const first = await exchange({ servername: 'localhost', host: 'localhost' });
  t.ok(first.session, 'the default host issued a session ticket');
  const again = await exchange({ servername: 'localhost', host: 'localhost', session: first.session! });
  t.ok(again.reused, 'the ticket resumes on the host that issued it');
  const other = await exchange({ servername: MTLS, host: MTLS, cert: client, session: first.session! });
  t.notOk(other.reused, 'but not on the mtls host');
  t.equal(other.serverCn, MTLS);
  t.equal(other.status, 200, 'which ran a full handshake with the client certificate');
  t.equal(upstream.received.at(-1)?.headers['x-client-verify'], 'SUCCESS');
});

/** openssl s_client's handshake state trace (-state), with stdin closed right away. */
function opensslStates(servername: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${gw.port()}`, '-servername', servername, '-state', '-CAfile', `${dir}/ca.pem`, ...extra], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
    child.stdin.end();
  });
}

t.test('only the mtls host sends a CertificateRequest', async (t) => {
  const main = await opensslStates('localhost');
  t.match(main, /read server certificate\b/, 'the handshake ran');
  t.notMatch(main, /certificate request/i, 'the default host never asks a browser for a certificate');
  const main12 = await opensslStates('localhost', ['-tls1_2']);
  t.match(main12, /read server certificate\b/);
  t.notMatch(main12, /certificate request/i, 'nor over TLS 1.2');
  const mtls = await opensslStates(MTLS);
  t.match(mtls, /read server certificate request/, 'the mtls host does');
});

t.test('revocation is checked per host', async (t) => {
  const revoked = await exchange({ servername: MTLS, host: MTLS, cert: { certPem: pki.clientRevoked.certPem, keyPem: pki.clientRevoked.keyPem } });
  t.equal(revoked.status, 401);
  t.match(JSON.parse(revoked.body), { code: 'CLIENT_CERT_REVOKED' });
});

t.test('a client that sends half a ClientHello is closed after the handshake timeout; others are served', async (t) => {
  const loris = net.connect(gw.port(), '127.0.0.1');
  const closed = new Promise<void>((resolve) => loris.on('close', () => resolve()));
  loris.on('error', () => undefined);
  // A record announcing a 512-byte ClientHello, and only its first bytes.
  loris.write(Buffer.from([0x16, 3, 1, 2, 4, 1, 0, 2, 0, 3, 3, 9, 9, 9]));
  let received = 0;
  loris.on('data', (c: Buffer) => (received += c.length));
  const meanwhile = await exchange({ servername: MTLS, host: MTLS, cert: client });
  t.equal(meanwhile.status, 200, 'another client is served while the slow one waits');
  t.equal(loris.destroyed, false, 'the slow client is still waiting');
  await closed;
  t.equal(received, 0, 'it was closed without an answer');
  await waitUntil(() => gw.logs.find((l) => l.event === 'tls_handshake_failed' && l.reason === 'ERR_TLS_HANDSHAKE_TIMEOUT') !== undefined, {
    what: 'the handshake timeout log line',
  });
});

t.test('slow clients that came at different times are each closed at the handshake timeout; one that leaves is not counted', async (t) => {
  const timeouts = async (): Promise<number> => {
    const metric = await gw.gateway.metrics.registry.getSingleMetricAsString('certgate_limits_reached_total');
    return Number(/certgate_limits_reached_total\{listener="public",limit="handshake_timeout"\} (\d+)/.exec(metric)?.[1] ?? 0);
  };
  const before = await timeouts();
  const halfHello = (): { socket: net.Socket; closed: Promise<void> } => {
    const socket = net.connect(gw.port(), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0x16, 3, 1, 2, 4, 1, 0, 2, 0, 3, 3, 9, 9, 9]));
    return { socket, closed: new Promise<void>((resolve) => socket.on('close', () => resolve())) };
  };
  const first = halfHello();
  const leaving = halfHello();
  // Served in between: the second slow client comes a full exchange later than the first.
  t.equal((await exchange({ servername: MTLS, host: MTLS, cert: client })).status, 200);
  const second = halfHello();
  leaving.socket.destroy();
  // Closed by the gateway (counted before the close), or this waits for ever.
  await Promise.all([first.closed, second.closed]);
  t.equal(await timeouts(), before + 2, 'both timed out; the client that left by itself is not counted');
});

t.test('bytes that are not a ClientHello are closed; the gateway keeps serving', async (t) => {
  for (const garbage of [Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'), Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0]), Buffer.alloc(64, 0xff)]) {
    const socket = net.connect(gw.port(), '127.0.0.1');
    socket.on('error', () => undefined);
    let received = 0;
    socket.on('data', (c: Buffer) => (received += c.length));
    socket.write(garbage);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    t.equal(received, 0, `closed without an answer: ${garbage.subarray(0, 8).toString('hex')}`);
  }
  const after = await exchange({ servername: MTLS, host: MTLS, cert: client });
  t.equal(after.status, 200);
  const metric = await gw.gateway.metrics.registry.getSingleMetricAsString('certgate_tls_handshake_failures_total');
  t.match(metric, /certgate_tls_handshake_failures_total\{listener="public",reason="client_hello_invalid"\} 3/);
});

t.test("replaceTrust with a server name swaps that host's anchors and ticket keys only", async (t) => {
  const first = await exchange({ servername: MTLS, host: MTLS, cert: client });
  t.equal(first.status, 200);
  gw.gateway.replaceTrust('public', [{ path: 'unknown-ca.pem', pem: pki.unknownCa.certPem, certificates: [pki.unknownCa.x509] }], MTLS);
  const resumed = await exchange({ servername: MTLS, host: MTLS, cert: client, session: first.session! });
  t.notOk(resumed.reused, "the host's ticket keys were rotated");
  t.equal(resumed.status, 401, 'the client is now refused on the mtls host');
  t.match(JSON.parse(resumed.body), { code: 'CLIENT_CERT_INVALID' });
  const main = await exchange({ servername: 'localhost', host: 'localhost' });
  t.equal(main.status, 200, 'the default host is untouched');
  t.throws(() => gw.gateway.replaceTrust('public', [], 'nope.example.com'), /no host nope.example.com/);
  gw.gateway.replaceTrust('public', [{ path: 'ca.pem', pem: pki.rootCa.certPem, certificates: [pki.rootCa.x509] }], MTLS);
});

t.test('behind a PROXY-protocol load balancer, the header is read first, then the SNI', async (t) => {
  const header = 'PROXY TCP4 192.0.2.7 127.0.0.1 5555 443\r\n';
  const mtls = await exchange({ listener: 'behind-lb', proxyHeader: header, servername: MTLS, host: MTLS, cert: client });
  t.equal(mtls.serverCn, MTLS);
  t.equal(mtls.status, 200);
  t.equal(upstream.received.at(-1)?.headers['x-forwarded-for'], '192.0.2.7', 'the client address from the PROXY header');
  t.equal(upstream.received.at(-1)?.headers['x-client-verify'], 'SUCCESS');
  const main = await exchange({ listener: 'behind-lb', proxyHeader: header, servername: 'localhost', host: 'localhost' });
  t.equal(main.serverCn, 'localhost');
  t.equal(main.status, 200);
});

t.test('a drain closes idle keep-alive connections of every host without cutting them', async (t) => {
  let head = '';
  const idle = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: gw.port(), servername: MTLS, ca: pki.rootCa.certPem, cert: client.certPem, key: client.keyPem });
    socket.on('error', reject);
    socket.on('secureConnect', () => socket.write(`GET /p HTTP/1.1\r\nHost: ${MTLS}\r\n\r\n`));
    socket.on('data', (c: Buffer) => {
      head += c.toString();
      if (head.includes('\r\n\r\n')) resolve(socket);
    });
  });
  t.match(head, /^HTTP\/1\.1 200 /, 'a keep-alive connection on the mtls host, now idle');
  const closed = new Promise<void>((resolve) => idle.on('close', () => resolve()));
  const { cut } = await gw.gateway.close(10_000);
  await closed;
  t.equal(cut, 0, 'the idle connection was closed by the drain, not cut at the deadline');
});
