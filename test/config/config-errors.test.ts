// Structural mistakes: every one is reported, with file, line, column, dotted key and what was
// expected; and none stops the loader from finding the others.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import type { ConfigIssue } from '../../src/config/types.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

async function issues(name: string, text: string, env: NodeJS.ProcessEnv = {}): Promise<{ errors: readonly ConfigIssue[]; warnings: readonly ConfigIssue[]; path: string }> {
  const path = write(pki.dir, name, text);
  const r = await checkConfig(path, { env });
  return { errors: r.errors, warnings: r.warnings, path };
}

t.test('three mistakes are all reported with line numbers and key paths', async (t) => {
  const text = `${LISTENER}      verifyDeph: 2
    revocation:
      crl:
        files: [missing.crl]
upstreams:
  echo:
    url: http://127.0.0.1:9080
    timeouts: { connect: 5 seconds }
routes:
  - name: all
    upstream: echo
`;
  const path = write(pki.dir, 'three.yaml', text);
  const err = await loadConfig(path, { env: {} }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError, 'throws ConfigError');
  const list = (err as ConfigError).issues;
  t.equal(list.length, 3, (err as Error).message);
  const byKey = new Map(list.map((i) => [i.key, i]));

  const unknown = byKey.get('listeners[0].clientAuth.verifyDeph');
  t.equal(unknown?.line, lineOf(text, 'verifyDeph'));
  t.equal(unknown?.column, 7);
  t.match(unknown?.message, /unknown key 'verifyDeph' \(did you mean 'verifyDepth'\?\)/);
  t.equal(unknown?.file, path);

  const duration = byKey.get('upstreams.echo.timeouts.connect');
  t.equal(duration?.line, lineOf(text, '5 seconds'));
  t.match(duration?.message, /expected a duration like 500ms, 2s, 5m, 1h or 1d, got '5 seconds'/);

  const missing = byKey.get('listeners[0].revocation.crl.files[0]');
  t.equal(missing?.line, lineOf(text, 'missing.crl'));
  t.match(missing?.message, /CRL file .*missing\.crl does not exist/);
  t.match((err as Error).message, new RegExp(`${path}:${lineOf(text, 'verifyDeph')}:7: listeners\\[0\\]\\.clientAuth\\.verifyDeph: unknown key`));
});

t.test('enum values name every choice', async (t) => {
  const text = LISTENER.replace('trustedCAs', 'mode: requir\n      trustedCAs') + UPSTREAM_AND_ROUTE;
  const { errors } = await issues('enum.yaml', text);
  t.same(
    errors.map((e) => [e.key, e.line, e.message]),
    [['listeners[0].clientAuth.mode', lineOf(text, 'requir'), "expected one of require | optional | optional_no_ca | off, got 'requir'"]],
  );
});

t.test('YAML syntax errors carry their position and no source snippet', async (t) => {
  const text = `listeners:\n  - name: public\n    listen: [127.0.0.1:8443\nupstreams: {}\n`;
  const { errors } = await issues('syntax.yaml', text);
  t.ok(errors.length >= 1);
  t.equal(errors[0]!.key, '(yaml)');
  t.type(errors[0]!.line, 'number');
  t.ok(errors[0]!.line! >= 3, `line ${errors[0]!.line}`);
  t.match(errors[0]!.message, /^YAML syntax error: /);
  t.notMatch(errors[0]!.message, /\n/);

  const dup = `${LISTENER}listeners: []\n`;
  const r = await issues('dup.yaml', dup);
  t.match(r.errors[0], { key: '(yaml)', line: lineOf(dup, 'listeners: []'), message: /unique/ });
});

