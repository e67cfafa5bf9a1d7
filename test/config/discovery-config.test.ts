// `routes[].discovery` through the real loader: the typed result with its default, and every
// mistake named with its file, line and key.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import { LISTENER, UPSTREAM_AND_ROUTE, lineOf, makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const withDiscovery = (block: string): string => LISTENER + UPSTREAM_AND_ROUTE + block;

t.test('valid: typed, host lower-cased, boundTokens defaults to false', async (t) => {
  const file = write(pki.dir, 'disc-ok.yaml', withDiscovery('    discovery: { mtlsAliasHost: MTLS.idp.example.com }\n'));
  const config = await loadConfig(file, { env: {} });
  t.same(config.routes[0]!.discovery, { mtlsAliasHost: 'mtls.idp.example.com', boundTokens: false });
});

t.test('valid with a port and boundTokens', async (t) => {
  const file = write(pki.dir, 'disc-port.yaml', withDiscovery('    discovery:\n      mtlsAliasHost: mtls.idp.example.com:8443\n      boundTokens: true\n'));
  const config = await loadConfig(file, { env: {} });
  t.same(config.routes[0]!.discovery, { mtlsAliasHost: 'mtls.idp.example.com:8443', boundTokens: true });
});

t.test('absent: the route has no discovery', async (t) => {
  const config = await loadConfig(write(pki.dir, 'disc-none.yaml', withDiscovery('')), { env: {} });
  t.equal(config.routes[0]!.discovery, undefined);
});

const HOST_MESSAGE = 'expected a host name, optionally with :port, such as mtls.idp.example.com or mtls.idp.example.com:8443';
const rows: Record<string, { block: string; at: string; key: string; message: string }> = {
  'an unknown key': {
    block: '    discovery:\n      mtlsAliasHost: mtls.idp.example.com\n      boundToken: true\n',
    at: 'boundToken:',
    key: 'routes[0].discovery.boundToken',
    message: "unknown key 'boundToken' (did you mean 'boundTokens'?)",
  },
  'no alias host': {
    block: '    discovery:\n      boundTokens: true\n',
    at: 'boundTokens: true',
    key: 'routes[0].discovery.mtlsAliasHost',
    message: "missing required key 'mtlsAliasHost'",
  },
  'a URL, not a host': {
    block: '    discovery: { mtlsAliasHost: "https://mtls.idp.example.com" }\n',
    at: 'mtlsAliasHost',
    key: 'routes[0].discovery.mtlsAliasHost',
    message: `${HOST_MESSAGE}, got 'https://mtls.idp.example.com'`,
  },
  'a host with a path': {
    block: '    discovery: { mtlsAliasHost: mtls.idp.example.com/token }\n',
    at: 'mtlsAliasHost',
    key: 'routes[0].discovery.mtlsAliasHost',
    message: `${HOST_MESSAGE}, got 'mtls.idp.example.com/token'`,
  },
  'port 0': {
    block: '    discovery: { mtlsAliasHost: "mtls.idp.example.com:0" }\n',
    at: 'mtlsAliasHost',
    key: 'routes[0].discovery.mtlsAliasHost',
    message: `${HOST_MESSAGE}, got 'mtls.idp.example.com:0'`,
  },
  'a port past 65535': {
    block: '    discovery: { mtlsAliasHost: "mtls.idp.example.com:70000" }\n',
    at: 'mtlsAliasHost',
    key: 'routes[0].discovery.mtlsAliasHost',
    message: `${HOST_MESSAGE}, got 'mtls.idp.example.com:70000'`,
  },
  'boundTokens not a boolean': {
    block: '    discovery: { mtlsAliasHost: mtls.idp.example.com, boundTokens: yes please }\n',
    at: 'boundTokens',
    key: 'routes[0].discovery.boundTokens',
    message: 'yes please',
  },
  'not a mapping': {
    block: '    discovery: mtls.idp.example.com\n',
    at: 'discovery:',
    key: 'routes[0].discovery',
    message: 'expected a mapping with keys mtlsAliasHost, boundTokens',
  },
};

for (const [name, row] of Object.entries(rows)) {
  t.test(name, async (t) => {
    const yaml = withDiscovery(row.block);
    const file = write(pki.dir, `disc-${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`, yaml);
    const err = await loadConfig(file, { env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof ConfigError, 'loadConfig refuses the file');
    if (!(err instanceof ConfigError)) return;
    const lines = err.message.split('\n');
    t.equal(lines.length, 1, `exactly one error:\n${err.message}`);
    t.ok(lines[0]!.startsWith(`${file}:${lineOf(yaml, row.at)}:`), `at line ${lineOf(yaml, row.at)}: ${lines[0]}`);
    t.ok(lines[0]!.includes(`: ${row.key}: `), `names ${row.key}: ${lines[0]}`);
    t.ok(lines[0]!.includes(row.message), `says ${row.message}`);
  });
}
