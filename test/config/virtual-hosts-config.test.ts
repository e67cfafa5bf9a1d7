// `listeners[].hosts`: SNI virtual hosts, each with the tls, clientAuth and revocation blocks a
// listener has. Mistakes are reported with file, line and dotted key like any other.
import t from 'tap';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import type { ConfigIssue } from '../../src/config/types.js';
import { lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const listener = (hosts: string): string => `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: off }
    hosts:
${hosts}${UPSTREAM_AND_ROUTE}`;

async function errors(name: string, text: string): Promise<{ errors: readonly ConfigIssue[]; path: string }> {
  const path = write(pki.dir, name, text);
  const r = await checkConfig(path, { env: {} });
  return { errors: r.errors, path };
}

t.test('a listener with two hosts loads into typed hosts with their own tls and client auth', async (t) => {
  const path = write(
    pki.dir,
    'hosts-ok.yaml',
    listener(`      - serverNames: [MTLS.idp.example.com, '*.mtls.example.com']
        tls: { cert: server.pem, key: server-key.pem, minVersion: TLSv1.3 }
        clientAuth: { mode: require, trustedCAs: [ca.pem], verifyDepth: 2 }
        revocation: { check: leaf, sources: [crl], crl: { files: [ca.crl] } }
      - serverNames: [optional.example.com]
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: optional_no_ca }
`),
  );
  const config = await loadConfig(path, { env: {} });
  const l = config.listeners[0]!;
  t.equal(l.clientAuth.mode, 'off', 'the listener keeps its own client auth: the default host');
  t.equal(l.hosts?.length, 2);
  const [mtls, optional] = l.hosts!;
  t.same(mtls!.serverNames, ['mtls.idp.example.com', '*.mtls.example.com'], 'names are lower-cased');
  t.equal(mtls!.tls.minVersion, 'TLSv1.3');
  t.equal(mtls!.clientAuth.mode, 'require');
  t.equal(mtls!.clientAuth.verifyDepth, 2);
  t.equal(mtls!.clientAuth.trustedCAs.length, 1);
  t.equal(mtls!.revocation.check, 'leaf');
  t.equal(optional!.clientAuth.mode, 'optional_no_ca');
  t.equal(optional!.revocation.check, 'off', 'no revocation block: off, as on a listener');
  t.ok(Object.isFrozen(l.hosts), 'frozen like the rest of the config');
});

t.test('a listener without hosts has no hosts key', async (t) => {
  const path = write(
    pki.dir,
    'no-hosts.yaml',
    `listeners:\n  - name: p\n    listen: 127.0.0.1:8443\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { mode: off }\n${UPSTREAM_AND_ROUTE}`,
  );
  const config = await loadConfig(path, { env: {} });
  t.equal(config.listeners[0]!.hosts, undefined);
});

t.test('a server name listed twice across hosts is an error at the second, naming the first', async (t) => {
  const text = listener(`      - serverNames: [a.example.com]
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: off }
      - serverNames: [b.example.com, A.Example.com]
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: off }
`);
  const { errors: list, path } = await errors('dup.yaml', text);
  t.equal(list.length, 1, JSON.stringify(list));
  t.equal(list[0]!.key, 'listeners[0].hosts[1].serverNames[1]');
  t.equal(list[0]!.file, path);
  t.equal(list[0]!.line, lineOf(text, 'A.Example.com'));
  t.match(list[0]!.message, "server name 'a.example.com' is already listed at listeners[0].hosts[0].serverNames[0]");
});

t.test('bad names, empty lists, missing tls and unknown keys are each reported', async (t) => {
  const text = listener(`      - serverNames: [bad_name.example, 'exa mple.com', '-x.example', 'a.*.example']
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: off }
      - serverNames: []
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: off }
      - serverNames: [c.example.com]
        clientAuth: { mode: off }
        limits: { maxConnections: 5 }
      - serverNames: [d.example.com]
        tls: { cert: server.pem, key: server-key.pem }
`);
  const { errors: list } = await errors('bad.yaml', text);
  const byKey = new Map(list.map((i) => [i.key, i.message]));
  for (let i = 0; i < 4; i++) t.match(byKey.get(`listeners[0].hosts[0].serverNames[${i}]`), /expected a DNS name/, `serverNames[${i}]`);
  t.match(byKey.get('listeners[0].hosts[1].serverNames'), /expected at least one server name/);
  t.match(byKey.get('listeners[0].hosts[2].tls'), /missing required key 'tls'/);
  t.match(byKey.get('listeners[0].hosts[2].limits'), /unknown key 'limits'/, 'limits stay per listener');
  t.match(byKey.get('listeners[0].hosts[3].clientAuth'), /needs trustedCAs/, "clientAuth defaults to 'require', as on a listener");
  t.equal(list.length, 8, JSON.stringify(list, null, 1));
});

t.test('an empty hosts list is an error', async (t) => {
  const { errors: list } = await errors('empty.yaml', listener('      []\n'));
  t.equal(list.length, 1);
  t.equal(list[0]!.key, 'listeners[0].hosts');
  t.match(list[0]!.message, /expected at least one host/);
});

t.test('a route requiring a certificate is not warned about when a host asks for one', async (t) => {
  const path = write(
    pki.dir,
    'route-warn.yaml',
    listener(`      - serverNames: [mtls.example.com]
        tls: { cert: server.pem, key: server-key.pem }
        clientAuth: { mode: require, trustedCAs: [ca.pem] }
`).replace('    upstream: echo\n', '    upstream: echo\n    clientCert: required\n'),
  );
  const r = await checkConfig(path, { env: {} });
  t.same(r.errors, []);
  t.same(
    r.warnings.filter((w) => w.key.includes('clientCert')),
    [],
  );
});
