// pidFile, reload.*, shutdown.* and signature.publishKeys: defaults, values, refusals with
// file:line, and the files a config names (what the reload watch follows; CRLs excluded).
import t from 'tap';
import { join } from 'node:path';
import { checkConfig } from '../../src/config/load-config.js';
import { publicJwks } from '../../src/signing/public-jwks.js';
import { makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const base = (top: string, signature = ''): string => `${top}
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: { check: leaf, sources: [crl], crl: { files: [ca.crl] } }
upstreams:
  app:
    url: http://127.0.0.1:9000
${signature}routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`;

const check = (name: string, text: string) => checkConfig(write(pki.dir, name, text));

t.test('defaults: watch on, 200ms debounce, no shutdown delay, 30 s drain, no pid file', async (t) => {
  const r = await check('defaults.yaml', base(''));
  t.same(r.errors, []);
  t.same(r.config!.reload, { watch: true, debounce: 200 });
  t.same(r.config!.shutdown, { delay: 0, drainTimeout: 30_000 });
  t.equal(r.config!.pidFile, undefined);
  const files = r.config!.files.map((f) => [f.path.slice(pki.dir.length + 1), f.watch]);
  t.same(
    files,
    [
      ['server.pem', true],
      ['server-key.pem', true],
      ['ca.pem', true],
      ['ca.crl', false],
    ],
    'every named file; the CRL keeps its own refresh',
  );
});

t.test('values are read; pidFile is relative to the config file', async (t) => {
  const r = await check('ops.yaml', base('pidFile: run/certgate.pid\nreload: { watch: false, debounce: 1s }\nshutdown: { delay: 5s, drainTimeout: 2m }'));
  t.same(r.errors, []);
  t.same(r.config!.reload, { watch: false, debounce: 1000 });
  t.same(r.config!.shutdown, { delay: 5000, drainTimeout: 120_000 });
  t.equal(r.config!.pidFile, join(pki.dir, 'run/certgate.pid'));
});

t.test('unknown and bad keys are refused with file and line', async (t) => {
  const r = await check('bad-ops.yaml', base('reload: { watch: maybe, debunce: 1s }\nshutdown:\n  drainTimeout: soon\n  grace: 5s'));
  const got = r.errors.map((e) => `${e.line} ${e.key}`);
  t.same(got, ['1 reload.watch', '1 reload.debunce', '3 shutdown.drainTimeout', '4 shutdown.grace']);
  t.match(r.errors[1]!.message, "did you mean 'debounce'");
  t.equal(r.errors[0]!.file, join(pki.dir, 'bad-ops.yaml'));
});

t.test('publishKeys: published in the JWKS, never a signing key', async (t) => {
  const sig = (items: string, alg = 'ed25519', key = 'ed25519.pem'): string => `    signature: { alg: ${alg}, keyFile: ${key}, keyId: current, publishKeys: ${items} }\n`;
  const r = await check('publish.yaml', base('', sig('[{ keyFile: p256.pem, keyId: next }, ed25519.jwk]')));
  t.same(r.errors, []);
  const s = r.config!.upstreams.get('app')!.signature!;
  t.equal(s.keyId, 'current', 'signs with keyFile');
  t.same(
    s.publishKeys!.map((k) => [k.keyId, k.alg, k.key.type]),
    [
      ['next', 'ecdsa-p256-sha256', 'public'],
      [s.publishKeys![1]!.keyId, 'ed25519', 'public'],
    ],
  );
  t.match(s.publishKeys![1]!.keyId, /^[A-Za-z0-9_-]{43}$/, 'a bare file gets its RFC 7638 thumbprint as keyId');
  const jwks = publicJwks([s]);
  t.same(
    jwks.keys.map((k) => [k.kid, k.alg]),
    [
      ['current', 'EdDSA'],
      ['next', 'ES256'],
      [s.publishKeys![1]!.keyId, 'EdDSA'],
    ],
  );

  const bad = await check('publish-bad.yaml', base('', sig('[{ keyFile: p384.pem, keyId: next }, { keyFile: ed25519.pem, keyId: current }, missing.pem]')));
  t.same(
    bad.errors.map((e) => `${e.line} ${e.key}`),
    ['11 upstreams.app.signature.publishKeys[0].keyFile', '11 upstreams.app.signature.publishKeys[1]', '11 upstreams.app.signature.publishKeys[2]'],
  );
  t.match(bad.errors[0]!.message, 'must hold an Ed25519 or EC P-256 key');
  t.match(bad.errors[1]!.message, "keyId 'current' is already published");
  t.match(bad.errors[2]!.message, 'does not exist');
  const hmac = await check('publish-hmac.yaml', base('', sig('[p256.pem]', 'hmac-sha256', 'hmac.key')));
  t.match(hmac.errors.map((e) => e.message).join('\n'), 'hmac-sha256 secrets are never published');
});
