import t from 'tap';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, loadConfigFromString } from '../../src/config/load-config.js';
import { makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const FULL = `
workers: auto
admin:
  listen: 127.0.0.1:9901
logging:
  level: debug
listeners:
  - name: public
    listen: 0.0.0.0:8443
    tls:
      cert: server.pem
      key: ./server-key.pem
      minVersion: TLSv1.3
      sessionTimeout: 10m
    clientAuth:
      mode: require
      trustedCAs: [ca.pem, intermediate-ca.pem]
      verifyDepth: 2
      rejectAtHandshake: true
    revocation:
      sources: [crl, ocsp]
      failMode: open
      staleGrace: 1h
      ocsp:
        responder: http://127.0.0.1:8888
        timeout: 500ms
      crl:
        files: [ca.crl, ca-der.crl]
        refresh: 1d
  - name: internal
    listen: "[::1]:9443"
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
upstreams:
  idp:
    url: https://idp.internal:8443
    tls:
      ca: ca.pem
      cert: server.pem
      key: server-key.pem
    auth:
      basic:
        username: gateway
        password: \${IDP_PASSWORD}
    clientCert:
      format: rfc9440
      chainHeader: Client-Cert-Chain
    signature:
      alg: ed25519
      keyFile: ed25519.pem
      keyId: certgate-2026-11
      expiresIn: 30s
    timeouts: { connect: 2s, response: 1m }
    maxHeaderSize: 32kb
  backend:
    url: http://127.0.0.1:9080/
routes:
  - name: token
    listeners: [public]
    match: { host: AS.Example.com, pathPrefix: /oauth/v2/oauth-token, methods: [post, Get] }
    upstream: idp
    allow:
      subjectDN: ["CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP"]
      sanDNS: [client.example.org]
      sanIP: [192.0.2.10, "2001:db8::1"]
      thumbprints: ["OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yuw"]
  - name: api
    listeners: [internal]
    match: { pathPrefix: /api/ }
    upstream: backend
    clientCert: optional
`;

t.test('a full valid config loads into typed, resolved, frozen values', async (t) => {
  const path = write(pki.dir, 'full.yaml', FULL);
  const c = await loadConfig(path, { env: { IDP_PASSWORD: 'pa:ss' } });
  t.equal(c.source, path);
  t.equal(c.workers, 'auto');
  t.same(c.admin, { listen: { host: '127.0.0.1', port: 9901 } });
  t.equal(c.logging.level, 'debug');

  const [pub, internal] = c.listeners;
  t.equal(pub!.name, 'public');
  t.same(pub!.listen, { host: '0.0.0.0', port: 8443 });
  t.equal(pub!.tls.cert.path, join(pki.dir, 'server.pem'));
  t.ok(pub!.tls.cert.certificates[0] instanceof X509Certificate);
  t.match(pub!.tls.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  t.equal(pub!.tls.keyPath, join(pki.dir, 'server-key.pem'));
  t.equal(pub!.tls.minVersion, 'TLSv1.3');
  t.equal(pub!.tls.maxVersion, 'TLSv1.3');
  t.equal(pub!.tls.sessionTimeout, 600);
  t.equal(pub!.clientAuth.mode, 'require');
  t.same(
    pub!.clientAuth.trustedCAs.map((f) => f.certificates[0]!.subject),
    ['O=certgate tests\nCN=Test Root CA', 'O=certgate tests\nCN=Test Intermediate CA'],
  );
  t.equal(pub!.clientAuth.verifyDepth, 2);
  t.equal(pub!.clientAuth.rejectAtHandshake, true);
  const rev = pub!.revocation;
  t.equal(rev.check, 'leaf', 'a present revocation block defaults to check: leaf');
  t.same(rev.sources, ['crl', 'ocsp']);
  t.equal(rev.failMode, 'open');
  t.equal(rev.staleGrace, 3_600_000);
  t.equal(rev.intermediateWithoutSource, 'skip');
  t.same(rev.ocsp, { enabled: true, responder: 'http://127.0.0.1:8888', timeout: 500, nonce: true, maxAge: 3_600_000, errorTtl: 30_000, clockSkew: 300_000 });
  t.equal(rev.crl.files.length, 2);
  t.equal(rev.crl.files[0]!.der.length, 2, 'PEM bundle yields one DER per CRL');
  t.equal(rev.crl.files[1]!.der.length, 1, 'DER file yields one CRL');
  t.equal(rev.crl.files[0]!.der[0]![0], 0x30);
  t.equal(rev.crl.refresh, 86_400_000);
  t.equal(rev.crl.fetchTimeout, 5_000);
  t.equal(rev.crl.distributionPoints, false);

  t.equal(internal!.listen.host, '::1');
  t.equal(internal!.clientAuth.mode, 'off');
  t.equal(internal!.clientAuth.verifyDepth, 1);
  t.equal(internal!.tls.minVersion, 'TLSv1.2');
  t.equal(internal!.tls.sessionTimeout, 300);
  t.equal(internal!.revocation.check, 'off');

  const idp = c.upstreams.get('idp')!;
  t.equal(idp.url.href, 'https://idp.internal:8443/');
  t.equal(idp.tls?.ca?.path, join(pki.dir, 'ca.pem'));
  t.match(idp.tls?.keyPem, /PRIVATE KEY/);
  t.same(idp.auth?.basic, {
    username: 'gateway',
    password: 'pa:ss',
    header: 'Authorization',
    headerValue: `Basic ${Buffer.from('gateway:pa:ss').toString('base64')}`,
  });
  t.same(
    idp.authentication.map((a) => a.method),
    ['client-certificate', 'basic'],
    'tls.cert and auth.basic both chosen',
  );
  t.same(idp.authentication[1]!.header, ['Authorization', `Basic ${Buffer.from('gateway:pa:ss').toString('base64')}`]);
  t.match(idp.authentication[0]!.tls?.key, /PRIVATE KEY/);
  t.same(idp.clientCert, { header: 'X-Client-Cert', format: 'rfc9440', chainHeader: 'Client-Cert-Chain', infoHeaders: true });
  t.equal(idp.signature?.alg, 'ed25519');
  t.equal(idp.signature?.key.asymmetricKeyType, 'ed25519');
  t.equal(idp.signature?.keyId, 'certgate-2026-11');
  t.equal(idp.signature?.expiresIn, 30);
  t.equal(idp.signature?.digestMaxBody, 64 * 1024, 'digestMaxBody defaults to 64 KiB');
  t.equal(idp.signature?.largeBodies, 'reject', 'largeBodies defaults to reject');
  t.same(idp.timeouts, { connect: 2_000, response: 60_000, idle: 60_000 });
  t.equal(idp.pool.connections, 128);
  t.equal(idp.maxHeaderSize, 32 * 1024);

  const backend = c.upstreams.get('backend')!;
  t.equal(backend.url.origin, 'http://127.0.0.1:9080');
  t.same(backend.clientCert, { header: 'X-Client-Cert', format: 'pem-urlencoded', infoHeaders: true });
  t.equal(backend.maxHeaderSize, 16384);
  t.equal(backend.tls, undefined);
  t.same(backend.authentication, [], 'no upstream auth configured');

  const [token, api] = c.routes;
  t.equal(token!.upstream, idp, 'route.upstream is the upstream object');
  t.equal(token!.match.host, 'as.example.com');
  t.same([...token!.match.methods!], ['POST', 'GET']);
  t.equal(token!.clientCert, 'required');
  t.same(token!.listeners, ['public']);
  t.same(token!.allow?.sanIP, ['192.0.2.10', '2001:db8::1']);
  t.same(token!.allow?.sanURI, []);
  t.equal(api!.upstream, backend);
  t.equal(api!.clientCert, 'optional');
  t.equal(api!.match.methods, undefined);

  t.ok(Object.isFrozen(c));
  t.ok(Object.isFrozen(c.listeners[0]!.clientAuth.trustedCAs));
  t.ok(Object.isFrozen(c.routes[0]!.match));
  t.throws(() => (c.upstreams as Map<string, unknown>).set('x', {}), TypeError);
  t.throws(() => (token!.match.methods as Set<string>).add('PUT'), TypeError);
  t.throws(() => {
    (c.routes[0] as { name: string }).name = 'x';
  }, TypeError);
  t.same(c.warnings, []);
});

t.test('defaults of a minimal config', async (t) => {
  const c = await loadConfigFromString(
    `
listeners:
  - name: l
    listen: localhost:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { trustedCAs: [ca.pem] }
upstreams:
  u: { url: "http://127.0.0.1:1" }
routes:
  - name: r
    upstream: u
`,
    '<embedded>',
    { baseDir: pki.dir },
  );
  t.equal(c.source, '<embedded>');
  t.equal(c.workers, 1);
  t.equal(c.admin, undefined);
  t.equal(c.logging.level, 'info');
  const l = c.listeners[0]!;
  t.same(
    { ...l.clientAuth, trustedCAs: l.clientAuth.trustedCAs.length },
    {
      mode: 'require',
      trustedCAs: 1,
      verifyDepth: 1,
      rejectAtHandshake: false,
      keyPolicy: { rsaMinBits: 2048, dsaMinBits: 2048, ecCurves: ['P-256', 'P-384', 'P-521'], ed25519: true, ed448: true },
    },
  );
  t.same(l.revocation, {
    check: 'off',
    sources: ['ocsp', 'crl'],
    failMode: 'closed',
    staleGrace: 0,
    intermediateWithoutSource: 'skip',
    ocsp: { enabled: true, timeout: 2000, nonce: true, maxAge: 3_600_000, errorTtl: 30_000, clockSkew: 300_000 },
    crl: { files: [], distributionPoints: false, refresh: 300_000, fetchTimeout: 5000 },
    overrides: [],
  });
  const u = c.upstreams.get('u')!;
  t.same(u.timeouts, { connect: 5000, response: 30_000, idle: 60_000 });
  t.equal(u.pool.connections, 128);
  t.equal(u.maxHeaderSize, 16384);
  const r = c.routes[0]!;
  t.same(r.match, { pathPrefix: '/' });
  t.equal(r.clientCert, 'required');
  t.equal(r.listeners, undefined);
  t.equal(r.allow, undefined);
});

t.test('signature: digestMaxBody and largeBodies on the upstream, largeBodies overridden per route', async (t) => {
  const c = await loadConfigFromString(
    `
listeners:
  - name: l
    listen: localhost:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { trustedCAs: [ca.pem] }
upstreams:
  u:
    url: "http://127.0.0.1:1"
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: k1, digestMaxBody: 16kb, largeBodies: unsigned-body, expiresIn: 10s }
routes:
  - { name: token, match: { pathPrefix: /token }, upstream: u, signature: { largeBodies: reject } }
  - { name: files, upstream: u }
`,
    '<embedded>',
    { baseDir: pki.dir },
  );
  const sig = c.upstreams.get('u')!.signature!;
  t.same({ digestMaxBody: sig.digestMaxBody, largeBodies: sig.largeBodies, expiresIn: sig.expiresIn }, { digestMaxBody: 16384, largeBodies: 'unsigned-body', expiresIn: 10 });
  t.same(c.routes[0]!.signature, { largeBodies: 'reject' });
  t.equal(c.routes[1]!.signature, undefined, 'no override: the upstream decides');
});

t.test('loadConfig throws ConfigError for a missing config file', async (t) => {
  const err = await loadConfig(join(pki.dir, 'nope.yaml')).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError);
  t.match((err as ConfigError).issues[0]!.message, /does not exist/);
});
