// createRemoteKeySet: keys fetched ahead from a real HTTP JWKS endpoint, verification stays
// synchronous, an unknown keyid triggers one background refetch per cooldown, a bad answer
// keeps the keys already held.
import t from 'tap';
import http from 'node:http';
import { createRemoteKeySet, verifyForwardedRequest, isCertgateVerifyError } from '../../src/verify/index.js';
import { publicJwks } from '../../src/signing/public-jwks.js';
import { forwardedRequest, signatureConfig } from './forwarded-request-fixture.js';
import { probeUntil } from '../helpers/wait-for.js';

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
const verify = (sig: typeof k1, keys: ReturnType<typeof createRemoteKeySet>) =>
  verifyForwardedRequest(forwardedRequest({ sig, now: NOW }), { keys, maxAge: 30, now: NOW + 1000 });
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
  t.equal(codeOf(() => verify(k2, keys)), 'ERR_UNKNOWN_KEYID', 'an unknown keyid is refused now');
  t.equal(codeOf(() => verify(k2, keys)), 'ERR_UNKNOWN_KEYID');
  t.equal(fetches, 2, 'no refetch within the cooldown (one fetch each for keys and keys2)');
});

t.test('an unknown keyid after the cooldown: one background refetch, then the key verifies', async (t) => {
  served = publicJwks([k1]);
  const keys = createRemoteKeySet(url, { cooldown: 0, refreshInterval: 3_600_000 });
  t.teardown(() => keys.close());
  await keys.ready();
  served = publicJwks([k1, k2]);
  const before = fetches;
  t.equal(codeOf(() => verify(k2, keys)), 'ERR_UNKNOWN_KEYID');
  t.equal(codeOf(() => verify(k2, keys)), 'ERR_UNKNOWN_KEYID', 'a second miss while the fetch runs');
  await probeUntil(() => keys.keyIds().length, (n) => n === 2, { what: 'k2 fetched' });
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
