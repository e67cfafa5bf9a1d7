// The log-flood guard on an injected clock: one line per key per second, the count of dropped
// lines carried by the next line written, every dropped line counted in the metric.
import t from 'tap';
import { LogRateLimiter, createRateLimitedLog } from '../../src/observability/log-rate-limit.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { captureLogger } from '../helpers/gateway-harness.js';

t.test('one line per key per interval; the next line reports what was dropped', async (t) => {
  let now = 10_000;
  const limiter = new LogRateLimiter(1000, () => now);
  t.equal(limiter.admit('a'), 0, 'first line of a key is written');
  t.equal(limiter.admit('a'), undefined, 'second within the second is dropped');
  now += 999;
  t.equal(limiter.admit('a'), undefined, 'still within the second');
  t.equal(limiter.admit('b'), 0, 'another key has its own budget');
  now += 1;
  t.equal(limiter.admit('a'), 2, 'a second later: written, with 2 dropped before it');
  t.equal(limiter.admit('a'), undefined);
  now += 5000;
  t.equal(limiter.admit('a'), 1, 'after a quiet spell, the one dropped line is reported');
  now += 5000;
  t.equal(limiter.admit('a'), 0, 'nothing dropped since');
});

t.test('a burst of 1,000 in one second writes one line', async (t) => {
  let now = 0;
  const limiter = new LogRateLimiter(1000, () => now);
  let written = 0;
  for (let i = 0; i < 1000; i++) {
    now = i; // 1 ms apart
    if (limiter.admit('flood') !== undefined) written++;
  }
  t.equal(written, 1);
  now = 1000;
  t.equal(limiter.admit('flood'), 999);
});

t.test('createRateLimitedLog: lines carry event, reason and suppressed; drops are counted', async (t) => {
  let now = 0;
  const { logger, logs } = captureLogger();
  const metrics = createMetrics();
  const log = createRateLimitedLog(logger, metrics, new LogRateLimiter(1000, () => now));
  for (let i = 0; i < 5; i++) log.warn('tls_handshake_failed', 'ECONNRESET', { listener: 'main' }, 'TLS handshake failed');
  log.warn('tls_handshake_failed', 'ERR_SSL_NO_SHARED_CIPHER', { listener: 'main' }, 'TLS handshake failed');
  now = 1500;
  log.warn('tls_handshake_failed', 'ECONNRESET', { listener: 'main' }, 'TLS handshake failed');
  logger.flush();
  await new Promise((r) => setImmediate(r));
  t.same(
    logs.lines.map((l) => [l.event, l.reason, l.suppressed, l.level]),
    [
      ['tls_handshake_failed', 'ECONNRESET', undefined, 40],
      ['tls_handshake_failed', 'ERR_SSL_NO_SHARED_CIPHER', undefined, 40],
      ['tls_handshake_failed', 'ECONNRESET', 4, 40],
    ],
  );
  const m = await metrics.logSuppressed.get();
  t.same(
    m.values.map((v) => [v.labels.event, v.value]),
    [['tls_handshake_failed', 4]],
  );
});