t.test('environment interpolation', async (t) => {
  const text = `${LISTENER.replace('127.0.0.1:8443', '${HOST}:${PORT}')}upstreams:
  echo:
    url: http://127.0.0.1:9080
    auth:
      basic: { username: gw, password: "\${NOT_SET}" }
    clientCert: { header: "X-Cost-$\${x}" }
routes:
  - name: all
    upstream: echo
`;
  const { errors } = await issues('env.yaml', text, { HOST: '127.0.0.1', PORT: '9443' });
  t.same(
    errors.map((e) => [e.key, e.line, e.message]),
    [
      ['upstreams.echo.auth.basic.password', lineOf(text, 'NOT_SET'), 'environment variable NOT_SET is not set'],
      ['upstreams.echo.clientCert.header', lineOf(text, 'X-Cost'), "'X-Cost-${x}' is not a valid header name (RFC 9110 token)"],
    ],
    'missing variable names the variable and the key; $${ is a literal ${',
  );

  const ok = await loadConfig(write(pki.dir, 'env-ok.yaml', text.replace('${NOT_SET}', '${PW}').replace('X-Cost-$${x}', 'X-${H}')), {
    env: { HOST: '127.0.0.1', PORT: '9443', PW: 'pw', H: 'Cert' },
  });
  t.same(ok.listeners[0]!.listen, { host: '127.0.0.1', port: 9443 });
  t.equal(ok.upstreams.get('echo')!.auth!.basic!.password, 'pw');
  t.equal(ok.upstreams.get('echo')!.clientCert.header, 'X-Cert');
});

t.test('references: unknown upstream and listener, duplicate names, tokenBinding', async (t) => {
  const text = `${LISTENER}upstreams:
  echo: { url: "http://127.0.0.1:9080" }
routes:
  - name: a
    upstream: ecko
    listeners: [publik]
  - name: a
    upstream: echo
    tokenBinding: { jwks: https://as.example.com/jwks }
`;
  const { errors } = await issues('refs.yaml', text);
  const secondRoute = text.split('\n').findIndex((l, i) => l.includes('- name: a') && i + 1 > lineOf(text, '- name: a')) + 1;
  t.same(
    errors.map((e) => [e.key, e.line, e.message]),
    [
      ['routes[0].upstream', lineOf(text, 'ecko'), "no upstream named 'ecko'; expected one of echo"],
      ['routes[0].listeners[0]', lineOf(text, 'publik'), "no listener named 'publik'; expected one of public"],
      ['routes[1].name', secondRoute, "route name 'a' is already used by routes[0]"],
      ['routes[1].tokenBinding', lineOf(text, 'jwks'), 'expected jwt (for JWT access tokens), introspection (for opaque tokens) or both'],
      ['routes[1].tokenBinding.jwks', lineOf(text, 'jwks'), "unknown key 'jwks' (did you mean 'jwt'?); expected one of required, jwt, introspection"],
    ],
  );
  t.equal(errors.length, 5);
});

t.test('listener and upstream validation', async (t) => {
  const text = `listeners:
  - name: a
    listen: "::1:8443"
    tls: { cert: server.pem }
    clientAuth: { mode: optional, rejectAtHandshake: true }
upstreams:
  idp:
    url: http://user:hunter2@idp.internal/path
    tls: { cert: server.pem }
  b:
    url: http://b.internal
    auth: { basic: { username: gw, password: hunter2, passwordFile: password.txt } }
routes: []
`;
  const { errors } = await issues('validate.yaml', text);
  const got = errors.map((e) => `${e.key}: ${e.message}`);
  t.match(got, [
    /^listeners\[0\]\.listen: expected host:port or \[ipv6\]:port/,
    /^listeners\[0\]\.tls\.key: missing required key 'key'/,
    /^listeners\[0\]\.clientAuth\.trustedCAs: clientAuth\.mode 'optional' needs trustedCAs/,
    /^listeners\[0\]\.clientAuth\.rejectAtHandshake: rejectAtHandshake: true needs mode 'require'/,
    /^upstreams\.idp\.url: expected an http:\/\/ or https:\/\/ origin, got the URL: credentials .*; only an origin/,
    /^upstreams\.idp\.tls: tls is only for https/,
    /^upstreams\.idp\.tls\.cert: tls\.cert needs tls\.key/,
    /^upstreams\.b\.auth\.basic\.passwordFile: give either password or passwordFile/,
  ]);
  t.equal(errors.length, 8);
  for (const e of errors) t.notMatch(e.message, /hunter2/, 'secrets never appear in messages');
});

