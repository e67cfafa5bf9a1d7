// The replay cache: a nonce is accepted once until it expires, the cache never forgets a live
// nonce to make room, and a shared async store plugs into verifyForwardedRequestAsync.
import t from 'tap';
import fc from 'fast-check';
import { createReplayCache, verifyForwardedRequest, verifyForwardedRequestAsync } from '../../src/verify/index.js';
import type { ReplayStore } from '../../src/verify/index.js';
import { forwardedRequest, signatureConfig } from './forwarded-request-fixture.js';

const NOW = 1_763_000_000_000;

t.test('a nonce is accepted once, again only after it expired', async (t) => {
  const cache = createReplayCache({ ttl: 60 });
  t.equal(cache.record('n1', NOW + 30_000, NOW), true);
  t.equal(cache.record('n1', NOW + 30_000, NOW + 29_999), false, 'within its validity: a replay');
  t.equal(cache.record('n2', NOW + 30_000, NOW), true, 'another nonce');
  t.equal(cache.record('n1', NOW + 60_000, NOW + 30_000), true, 'expired: forgotten, recorded anew');
  t.equal(cache.size, 1, 'n2 expired with it and was dropped');
});

t.test('entries are held at most ttl seconds, and expired ones are dropped as new ones come', async (t) => {
  const cache = createReplayCache({ ttl: 10 });
  t.equal(cache.record('long', NOW + 3_600_000, NOW), true);
  t.equal(cache.record('long', NOW + 3_600_000, NOW + 10_001), true, 'ttl caps a far expires');
  for (let i = 0; i < 100; i++) cache.record(`n${i}`, NOW + 11_000, NOW + 10_001);
  t.equal(cache.size, 101);
  cache.record('later', NOW + 40_000, NOW + 20_002);
  t.equal(cache.size, 1, 'every expired entry dropped when the next nonce came');
});

t.test('property: accepts a nonce exactly when no unexpired record of it exists, across purges and compaction', async () => {
  const op = fc.record({
    nonce: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 5_000 })),
    advance: fc.integer({ min: 0, max: 300 }),
    life: fc.integer({ min: 1, max: 20_000 }),
  });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const cache = createReplayCache({ ttl: 15 });
      const model = new Map<string, number>();
      let now = NOW;
      for (const { nonce, advance, life } of ops) {
        now += advance;
        const key = `n${nonce}`;
        const live = (model.get(key) ?? 0) > now;
        const got = cache.record(key, now + life, now);
        if (got !== !live) throw new Error(`${key} at ${now}: got ${String(got)}, expected ${String(!live)}`);
        if (!live) model.set(key, Math.min(now + life, now + 15_000));
      }
      const liveCount = [...model.values()].filter((u) => u > now).length;
      if (cache.size < liveCount) throw new Error('a live nonce was forgotten');
    }),
    { numRuns: 200 },
  );
});

t.test('full of live nonces: refuses rather than forgets', async (t) => {
  const cache = createReplayCache({ maxEntries: 2, ttl: 60 });
  t.equal(cache.record('a', NOW + 30_000, NOW), true);
  t.equal(cache.record('b', NOW + 30_000, NOW), true);
  t.equal(cache.record('c', NOW + 30_000, NOW), 'full');
  t.equal(cache.record('a', NOW + 30_000, NOW), false, 'a is still remembered');
  t.equal(cache.record('c', NOW + 60_000, NOW + 30_000), true, 'room again once a and b expired');
  t.throws(() => createReplayCache({ maxEntries: 0 }), TypeError);
  t.throws(() => createReplayCache({ ttl: 0 }), TypeError);
});

