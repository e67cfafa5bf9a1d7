#!/usr/bin/env node
// certgate/verify's cost per request with the issue 14 checks, and the replay cache's memory.
//   1. µs per verifyForwardedRequest on a signed token request (ed25519, 300-byte body): the
//      signature alone; plus the Content-Digest check; plus the in-memory replay cache. Each
//      request is signed afresh (its own nonce), as certgate sends them.
//   2. Heap bytes of a replay cache holding 300,000 nonces: 10,000 requests/s for 30 s, the TTL
//      certgate's default `expires` gives (created + 30 s).
//
//   npm run build && node --expose-gc bench/verify-replay.mjs [--requests 20000] [--rounds 5] [--nonces 300000]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRequestSigner } from '../dist/signing/request-signer.js';
import { contentDigestValue } from '../dist/wire/content-digest.js';
import { createReplayCache, verifyForwardedRequest } from '../dist/verify/index.js';

const { values: args } = parseArgs({
  options: { requests: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, nonces: { type: 'string', default: '300000' } },
});
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const N = Number(args.requests);

// Memory: nonces as certgate sends them (22 base64url characters), held for the TTL.
const count = Number(args.nonces);
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const cache = createReplayCache({ maxEntries: count, ttl: 35 });
const now = Date.now();
const pool = randomBytes(16 * 1024);
for (let i = 0; i < count; i++) {
  if (i % 1024 === 0) randomBytes(16 * 1024).copy(pool);
  cache.record(pool.toString('base64url', (i % 1024) * 16, (i % 1024) * 16 + 16), now + 30_000, now);
}
globalThis.gc();
const after = process.memoryUsage().heapUsed;
console.log(
  `replay cache with ${cache.size} nonces: ${((after - before) / 1024 / 1024).toFixed(1)} MiB heap (${((after - before) / count).toFixed(0)} bytes/nonce, the nonce strings included)`,
);

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = createRequestSigner({ alg: 'ed25519', keyId: 'bench', key: privateKey, keyPath: '<bench>', expiresIn: 30, digestMaxBody: 65536, largeBodies: 'reject' });
const body = Buffer.from('grant_type=client_credentials&client_id=bench-client&scope=api'.padEnd(300, 'x'));
const contentDigest = contentDigestValue(body);
// A real client certificate (the benchmark PKI: `node bench/run.mjs` or bench/lib/pki.mjs makes it).
const certFile = new URL('./results/pki/client-ec.pem', import.meta.url);
if (!existsSync(certFile)) throw new Error('no bench/results/pki/client-ec.pem: run node bench/signed-body-post.mjs or bench/run.mjs once');
const added = ['X-Client-Cert', encodeURIComponent(readFileSync(certFile, 'utf8')), 'X-Client-Verify', 'SUCCESS'];

function signedRequests() {
  const out = [];
  for (let i = 0; i < N; i++) {
    const s = signer.sign({
      method: 'POST',
      authority: 'as.internal:8080',
      path: '/token',
      added: [...added],
      requestIdHeader: 'X-Request-Id',
      requestId: `req-${i}`,
      contentDigest,
    });
    out.push({
      method: 'POST',
      url: '/token',
      headers: {
        host: 'as.internal:8080',
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        'x-client-cert': added[1],
        'x-client-verify': 'SUCCESS',
        'x-request-id': `req-${i}`,
        'content-digest': contentDigest,
        'signature-input': s.signatureInput,
        signature: s.signature,
      },
    });
  }
  return out;
}

const keys = { bench: publicKey };
const modes = {
  signature: () => ({ keys, maxAge: 30 }),
  'signature+digest': () => ({ keys, maxAge: 30, body, requireBodyCoverage: true }),
  'signature+digest+replay': (cache) => ({ keys, maxAge: 30, body, requireBodyCoverage: true, replay: cache }),
};
const results = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
for (let round = 0; round < Number(args.rounds); round++) {
  for (const [name, opts] of Object.entries(modes)) {
    const reqs = signedRequests();
    const o = opts(createReplayCache({ ttl: 35 }));
    const t0 = process.hrtime.bigint();
    for (const r of reqs) verifyForwardedRequest(r, o);
    results[name].push(Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}, ${N} requests x ${args.rounds} rounds, ed25519, 300-byte body`);
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(24)} ${median(xs).toFixed(1)} µs/request (median)`);
const base = median(results.signature);
console.log(
  `digest adds ${(median(results['signature+digest']) - base).toFixed(2)} µs, replay cache ${(median(results['signature+digest+replay']) - median(results['signature+digest'])).toFixed(2)} µs`,
);

// The two additions alone, without the signature check's noise: the SHA-256 Content-Digest of the
// body (what the gateway computes per request, and the verifier again), and one record in a cache
// at steady state (300,000 live nonces, one expiring per insert).
const time = (label, ops, fn) => {
  const runs = [];
  for (let r = 0; r < Number(args.rounds); r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) fn(i);
    runs.push(Number(process.hrtime.bigint() - t0) / 1000 / ops);
  }
  console.log(`${label.padEnd(40)} ${median(runs).toFixed(2)} µs/op (median)`);
};
time('Content-Digest of 300 bytes (sha-256)', 200_000, () => contentDigestValue(body));
{
  const steady = createReplayCache({ maxEntries: 400_000, ttl: 35 });
  const t = Date.now();
  const names = Array.from({ length: 600_000 }, (_, i) => `n${i}-${randomBytes(8).toString('base64url')}`);
  // 300,000 live, each expiring 30 s after it came, 10,000 per simulated second.
  for (let i = 0; i < 300_000; i++) steady.record(names[i], t + Math.floor(i / 10) + 30_000, t + Math.floor(i / 10));
  time('replay cache record at 300,000 live', 50_000, (i) => steady.record(names[300_000 + (i % 300_000)], t + 60_000 + i, t + 30_000 + Math.floor(i / 10)));
}
