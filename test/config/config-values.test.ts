// The small parsers behind the loader: durations, sizes, ${NAME}, listen addresses, header names
// (DNs and thumbprints: test/x509/distinguished-name.test.ts, test/wire/thumbprint.test.ts).
import t from 'tap';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { interpolateEnv } from '../../src/config/env-interpolation.js';
import { parseListenAddress } from '../../src/config/listen-address.js';
import { headerNameProblem } from '../../src/config/header-names.js';

t.test('durations', async (t) => {
  t.same(['500ms', '2s', '5m', '1h', '1d', '1.5s', '0'].map(parseDuration), [500, 2000, 300_000, 3_600_000, 86_400_000, 1500, 0]);
  for (const bad of ['5', '5 seconds', '2S', '-1s', 's', '1h30m', '']) t.equal(parseDuration(bad), undefined, bad);
});

t.test('sizes', async (t) => {
  t.same(['16kb', '16k', '16KiB', '1mb', '512', '512b'].map(parseSize), [16384, 16384, 16384, 1_048_576, 512, 512]);
  for (const bad of ['16 kilobytes', '1.5kb', 'kb', '-1']) t.equal(parseSize(bad), undefined, bad);
});

t.test('${NAME} interpolation', async (t) => {
  const env = { A: 'x', B: '' };
  t.same(interpolateEnv('${A}-${B}-$${A}', env), { ok: true, value: 'x--${A}', usedEnv: true });
  t.same(interpolateEnv('plain $HOME text', env), { ok: true, value: 'plain $HOME text', usedEnv: false });
  t.same(interpolateEnv('${MISSING} ${ALSO}', env), { ok: false, message: 'environment variables MISSING, ALSO are not set' });
  t.match(interpolateEnv('${A', env), { ok: false, message: /unterminated/ });
  t.match(interpolateEnv('${1A}', env), { ok: false, message: /invalid environment variable name '1A'/ });
});

t.test('listen addresses', async (t) => {
  t.same(parseListenAddress('0.0.0.0:8443'), { host: '0.0.0.0', port: 8443 });
  t.same(parseListenAddress('[::1]:9901'), { host: '::1', port: 9901 });
  t.same(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  for (const bad of ['8443', ':8443', '::1:8443', '[localhost]:1', 'host:65536', 'host:', 'a b:1', '0.0.0.0']) t.equal(parseListenAddress(bad), undefined, bad);
});

t.test('header names', async (t) => {
  t.equal(headerNameProblem('X-Client-Cert'), undefined);
  t.match(headerNameProblem('X Client'), /not a valid header name/);
  t.match(headerNameProblem('Connection'), /hop-by-hop/);
  t.match(headerNameProblem('host'), /hop-by-hop or framing/);
  t.match(headerNameProblem('Transfer-Encoding'), /hop-by-hop/);
});
