// `listeners[].proxyProtocol` through the real loader: the typed result, and every mistake named
// with its file, line and key (an unknown key, a missing or empty `from`, a bad CIDR, a bad version).
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import { LISTENER, UPSTREAM_AND_ROUTE, lineOf, makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const withProxy = (block: string): string => LISTENER + block + UPSTREAM_AND_ROUTE;

t.test('a valid block: typed, defaults filled, `from` compiled', async (t) => {
  const file = write(pki.dir, 'pp-ok.yaml', withProxy('    proxyProtocol: { accept: v2, from: [10.0.0.0/8, "fd00::/8", 192.0.2.7] }\n'));
  const config = await loadConfig(file, { env: {} });
  const pp = config.listeners[0]!.proxyProtocol!;
  t.equal(pp.accept, 'v2');
  t.same(pp.from, ['10.0.0.0/8', 'fd00::/8', '192.0.2.7']);
  t.equal(pp.required, false, 'required defaults to false');
  t.equal(pp.timeout, 5000, 'timeout defaults to 5s');
  t.ok(pp.trustedSources.check('10.1.2.3', 'ipv4'), '10.1.2.3 is in 10.0.0.0/8');
  t.ok(pp.trustedSources.check('fd12::1', 'ipv6'), 'fd12::1 is in fd00::/8');
  t.ok(pp.trustedSources.check('192.0.2.7', 'ipv4'), 'a bare address is a /32');
  t.notOk(pp.trustedSources.check('192.0.2.8', 'ipv4'), '192.0.2.8 is not trusted');
  t.notOk(pp.trustedSources.check('11.0.0.1', 'ipv4'), '11.0.0.1 is not trusted');
});

t.test('absent: the listener reads no header', async (t) => {
  const config = await loadConfig(write(pki.dir, 'pp-none.yaml', withProxy('')), { env: {} });
  t.equal(config.listeners[0]!.proxyProtocol, undefined);
});

const rows: Record<string, { block: string; at: string; key: string; message: string }> = {
  'an unknown key': {
    block: '    proxyProtocol:\n      accept: v1\n      from: [10.0.0.0/8]\n      requred: true\n',
    at: 'requred',
    key: 'listeners[0].proxyProtocol.requred',
    message: "unknown key 'requred' (did you mean 'required'?)",
  },
  'no from': { block: '    proxyProtocol:\n      accept: v1\n', at: 'accept: v1', key: 'listeners[0].proxyProtocol.from', message: "missing required key 'from'" },
  'an empty from': {
    block: '    proxyProtocol:\n      accept: any\n      from: []\n',
    at: 'from: []',
    key: 'listeners[0].proxyProtocol.from',
    message: 'expected at least one trusted load balancer address or CIDR',
  },
  'a bad CIDR': {
    block: '    proxyProtocol:\n      accept: any\n      from:\n        - 10.0.0.0/8\n        - 10.0.0.0/33\n',
    at: '10.0.0.0/33',
    key: 'listeners[0].proxyProtocol.from[1]',
    message: "expected an IP address or CIDR such as 10.0.0.0/8 or fd00::/8, got '10.0.0.0/33'",
  },
  'a version that does not exist': {
    block: '    proxyProtocol:\n      accept: v3\n      from: [10.0.0.0/8]\n',
    at: 'accept: v3',
    key: 'listeners[0].proxyProtocol.accept',
    message: 'v3',
  },
  'a timeout that is not a duration': {
    block: '    proxyProtocol:\n      accept: v1\n      from: [10.0.0.0/8]\n      timeout: soon\n',
    at: 'timeout: soon',
    key: 'listeners[0].proxyProtocol.timeout',
    message: 'soon',
  },
};

for (const [name, row] of Object.entries(rows)) {
  t.test(name, async (t) => {
    const yaml = withProxy(row.block);
    const file = write(pki.dir, `pp-${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`, yaml);
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
