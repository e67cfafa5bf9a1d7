// createRemoteKeySet: keys fetched ahead from a real HTTP JWKS endpoint, verification stays
// synchronous, an unknown keyid triggers one background refetch per cooldown, a bad answer
// keeps the keys already held.
import t from 'tap';
import http from 'node:http';
import { createRemoteKeySet, verifyForwardedRequest, isCertgateVerifyError } from '../../src/verify/index.js';
import { publicJwks } from '../../src/signing/public-jwks.js';
import { forwardedRequest, signatureConfig } from './forwarded-request-fixture.js';
import { probeUntil, waitUntil } from '../helpers/wait-for.js';

const k1 = signatureConfig('ed25519', 'k1');
const k2 = signatureConfig('ecdsa-p256-sha256', 'k2');
let served: object = publicJwks([k1]);
let status = 200;
let fetches = 0;
const server = http.createServer((_req, res) => {
  fetches += 1;
  res.writeHead(status, { 'content-type': 'application/jwk-set+json' });
  res.end(JSON.stringify(served));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
t.teardown(() => server.close());
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/certgate-keys`;
const NOW = 1_763_000_000_000;
const verify = (sig: typeof k1, keys: ReturnType<typeof createRemoteKeySet>) => verifyForwardedRequest(forwardedRequest({ sig, now: NOW }), { keys, maxAge: 30, now: NOW + 1000 });
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isCertgateVerifyError(err) ? err.code : String(err);
  }
};

t.test('fetched ahead; verification is synchronous; unknown keyid refetches once per cooldown', async (t) => {
  fetches = 0;
  const keys = createRemoteKeySet(url, { cooldown: 60_000, refreshInterval: 3_600_000 });
  t.teardown(() => keys.close());
  await keys.ready();
  t.equal(fetches, 1, 'one fetch ahead');
  t.equal(verify(k1, keys).keyId, 'k1', 'k1 verifies synchronously');
  served = publicJwks([k1, k2]);
  const keys2 = createRemoteKeySet(url, { cooldown: 0, refreshInterval: 3_600_000 });
  t.teardown(() => keys2.close());
  await keys2.ready();
  t.equal(verify(k2, keys2).keyId, 'k2');
  served = publicJwks([k1]);
  t.equal(
    codeOf(() => verify(k2, keys)),
    'ERR_UNKNOWN_KEYID',
    'an unknown keyid is refused now',
  );
  t.equal(
    codeOf(() => verify(k2, keys)),
    'ERR_UNKNOWN_KEYID',
  );
  t.equal(fetches, 2, 'no refetch within the cooldown (one fetch each for keys and keys2)');
});

t.test('an unknown keyid after the cooldown: one background refetch, then the key verifies', async (t) => {
  served = publicJwks([k1]);
  const keys = createRemoteKeySet(url, { cooldown: 0, refreshInterval: 3_600_000 });
  t.teardown(() => keys.close());
  await keys.ready();
  served = publicJwks([k1, k2]);
  const before = fetches;
  t.equal(
    codeOf(() => verify(k2, keys)),
    'ERR_UNKNOWN_KEYID',
  );
  t.equal(
    codeOf(() => verify(k2, keys)),
    'ERR_UNKNOWN_KEYID',
    'a second miss while the fetch runs',
  );
  await probeUntil(
    () => keys.keyIds().length,
    (n) => n === 2,
    { what: 'k2 fetched' },
  );
  t.equal(fetches, before + 1, 'one refetch for both misses');
  t.equal(verify(k2, keys).keyId, 'k2', 'k2 verifies after the refetch');
});

t.test('a failing endpoint keeps the keys already held and reports the error', async (t) => {
  served = publicJwks([k1]);
  const errors: string[] = [];
  const keys = createRemoteKeySet(url, { cooldown: 0, refreshInterval: 3_600_000, onError: (e) => errors.push(e.message) });
  t.teardown(() => keys.close());
  await keys.ready();
  status = 500;
  await t.rejects(keys.refresh(), /answered 500/);
  status = 200;
  served = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA', kid: 'bad' }] };
  await t.rejects(keys.refresh());
  t.same(keys.keyIds(), ['k1'], 'k1 still held');
  t.equal(verify(k1, keys).keyId, 'k1');
  t.throws(() => createRemoteKeySet('file:///etc/passwd'), /http\(s\)/);
});

// A fetch that counts its calls synchronously: createRemoteKeySet calls it in the same tick as
// the getKey miss or timer tick that caused it, so the count is exact without waiting.
const countingFetch = () => {
  const calls: { accept: string | null; hasSignal: boolean }[] = [];
  const f = ((input: URL, init?: RequestInit) => {
    calls.push({ accept: new Headers(init?.headers).get('accept'), hasSignal: init?.signal instanceof AbortSignal });
    return fetch(input, init);
  }) as typeof fetch;
  return { calls, fetch: f };
};

t.test('the fetch asks for a JWK set, with a timeout signal; fetchedAt is when it came in', async (t) => {
  served = publicJwks([k1]);
  const c = countingFetch();
  const before = Date.now();
  const keys = createRemoteKeySet(url, { refreshInterval: 3_600_000, fetch: c.fetch });
  t.teardown(() => keys.close());
  t.equal(keys.fetchedAt, 0, 'no fetch completed yet');
  await keys.ready();
  t.same(c.calls, [{ accept: 'application/jwk-set+json, application/json', hasSignal: true }]);
  t.ok(keys.fetchedAt >= before && keys.fetchedAt <= Date.now(), `fetchedAt ${keys.fetchedAt} within the fetch`);
});

t.test('a hanging endpoint is given up after `timeout` and reported', async (t) => {
  const hanging = http.createServer(() => undefined); // never answers
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    hanging.closeAllConnections();
    hanging.close();
  });
  const errors: string[] = [];
  const keys = createRemoteKeySet(`http://127.0.0.1:${(hanging.address() as { port: number }).port}/k`, {
    timeout: 50,
    refreshInterval: 3_600_000,
    onError: (e) => errors.push(e.name),
  });
  t.teardown(() => keys.close());
  await t.rejects(keys.ready(), { name: 'TimeoutError' }, 'the first fetch times out');
  t.same(errors, ['TimeoutError'], 'onError hears about the first fetch failing');
});

