// The introspection cache: one call per token while its answer lives, one call for concurrent
// misses, refusals and outages never remembered, bounded in entries.
import t from 'tap';
import { IntrospectionCache } from '../../src/token-binding/introspection-cache.js';
import { TokenRejection, VerificationUnavailable } from '../../src/token-binding/token-errors.js';
import type { VerifiedToken } from '../../src/token-binding/verified-token.js';

function endpoint(answer: (token: string, n: number) => VerifiedToken | Error) {
  const calls: string[] = [];
  return {
    calls,
    introspect: (token: string): Promise<VerifiedToken> => {
      calls.push(token);
      const a = answer(token, calls.length);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
}
const live = (): VerifiedToken => ({ x5tS256: 'abc', expiresAt: Date.now() + 60_000 });

t.test('an answer is reused until it expires', async (t) => {
  const e = endpoint(() => live());
  const cache = new IntrospectionCache({ maxEntries: 10, introspect: e.introspect });
  for (let i = 0; i < 5; i++) t.match(await cache.verify('tok'), { x5tS256: 'abc' });
  t.same(e.calls, ['tok']);
  const expired = endpoint(() => ({ x5tS256: 'abc', expiresAt: Date.now() - 1 }));
  const cache2 = new IntrospectionCache({ maxEntries: 10, introspect: expired.introspect });
  await cache2.verify('tok');
  await cache2.verify('tok');
  t.equal(expired.calls.length, 2, 'an expired answer is asked again');
});

t.test('concurrent misses for one token make one call', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const calls: string[] = [];
  const cache = new IntrospectionCache({
    maxEntries: 10,
    introspect: async (token) => {
      calls.push(token);
      await gate;
      return live();
    },
  });
  const all = Promise.all(Array.from({ length: 20 }, () => cache.verify('burst')));
  release();
  t.equal((await all).length, 20);
  t.same(calls, ['burst']);
});

t.test('refusals and outages are not cached', async (t) => {
  const e = endpoint((_token, n) => (n === 1 ? new VerificationUnavailable('down') : n === 2 ? new TokenRejection('not active') : live()));
  const cache = new IntrospectionCache({ maxEntries: 10, introspect: e.introspect });
  await t.rejects(cache.verify('tok'), VerificationUnavailable);
  await t.rejects(cache.verify('tok'), TokenRejection);
  t.match(await cache.verify('tok'), { x5tS256: 'abc' });
  t.equal(e.calls.length, 3);
});

t.test('bounded: past maxEntries the least recently used answer goes', async (t) => {
  const e = endpoint(() => live());
  const cache = new IntrospectionCache({ maxEntries: 2, introspect: e.introspect });
  await cache.verify('a');
  await cache.verify('b');
  await cache.verify('a'); // a is now the most recent
  await cache.verify('c'); // evicts b
  await cache.verify('a');
  await cache.verify('b');
  t.same(e.calls, ['a', 'b', 'c', 'b']);
});