t.test('verifyForwardedRequest: the same signed request twice is ERR_REPLAYED; a full cache ERR_REPLAY_CACHE_FULL', async (t) => {
  const sig = signatureConfig('ed25519');
  const keys = { [sig.keyId]: sig.publicKey };
  const replay = createReplayCache({ maxEntries: 1, ttl: 35 });
  const first = forwardedRequest({ sig, now: NOW });
  const id = verifyForwardedRequest(first, { keys, maxAge: 30, now: NOW, replay });
  t.match(id.nonce, /^[A-Za-z0-9_-]{22}$/);
  t.throws(() => verifyForwardedRequest(first, { keys, maxAge: 30, now: NOW + 1000, replay }), { code: 'ERR_REPLAYED' });
  const second = forwardedRequest({ sig, now: NOW });
  t.throws(() => verifyForwardedRequest(second, { keys, maxAge: 30, now: NOW, replay }), { code: 'ERR_REPLAY_CACHE_FULL' });
  // created + 30 s (and 5 s skew) later, the first nonce is gone and the second fits; the first
  // request itself is refused as expired, not as a replay.
  t.throws(() => verifyForwardedRequest(first, { keys, maxAge: 30, now: NOW + 40_000, replay }), { code: 'ERR_SIGNATURE_EXPIRED' });
});

t.test('a refused request does not use up its nonce; a cache shorter than the window is a caller error', async (t) => {
  const sig = signatureConfig('ed25519');
  const keys = { [sig.keyId]: sig.publicKey };
  const replay = createReplayCache({ ttl: 35 });
  const req = forwardedRequest({ sig, now: NOW });
  t.throws(() => verifyForwardedRequest(req, { keys, maxAge: 30, now: NOW, replay, requiredHeaders: ['x-absent'] }), { code: 'ERR_COMPONENT_NOT_COVERED' });
  t.ok(verifyForwardedRequest(req, { keys, maxAge: 30, now: NOW, replay }), 'accepted after the refusal');
  t.throws(() => verifyForwardedRequest(req, { keys, maxAge: 30, now: NOW, replay: createReplayCache({ ttl: 30 }) }), TypeError, 'ttl 30 < maxAge 30 + skew 5');
});

t.test('a shared async store: two replicas, one store, the second replica refuses the replay', async (t) => {
  const sig = signatureConfig('ecdsa-p256-sha256');
  const keys = { [sig.keyId]: sig.publicKey };
  const recorded = new Map<string, number>();
  const calls: Array<[string, number]> = [];
  // What a Redis `SET nonce 1 NX PXAT expiresAt` does, in one place for the test.
  const store: ReplayStore = {
    checkAndSet: async (nonce, expiresAt) => {
      calls.push([nonce, expiresAt]);
      if (recorded.has(nonce)) return false;
      recorded.set(nonce, expiresAt);
      return true;
    },
  };
  const req = forwardedRequest({ sig, now: NOW });
  const id = await verifyForwardedRequestAsync(req, { keys, maxAge: 30, now: NOW, replay: store });
  t.equal(calls.length, 1);
  t.equal(calls[0]![0], id.nonce);
  // expires = created + 30, plus 5 s skew: the last second the signature is accepted, then forgotten.
  t.equal(calls[0]![1], (Math.floor(NOW / 1000) + 30 + 5 + 1) * 1000);
  await t.rejects(verifyForwardedRequestAsync(req, { keys, maxAge: 30, now: NOW, replay: store }), { code: 'ERR_REPLAYED' });
  // The in-memory cache works through the async entry point too.
  const cache = createReplayCache({ ttl: 40 });
  await verifyForwardedRequestAsync(req, { keys, maxAge: 30, now: NOW, replay: cache });
  await t.rejects(verifyForwardedRequestAsync(req, { keys, maxAge: 30, now: NOW, replay: cache }), { code: 'ERR_REPLAYED' });
});

t.test('a signature without nonce is refused when a replay cache is used', async (t) => {
  const sig = signatureConfig('hmac-sha256');
  const keys = { [sig.keyId]: sig.key };
  const req = forwardedRequest({ sig, now: NOW });
  const stripped = { ...req, headers: { ...req.headers, 'signature-input': String(req.headers['signature-input']).replace(/;nonce="[^"]*"/, '') } };
  t.throws(
    () => verifyForwardedRequest(stripped, { keys, maxAge: 30, now: NOW, replay: createReplayCache() }),
    { code: 'ERR_BAD_SIGNATURE' },
    'the nonce is signed: removing it breaks the signature',
  );
});