t.test('https URLs are accepted like http ones', async (t) => {
  const errors: string[] = [];
  // Nothing listens on port 1: the fetch fails, which is all this needs (the scheme was accepted).
  const keys = createRemoteKeySet('https://127.0.0.1:1/.well-known/certgate-keys', { refreshInterval: 3_600_000, onError: (e) => errors.push(e.message) });
  t.teardown(() => keys.close());
  await t.rejects(keys.ready());
  t.equal(errors.length, 1, 'the failed first fetch is reported once');
  t.throws(() => createRemoteKeySet('ftp://127.0.0.1/keys'), /http\(s\)/, 'other schemes are refused');
});

t.test('the background refresh runs every refreshInterval, reports failures, and stops on close', async (t) => {
  served = publicJwks([k1]);
  const a = countingFetch();
  const b = countingFetch();
  const errors: string[] = [];
  const closed = createRemoteKeySet(url, { refreshInterval: 20, fetch: a.fetch });
  const open = createRemoteKeySet(url, { refreshInterval: 20, fetch: b.fetch, onError: (e) => errors.push(e.message) });
  t.teardown(() => open.close());
  await Promise.all([closed.ready(), open.ready()]);
  closed.close();
  const closedCalls = a.calls.length;
  await waitUntil(() => b.calls.length >= 3, { what: 'two background refreshes' });
  t.equal(a.calls.length, closedCalls, 'a closed key set fetches no more');
  served = publicJwks([k1, k2]);
  await waitUntil(() => open.keyIds().length === 2, { what: 'k2 picked up by the background refresh' });
  status = 503;
  await waitUntil(() => errors.length > 0, { what: 'a failed background refresh reported' });
  status = 200;
  t.match(errors[0], /answered 503/);
  t.same(open.keyIds(), ['k1', 'k2'], 'keys kept through the failure');
});

t.test('the cooldown counts from the last fetch: inside it a miss fetches nothing, after it one fetch', async (t) => {
  served = publicJwks([k1]);
  const c = countingFetch();
  const keys = createRemoteKeySet(url, { cooldown: 3_600_000, refreshInterval: 3_600_000, fetch: c.fetch });
  t.teardown(() => keys.close());
  await keys.ready();
  t.equal(keys.getKey('k2'), undefined);
  t.equal(c.calls.length, 1, 'no refetch within an hour-long cooldown');

  const d = countingFetch();
  const short = createRemoteKeySet(url, { cooldown: 2, refreshInterval: 3_600_000, fetch: d.fetch });
  t.teardown(() => short.close());
  await short.ready();
  const started = Date.now();
  await waitUntil(() => Date.now() - started > 3, { what: 'the 2 ms cooldown to pass', intervalMs: 1 });
  t.equal(short.getKey('k2'), undefined, 'the unknown keyid is refused now');
  t.equal(d.calls.length, 2, 'and one refetch starts once the (short, non-zero) cooldown is over');
});

t.test('without onError, failed first and background fetches stay inside the key set', async (t) => {
  const c = countingFetch();
  // Nothing listens on port 1. A rejection escaping the key set would fail this file as unhandled.
  const keys = createRemoteKeySet('http://127.0.0.1:1/.well-known/certgate-keys', { refreshInterval: 20, fetch: c.fetch });
  t.teardown(() => keys.close());
  await t.rejects(keys.ready(), 'ready() carries the first failure to whoever asks');
  await waitUntil(() => c.calls.length >= 3, { what: 'two failed background refreshes' });
  t.same(keys.keyIds(), [], 'no keys, and no crash');
});