t.test('warnings: mode off with a required certificate, and headers larger than the upstream accepts', async (t) => {
  const text = `listeners:
  - name: plain
    listen: 127.0.0.1:8080
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
  - name: mtls
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { trustedCAs: [ca.pem], verifyDepth: 4 }
upstreams:
  small:
    url: http://127.0.0.1:9080
    clientCert: { chainHeader: X-Client-Cert-Chain }
    maxHeaderSize: 8kb
routes:
  - name: all
    upstream: small
    clientCert: required
`;
  const { errors, warnings } = await issues('warn.yaml', text);
  t.same(errors, []);
  t.equal(warnings.length, 2);
  t.match(warnings[1], { key: 'routes[0].clientCert', line: lineOf(text, 'clientCert: required'), message: /listener 'plain' has clientAuth.mode 'off'/ });
  t.match(warnings[0], {
    key: 'upstreams.small.maxHeaderSize',
    line: lineOf(text, '8kb'),
    message: /about \d+ bytes \(5 certificates .*pem-urlencoded, verifyDepth 4\), over maxHeaderSize 8192/,
  });
});

t.test('allow rules are validated entry by entry', async (t) => {
  const text = `${LISTENER}${UPSTREAM_AND_ROUTE}    allow:
      subjectDN: ["CN=ok,O=Example", "client.example.org"]
      sanIP: [192.0.2.300]
      thumbprints: [abc]
      sanDNS: [good.example.org]
`;
  const { errors } = await issues('allow.yaml', text);
  t.same(
    errors.map((e) => [e.key, e.line]),
    [
      ['routes[0].allow.subjectDN[1]', lineOf(text, 'subjectDN')],
      ['routes[0].allow.sanIP[0]', lineOf(text, '192.0.2.300')],
      ['routes[0].allow.thumbprints[0]', lineOf(text, 'abc')],
    ],
  );
  t.match(errors[0]!.message, /RFC 4514/);
  const empty = await issues('allow-empty.yaml', `${LISTENER}${UPSTREAM_AND_ROUTE}    allow: { sanDNS: [] }\n`);
  t.match(empty.errors, [{ key: 'routes[0].allow', message: /at least one entry/ }]);
});

t.test('two listeners on one address', async (t) => {
  const second = LISTENER.replace('listeners:\n', '').replace('name: public', 'name: second');
  const text = `${LISTENER}${second}admin:\n  listen: 127.0.0.1:8443\n${UPSTREAM_AND_ROUTE}`;
  const { errors } = await issues('addr.yaml', text);
  t.same(
    errors.map((e) => [e.key, e.line, e.message]),
    [
      ['listeners[1].listen', lineOf(text, 'name: second') + 1, 'address 127.0.0.1:8443 is already used by listeners[0].listen'],
      ['admin.listen', lineOf(text, 'admin:') + 1, 'address 127.0.0.1:8443 is already used by listeners[0].listen'],
    ],
  );
});

t.test('admin.listen off loopback: a warning with file, line and key; loopback stays quiet', async (t) => {
  for (const host of ['0.0.0.0', '192.0.2.1', '[::]', 'admin.example.org']) {
    const text = `${LISTENER}admin:\n  listen: '${host}:9901'\n${UPSTREAM_AND_ROUTE}`;
    const { errors, warnings, path } = await issues('admin-open.yaml', text);
    t.same(errors, [], host);
    t.match(warnings, [{ file: path, key: 'admin.listen', line: lineOf(text, 'admin:') + 1, message: /is not a loopback address/ }], `${host} warns`);
  }
  for (const host of ['127.0.0.1', '127.0.0.2', '[::1]', 'localhost']) {
    const text = `${LISTENER}admin:\n  listen: '${host}:9901'\n${UPSTREAM_AND_ROUTE}`;
    const { errors, warnings } = await issues('admin-loopback.yaml', text);
    t.same([errors, warnings], [[], []], `${host} is loopback: no warning`);
  }
});
