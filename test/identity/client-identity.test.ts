// Real TLS handshakes (node:tls, loopback) with the test PKI: what Node reports after verifying a
// client certificate, and the identity built from it.
import t from 'tap';
import tls from 'node:tls';
import { createHash, type X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { buildIdentity, classifyVerifyFailure, peerChain, verifyReason } from '../../src/identity/client-identity.js';
import { chainPem, type IssuedCertificate } from '../../src/pki/certificate-factory.js';
import { CLIENT_SUBJECT, makeTestPki } from '../helpers/pki.js';

interface ServerView {
  readonly authorized: boolean;
  readonly authorizationError?: string;
  readonly leaf?: X509Certificate;
  /** The raw issuerCertificate links Node exposes, without any completion. */
  readonly linked: X509Certificate[];
  readonly reused: boolean;
}

interface ServerOptions {
  /** Server trust list; default: the root CA. */
  readonly ca?: string[];
  readonly version?: 'TLSv1.2' | 'TLSv1.3';
}

interface ClientOptions {
  readonly client?: IssuedCertificate;
  /** PEM the client presents; default: the client certificate alone. */
  readonly presented?: string;
  readonly session?: Buffer;
}

type HandshakeOptions = ServerOptions & ClientOptions;
type Connect = (opts: ClientOptions) => Promise<{ server: ServerView; session?: Buffer }>;

/** A requestCert server on loopback for the duration of `body`; `connect` makes one connection to it. */
async function withServer<T>(opts: ServerOptions, body: (connect: Connect) => Promise<T>): Promise<T> {
  const pki = await makeTestPki();
  const versions = opts.version ? { minVersion: opts.version, maxVersion: opts.version } : {};
  let seen: ServerView | undefined;
  const server = tls.createServer(
    {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: opts.ca ?? [pki.rootCa.certPem],
      requestCert: true,
      rejectUnauthorized: false,
      ...versions,
    },
    (socket) => {
      const leaf = socket.getPeerX509Certificate();
      const linked: X509Certificate[] = [];
      for (let c = leaf?.issuerCertificate; c && linked.length < 8; c = c.issuerCertificate) {
        linked.push(c);
        if (c.checkIssued(c)) break;
      }
      seen = {
        authorized: socket.authorized,
        ...((socket.authorizationError as Error | null) ? { authorizationError: String(socket.authorizationError) } : {}),
        ...(leaf ? { leaf } : {}),
        linked,
        reused: socket.isSessionReused(),
      };
      socket.end('bye');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const connect: Connect = async (c) => {
    seen = undefined;
    let session: Buffer | undefined;
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({
        port: (server.address() as AddressInfo).port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: pki.rootCa.certPem,
        ...(c.client ? { cert: c.presented ?? c.client.certPem, key: c.client.keyPem } : {}),
        ...(c.session ? { session: c.session } : {}),
        ...versions,
      });
      socket.on('session', (s: Buffer) => (session = s));
      socket.on('data', () => {});
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const view = seen as ServerView | undefined; // set by the server callback while awaiting
    if (!view) throw new Error('server saw no connection');
    return { server: view, ...(session ? { session } : {}) };
  };
  try {
    return await body(connect);
  } finally {
    server.close();
  }
}

/** One connection to a fresh server. */
function handshake(opts: HandshakeOptions): Promise<{ server: ServerView; session?: Buffer }> {
  return withServer(opts, (connect) => connect(opts));
}

const subjects = (chain: readonly X509Certificate[]) => chain.map((c) => c.subject.split('\n').at(-1));

t.test('a verified client: identity from a real handshake', async (t) => {
  const pki = await makeTestPki();
  const { server } = await handshake({ client: pki.client });
  t.equal(server.authorized, true);
  const chain = peerChain(server.leaf!, 16, [pki.rootCa.x509]);
  const identity = buildIdentity({ leaf: server.leaf!, chain, authorized: server.authorized });
  t.equal(identity.verify, 'SUCCESS');
  t.equal(identity.verifyReason, undefined);
  t.equal(identity.certificate!.x5tS256, createHash('sha256').update(pki.client.der).digest('base64url'));
  t.equal(identity.certificate!.subjectDN, CLIENT_SUBJECT);
  t.equal(identity.certificate!.subjectDN, 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP');
  t.same(subjects(identity.chain), ['CN=certgate Test Root CA']);
  t.ok(identity.chain[0]!.raw.equals(pki.rootCa.der), 'anchor last');
});

t.test('RSA client verifies too', async (t) => {
  const pki = await makeTestPki();
  const { server } = await handshake({ client: pki.clientRsa });
  const identity = buildIdentity({ leaf: server.leaf!, chain: [], authorized: server.authorized });
  t.equal(identity.verify, 'SUCCESS');
  t.equal(identity.certificate!.x5tS256, createHash('sha256').update(pki.clientRsa.der).digest('base64url'));
});

t.test('what Node links through issuerCertificate, and what peerChain completes', async (t) => {
  const pki = await makeTestPki();
  const trusted = [pki.rootCa.x509, pki.intermediateCa.x509];
  const cases: Array<{ name: string; opts: HandshakeOptions; linked: string[]; full: string[] }> = [
    {
      name: 'leaf issued by the anchor, client sends the leaf: Node links the anchor',
      opts: { client: pki.client },
      linked: ['CN=certgate Test Root CA'],
      full: ['CN=certgate Test Root CA'],
    },
    {
      name: 'client sends leaf + intermediate: Node links only what was sent, not the anchor',
      opts: { client: pki.clientViaIntermediate, presented: chainPem(pki.clientViaIntermediate) },
      linked: ['CN=certgate Test Intermediate CA'],
      full: ['CN=certgate Test Intermediate CA', 'CN=certgate Test Root CA'],
    },
    {
      name: 'intermediate from the server trust list: Node links nothing',
      opts: { client: pki.clientViaIntermediate, ca: [pki.rootCa.certPem, pki.intermediateCa.certPem] },
      linked: [],
      full: ['CN=certgate Test Intermediate CA', 'CN=certgate Test Root CA'],
    },
    {
      name: 'deep chain sent: two intermediates linked, no anchor',
      opts: { client: pki.deepChain.client, presented: chainPem(pki.deepChain.client) },
      linked: ['CN=Deep Intermediate 2', 'CN=Deep Intermediate 1'],
      full: ['CN=Deep Intermediate 2', 'CN=Deep Intermediate 1', 'CN=certgate Test Root CA'],
    },
  ];
  for (const c of cases) {
    const { server } = await handshake(c.opts);
    t.equal(server.authorized, true, `${c.name}: authorized`);
    t.same(subjects(server.linked), c.linked, `${c.name}: linked`);
    t.same(subjects(peerChain(server.leaf!, 16, trusted)), c.full, `${c.name}: peerChain`);
  }
});

t.test('peerChain ignores a stray certificate that does not sign the leaf and honours maxDepth', async (t) => {
  const pki = await makeTestPki();
  t.same(peerChain(pki.client.x509, 16, [pki.unknownCa.x509]), [], 'no issuer among the candidates');
  t.same(peerChain(pki.client.x509, 16, [pki.unknownCa.x509, pki.rootCa.x509]).length, 1);
  const deep = [pki.deepChain.int2.x509, pki.deepChain.int1.x509, pki.rootCa.x509];
  t.equal(peerChain(pki.deepChain.client.x509, 2, deep).length, 2);
  t.equal(peerChain(pki.deepChain.client.x509, 16, deep).length, 3);
  t.same(peerChain(pki.rootCa.x509, 16, deep), [], 'a self-signed certificate has nothing above it');
});

t.test('failed verification maps to OpenSSL reasons', async (t) => {
  const pki = await makeTestPki();
  const table: Array<[string, HandshakeOptions, string[], string]> = [
    ['expired', { client: pki.clientExpired }, ['CERT_HAS_EXPIRED'], 'expired'],
    ['not yet valid', { client: pki.clientNotYetValid }, ['CERT_NOT_YET_VALID'], 'not_yet_valid'],
    ['unknown CA', { client: pki.clientUnknownCa }, ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'], 'untrusted'],
    ['self-signed', { client: pki.clientSelfSigned }, ['DEPTH_ZERO_SELF_SIGNED_CERT'], 'untrusted'],
    ['intermediate not sent', { client: pki.clientViaIntermediate }, ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'], 'untrusted'],
    ['serverAuth-only EKU', { client: pki.clientServerAuthOnly }, ['INVALID_PURPOSE'], 'wrong_purpose'],
  ];
  for (const [name, opts, reasons, kind] of table) {
    const { server } = await handshake(opts);
    t.equal(server.authorized, false, `${name}: not authorized`);
    const identity = buildIdentity({ leaf: server.leaf!, chain: server.linked, authorized: false, authorizationError: server.authorizationError });
    t.equal(identity.verify, 'FAILED', name);
    t.ok(reasons.includes(identity.verifyReason!), `${name}: ${identity.verifyReason} in ${reasons.join('|')}`);
    t.same(identity.chain, [], `${name}: no chain for an unverified certificate`);
    t.equal(classifyVerifyFailure(identity.verifyReason!).kind, kind, `${name}: kind`);
    t.ok(identity.certificate, `${name}: certificate still described (for logs)`);
  }
});

t.test('no client certificate', async (t) => {
  const { server } = await handshake({});
  t.equal(server.leaf, undefined);
  const identity = buildIdentity({ chain: [], authorized: server.authorized, authorizationError: server.authorizationError });
  t.same(identity, { chain: [], verify: 'NONE' });
});

t.test('session resumption: the leaf survives, the issuer links do not', async (t) => {
  const pki = await makeTestPki();
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const opts = { client: pki.clientViaIntermediate, presented: chainPem(pki.clientViaIntermediate) };
    const [first, second] = await withServer({ version }, async (connect) => {
      const full = await connect(opts);
      return [full, await connect({ ...opts, session: full.session! })] as const;
    });
    t.equal(first.server.reused, false, `${version}: full handshake`);
    t.equal(first.server.linked.length, 1, `${version}: full handshake links the sent intermediate`);
    t.ok(first.session, `${version}: client got a session to resume`);
    t.equal(second.server.reused, true, `${version}: session resumed`);
    t.equal(second.server.authorized, true, `${version}: the original verdict is kept`);
    t.ok(second.server.leaf?.raw.equals(pki.clientViaIntermediate.der), `${version}: leaf still available`);
    t.same(second.server.linked, [], `${version}: no issuerCertificate after resumption`);
    t.same(peerChain(second.server.leaf!), [], `${version}: peerChain without trusted CAs finds nothing`);
    t.same(
      subjects(peerChain(second.server.leaf!, 16, [pki.rootCa.x509, pki.intermediateCa.x509])),
      ['CN=certgate Test Intermediate CA', 'CN=certgate Test Root CA'],
      `${version}: rebuilt from the trusted CAs`,
    );
  }
});

t.test('verifyReason accepts codes only', async (t) => {
  t.equal(verifyReason('CERT_HAS_EXPIRED'), 'CERT_HAS_EXPIRED');
  t.equal(verifyReason(Object.assign(new Error('x'), { code: 'CERT_REVOKED' })), 'CERT_REVOKED');
  t.equal(verifyReason('some message with spaces'), 'UNKNOWN');
  t.equal(verifyReason(undefined), 'UNKNOWN');
  t.equal(classifyVerifyFailure('SOMETHING_NEW').kind, 'invalid');
});
