import t from 'tap';
import { checkConfig } from '../../src/config/load-config.js';
import { formatCheckReport } from '../../src/config/check-report.js';
import { LISTENER, lineOf, makeTestPki, UPSTREAM_AND_ROUTE, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

t.test('an invalid config: file:line:column, key and what was expected, then a verdict', async (t) => {
  const text = `${LISTENER.replace('trustedCAs', 'mode: requir\n      trustedCAs')}${UPSTREAM_AND_ROUTE}    clientCert: requird\n`;
  const path = write(pki.dir, 'report.yaml', text);
  const report = formatCheckReport(await checkConfig(path));
  t.equal(
    report,
    [
      `error: ${path}:${lineOf(text, 'requir')}:13: listeners[0].clientAuth.mode: expected one of require | optional | optional_no_ca | off, got 'requir'`,
      `error: ${path}:${lineOf(text, 'requird')}:17: routes[0].clientCert: expected one of required | optional, got 'requird'`,
      'config invalid: 2 errors, 0 warnings',
      '',
    ].join('\n'),
  );
});

t.test('a valid config with a warning', async (t) => {
  const text = `${LISTENER}upstreams:\n  echo: { url: "http://127.0.0.1:9080" }\n  spare: { url: "http://127.0.0.1:9" }\nroutes:\n  - name: all\n    upstream: echo\n`;
  const path = write(pki.dir, 'warn.yaml', text);
  const result = await checkConfig(path);
  t.ok(result.config);
  t.equal(
    formatCheckReport(result),
    [
      `warning: ${path}:${lineOf(text, 'spare')}:10: upstreams.spare: upstream 'spare' is not used by any route`,
      'config OK (1 listener, 2 upstreams, 1 route), 1 warning',
      '',
    ].join('\n'),
  );
});

t.test('a top-level typo gets a suggestion', async (t) => {
  const text = `${LISTENER}${UPSTREAM_AND_ROUTE}upstream: {}\n`;
  const report = formatCheckReport(await checkConfig(write(pki.dir, 'typo.yaml', text)));
  t.match(report, `:${lineOf(text, 'upstream: {}')}:1: upstream: unknown key 'upstream' (did you mean 'upstreams'?)`);
});

t.test('a missing config file', async (t) => {
  const report = formatCheckReport(await checkConfig('/nonexistent/certgate.yaml'));
  t.match(report, /^error: \/nonexistent\/certgate\.yaml: \(file\): config file \/nonexistent\/certgate\.yaml does not exist\n/);
});
