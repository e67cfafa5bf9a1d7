// Config of issue 7's path and header rules: listeners[].paths, upstreams.<name>.stripHeaders,
// routes that cannot be matched (a non-canonical pathPrefix) or served (CONNECT).
import t from 'tap';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

async function errorsOf(name: string, text: string) {
  const path = write(pki.dir, name, text);
  return { path, errors: (await checkConfig(path, { env: {} })).errors };
}

t.test('defaults: parameters rejected, nothing extra stripped', async (t) => {
  const config = await loadConfig(write(pki.dir, 'defaults.yaml', LISTENER + UPSTREAM_AND_ROUTE), { env: {} });
  t.same(config.listeners[0]!.paths, { parameters: 'reject' });
  t.same(config.upstreams.get('echo')!.stripHeaders, []);
});

t.test('paths.parameters: allow and stripHeaders are read', async (t) => {
  const text = `${LISTENER}    paths: { parameters: allow }
upstreams:
  echo:
    url: http://127.0.0.1:9080
    stripHeaders: [X-Internal-Token, x_legacy_user]
routes:
  - name: all
    upstream: echo
`;
  const config = await loadConfig(write(pki.dir, 'allow.yaml', text), { env: {} });
  t.same(config.listeners[0]!.paths, { parameters: 'allow' });
  t.same(config.upstreams.get('echo')!.stripHeaders, ['X-Internal-Token', 'x_legacy_user']);
});

t.test('bad values are reported with file, line and key', async (t) => {
  const text = `${LISTENER}    paths: { parameters: strip, decode: all }
upstreams:
  echo:
    url: http://127.0.0.1:9080
    stripHeaders: ['X Bad', Content-Length, ok-name, 'x:y']
routes:
  - name: all
    match: { pathPrefix: /%61pi/, methods: [GET, connect] }
    upstream: echo
  - name: dots
    match: { pathPrefix: /api/../admin/ }
    upstream: echo
`;
  const { errors } = await errorsOf('bad.yaml', text);
  t.same(
    errors.map((e) => [e.key, e.line]).sort(),
    [
      ['listeners[0].paths.decode', lineOf(text, 'paths:')],
      ['listeners[0].paths.parameters', lineOf(text, 'paths:')],
      ['upstreams.echo.stripHeaders[0]', lineOf(text, 'stripHeaders')],
      ['upstreams.echo.stripHeaders[1]', lineOf(text, 'stripHeaders')],
      ['upstreams.echo.stripHeaders[3]', lineOf(text, 'stripHeaders')],
      ['routes[0].match.pathPrefix', lineOf(text, '/%61pi/')],
      ['routes[0].match.methods[1]', lineOf(text, '/%61pi/')],
      ['routes[1].match.pathPrefix', lineOf(text, '/api/../admin/')],
    ].sort(),
    JSON.stringify(errors),
  );
  const message = (key: string) => errors.find((e) => e.key === key)?.message;
  t.match(message('listeners[0].paths.parameters'), /reject.*allow/);
  t.match(message('upstreams.echo.stripHeaders[0]'), /'X Bad' is not a valid header name/);
  t.match(message('upstreams.echo.stripHeaders[1]'), /'Content-Length' frames or routes the request and cannot be stripped/);
  t.match(message('routes[0].match.pathPrefix'), /expected a canonical path .* got '\/%61pi\/'/);
  t.match(message('routes[0].match.methods[1]'), /CONNECT cannot be routed/);
});
