// routes[].tokenBinding read by the real loader: the shape of issue 13 with its defaults, both
// introspection authentications, and the JWT section's issuer and audiences inherited by
// introspection. (Each refusal is a row of config-validation-table.test.ts.)
import t from 'tap';
import { loadConfig } from '../../src/config/load-config.js';
import { makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const BASE = `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { trustedCAs: [ca.pem] }
upstreams:
  api: { url: http://127.0.0.1:9080 }
routes:
`;

t.test('the full shape, as written in the issue', async (t) => {
  const config = await loadConfig(
    write(
      pki.dir,
      'token-binding-full.yaml',
      `${BASE}  - name: api
    match: { pathPrefix: /api/ }
    upstream: api
    tokenBinding:
      required: false
      jwt: { issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks, audiences: [api], algorithms: [ES256, PS256], clockSkew: 10s }
      introspection: { url: https://idp.example.com/token/introspection, auth: { basic: { username: gw, password: pw } }, cacheMaxAge: 2m, cacheSize: 500 }
`,
    ),
  );
  const binding = config.routes[0]!.tokenBinding!;
  t.equal(binding.required, false);
  t.same(binding.jwt, {
    issuer: 'https://idp.example.com',
    jwksUri: new URL('https://idp.example.com/jwks'),
    audiences: ['api'],
    algorithms: ['ES256', 'PS256'],
    clockSkew: 10_000,
  });
  const i = binding.introspection!;
  t.equal(i.url.href, 'https://idp.example.com/token/introspection');
  t.same(
    i.authentication.map((a) => [a.method, a.header]),
    [['basic', ['Authorization', `Basic ${Buffer.from('gw:pw').toString('base64')}`]]],
  );
  t.equal(i.cacheMaxAge, 120_000);
  t.equal(i.cacheSize, 500);
  t.equal(i.issuer, 'https://idp.example.com', 'introspection answers are held to the jwt issuer');
  t.same(i.audiences, ['api'], 'and audiences');
});

t.test('defaults; introspection with the gateway client certificate', async (t) => {
  const config = await loadConfig(
    write(
      pki.dir,
      'token-binding-defaults.yaml',
      `${BASE}  - name: jwt-only
    upstream: api
    tokenBinding:
      jwt: { issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks, audiences: [api] }
  - name: opaque
    match: { pathPrefix: /opaque/ }
    upstream: api
    tokenBinding:
      introspection:
        url: https://idp.example.com/introspect
        auth: { tls: { ca: ca.pem, cert: server.pem, key: server-key.pem } }
  - name: plain
    match: { pathPrefix: /plain/ }
    upstream: api
`,
    ),
  );
  const [jwtOnly, opaque, plain] = config.routes;
  t.equal(jwtOnly!.tokenBinding!.required, true, 'required by default');
  t.same(jwtOnly!.tokenBinding!.jwt!.algorithms, ['RS256', 'PS256', 'ES256']);
  t.equal(jwtOnly!.tokenBinding!.jwt!.clockSkew, 30_000);
  const i = opaque!.tokenBinding!.introspection!;
  t.same(
    i.authentication.map((a) => a.method),
    ['client-certificate'],
  );
  t.equal(i.cacheMaxAge, 300_000);
  t.equal(i.cacheSize, 10_000);
  t.equal(i.issuer, undefined);
  t.equal(i.audiences, undefined);
  t.equal(plain!.tokenBinding, undefined, 'a route without tokenBinding has none');
});
