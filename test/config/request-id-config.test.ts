// Config of `listeners[].requestId`: the default, a valid setting, and every refusal with its
// file, line and key.
import t from 'tap';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

t.test('absent: header X-Request-Id, client IDs not trusted', async (t) => {
  const config = await loadConfig(write(pki.dir, 'default.yaml', LISTENER + UPSTREAM_AND_ROUTE), { env: {} });
  t.same(config.listeners[0]!.requestId, { header: 'X-Request-Id', trustIncoming: false });
});

t.test('set: the header as written and trustIncoming', async (t) => {
  const text = `${LISTENER}    requestId: { header: X-Correlation-Id, trustIncoming: true }\n${UPSTREAM_AND_ROUTE}`;
  const config = await loadConfig(write(pki.dir, 'set.yaml', text), { env: {} });
  t.same(config.listeners[0]!.requestId, { header: 'X-Correlation-Id', trustIncoming: true });
  const partial = `${LISTENER}    requestId: { trustIncoming: true }\n${UPSTREAM_AND_ROUTE}`;
  const loaded = await loadConfig(write(pki.dir, 'partial.yaml', partial), { env: {} });
  t.same(loaded.listeners[0]!.requestId, { header: 'X-Request-Id', trustIncoming: true }, 'the header defaults alone');
});

const refused: Array<[string, string, string, RegExp]> = [
  ['an unknown key', '{ header: X-Request-Id, trustIncomming: true }', 'listeners[0].requestId.trustIncomming', /unknown key 'trustIncomming'.*did you mean 'trustIncoming'/],
  ['not a token', "{ header: 'X Request Id' }", 'listeners[0].requestId.header', /'X Request Id' is not a valid header name/],
  ['hop-by-hop', '{ header: Connection }', 'listeners[0].requestId.header', /hop-by-hop or framing/],
  ['framing', '{ header: content-length }', 'listeners[0].requestId.header', /hop-by-hop or framing/],
  ['a forwarding header the gateway sets', '{ header: X-Forwarded-For }', 'listeners[0].requestId.header', /the gateway sets itself/],
  ['a certificate header the gateway owns', '{ header: x_client_cert }', 'listeners[0].requestId.header', /the gateway sets itself/],
  ['an owned header family', '{ header: X-SSL-Cert-Chain-0 }', 'listeners[0].requestId.header', /the gateway sets itself/],
  ['the signature', '{ header: Signature }', 'listeners[0].requestId.header', /the gateway sets itself/],
  ['a credential', '{ header: Authorization }', 'listeners[0].requestId.header', /already has a meaning/],
  ['not a boolean', '{ trustIncoming: yes please }', 'listeners[0].requestId.trustIncoming', /.+/],
  ['not a mapping', 'X-Request-Id', 'listeners[0].requestId', /expected a mapping with keys header, trustIncoming/],
];

for (const [what, value, key, message] of refused) {
  t.test(`refused: ${what}`, async (t) => {
    const text = `${LISTENER}    requestId: ${value}\n${UPSTREAM_AND_ROUTE}`;
    const path = write(pki.dir, 'refused.yaml', text);
    const { errors } = await checkConfig(path, { env: {} });
    t.same(
      errors.map((e) => [e.file, e.line, e.key]),
      [[path, lineOf(text, 'requestId:'), key]],
      JSON.stringify(errors),
    );
    t.match(errors[0]?.message, message);
  });
}

t.test("refused: the name of a header an upstream's config gets from the gateway (certificate, chain, auth)", async (t) => {
  for (const [upstream, header] of [
    ['    clientCert: { header: X-Trace, format: der-base64 }', 'X-Trace'],
    ['    clientCert: { header: X-Client-Cert, format: pem-urlencoded, chainHeader: x-trace }', 'X-Trace'],
  ] as const) {
    const text = `${LISTENER}    requestId: { header: ${header} }
upstreams:
  echo:
    url: http://127.0.0.1:9080
${upstream}
routes:
  - name: all
    upstream: echo
`;
    const path = write(pki.dir, 'collides.yaml', text);
    const { errors } = await checkConfig(path, { env: {} });
    t.same(
      errors.map((e) => [e.line, e.key]),
      [[lineOf(text, 'requestId:'), 'listeners[0].requestId.header']],
      JSON.stringify(errors),
    );
    t.match(errors[0]?.message, /'X-Trace' is also a header upstream 'echo' gets from the gateway/);
  }
});
