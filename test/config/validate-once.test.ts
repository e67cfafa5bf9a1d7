// Issue 7, finding 8 and the key policy: what can fail on config fails when the config loads,
// with file, line and key, because it is checked by the code that later runs it. An allow rule
// naming an attribute the DN parser does not know used to pass `check` and then answer every
// request with 500 (or end the process with revocation pending).
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { checkConfig, loadConfig } from '../../src/config/load-config.js';
import { checkAllow } from '../../src/policy/route-policy.js';
import { describeCertificate } from '../../src/identity/client-certificate.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';
import { makeTestPki as makeTlsPki } from '../helpers/pki.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

t.test('an allow rule with an unknown DN attribute fails loadConfig with file:line and key', async (t) => {
  const text = `${LISTENER}${UPSTREAM_AND_ROUTE}    allow:
      subjectDN:
        - "CN=ok,O=Example"
        - "CN=client,badAttr=x"
`;
  const path = write(pki.dir, 'allow-unknown-attr.yaml', text);
  const err = await loadConfig(path, { env: {} }).catch((e: unknown) => e);
  t.ok(err instanceof ConfigError, 'loadConfig refuses the config');
  const issues = (err as ConfigError).issues;
  t.equal(issues.length, 1, (err as Error).message);
  t.match(issues[0], { file: path, line: lineOf(text, 'badAttr'), key: 'routes[0].allow.subjectDN[1]', message: /unknown attribute type "badAttr"/ });
  t.match((err as Error).message, new RegExp(`allow-unknown-attr\\.yaml:${lineOf(text, 'badAttr')}:\\d+: routes\\[0\\]\\.allow\\.subjectDN\\[1\\]`));
  const report = await checkConfig(path, { env: {} });
  t.match(report.errors, [{ key: 'routes[0].allow.subjectDN[1]', line: lineOf(text, 'badAttr') }], 'certgate check reports it too');
});

t.test('the allow list is compiled at load and matched as loaded', async (t) => {
  const text = `${LISTENER}${UPSTREAM_AND_ROUTE}    allow:
      subjectDN: ["cn=CLIENT.example.org, o=client,l=chiyoda-ku,st=tokyo,c=jp"]
`;
  const config = await loadConfig(write(pki.dir, 'allow-compiled.yaml', text), { env: {} });
  const route = config.routes[0]!;
  t.ok(route.compiledAllow, 'the route carries its compiled allow list');
  t.ok(Object.isFrozen(route.compiledAllow));
  const tls = await makeTlsPki();
  const identity = { certificate: describeCertificate(tls.client.x509), chain: [], verify: 'SUCCESS' as const };
  t.same(checkAllow(identity, route.compiledAllow!), { ok: true }, 'matched with distinguishedNameMatch');
});

t.test('revocation override DNs are read by the identity DN parser', async (t) => {
  const text = `${LISTENER}    revocation:
      overrides:
        - issuer: { subjectDN: "CN=Some CA,nonsense=1" }
          check: off
        - issuer: { subjectDN: "CN=Smith\\\\, John;O=Example" }
          check: off
${UPSTREAM_AND_ROUTE}`;
  const path = write(pki.dir, 'override-dn.yaml', text);
  const report = await checkConfig(path, { env: {} });
  t.match(report.errors, [{ key: 'listeners[0].revocation.overrides[0].issuer.subjectDN', line: lineOf(text, 'nonsense'), message: /unknown attribute type "nonsense"/ }]);
  t.equal(report.errors.length, 1, 'the escaped comma and the RFC 2253 ";" separator are fine');
});

t.test('clientAuth.keyPolicy: bad values are reported with file:line and key', async (t) => {
  const text = `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth:
      trustedCAs: [ca.pem]
      keyPolicy:
        rsaMinBits: 512
        dsaMinBits: yes
        ecCurves: [P-256, P-192]
        ed25519: maybe
        rsaBits: 2048
${UPSTREAM_AND_ROUTE}`;
  const path = write(pki.dir, 'key-policy.yaml', text);
  const report = await checkConfig(path, { env: {} });
  const at = (key: string) => report.errors.find((e) => e.key === `listeners[0].clientAuth.keyPolicy.${key}`);
  t.match(at('rsaMinBits'), { line: lineOf(text, 'rsaMinBits'), message: /1024/ });
  t.match(at('dsaMinBits'), { line: lineOf(text, 'dsaMinBits'), message: 'expected an integer from 1024 to 16384 (bits), or false to refuse DSA keys' });
  t.match(at('ecCurves[1]'), {
    line: lineOf(text, 'ecCurves'),
    message: "unknown curve 'P-192'; expected one of P-256, P-384, P-521, secp256k1, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1",
  });
  t.match(at('ed25519'), { line: lineOf(text, 'ed25519') });
  t.match(at('rsaBits'), { line: lineOf(text, 'rsaBits'), message: /unknown key 'rsaBits'/ });
  t.equal(report.errors.length, 5, report.errors.map((e) => `${e.key}: ${e.message}`).join('\n'));
});

t.test('clientAuth.keyPolicy: defaults, and values as given', async (t) => {
  const given = `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth:
      trustedCAs: [ca.pem]
      keyPolicy: { rsaMinBits: 3072, dsaMinBits: false, ecCurves: [P-384], ed448: false }
${UPSTREAM_AND_ROUTE}`;
  const config = await loadConfig(write(pki.dir, 'key-policy-ok.yaml', given), { env: {} });
  t.same(config.listeners[0]!.clientAuth.keyPolicy, { rsaMinBits: 3072, dsaMinBits: false, ecCurves: ['P-384'], ed25519: true, ed448: false });
  const defaults = await loadConfig(write(pki.dir, 'key-policy-default.yaml', `${LISTENER}${UPSTREAM_AND_ROUTE}`), { env: {} });
  t.same(defaults.listeners[0]!.clientAuth.keyPolicy, { rsaMinBits: 2048, dsaMinBits: 2048, ecCurves: ['P-256', 'P-384', 'P-521'], ed25519: true, ed448: true });
});
