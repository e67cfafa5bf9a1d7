// Micro-benchmark of RFC 9421 signing and verification (run `npm run build` first; imports dist).
// Prints the median µs per operation over batches, and for signing the part that is certgate's own
// work: sign() minus the bare node:crypto signature over a base of the same length.
//   node bench/signing-bench.mjs [--batches 41] [--batch 500] [--dist DIR (another build, e.g. main's)]
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const distArg = process.argv.indexOf('--dist');
const DIST = pathToFileURL(resolve(distArg === -1 ? new URL('../dist', import.meta.url).pathname : process.argv[distArg + 1])).href;
const { createRequestSigner } = await import(`${DIST}/signing/request-signer.js`);
const { encodeCertHeader } = await import(`${DIST}/wire/header-codecs.js`);
const { verifyForwardedRequest } = await import(`${DIST}/verify/index.js`);
const BATCHES = arg('batches', 41);
const BATCH = arg('batch', 500);

// A realistic forwarded request: an EC leaf certificate (RFC 9421 B.3's) as nginx-escaped PEM.
const LEAF = Buffer.from(
  'MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMMEkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAOBgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoGCCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk0wmuydBVoU4hBVZ1yhk=',
  'base64',
);
// Frozen, as the gateway's per-identity list is (src/headers/identity-headers.ts).
const added = Object.freeze([
  'X-Client-Cert',
  encodeCertHeader('pem-urlencoded', LEAF),
  'X-Client-Verify',
  'SUCCESS',
  'X-Client-Subject-DN',
  'CN=BC',
  'X-Client-Cert-Thumbprint',
  'placeholder-thumbprint-43-characters-long-xx',
]);
// Every forwarded request carries a request ID, covered last.
const requestId = 'f3a9c2d47b1e4f0a8c6d2e9b5a7c1d3e';
const input = { method: 'POST', authority: 'idp.internal:8443', path: '/oauth/v2/oauth-token', query: '?a=1', added, requestIdHeader: 'X-Request-Id', requestId };

function keysFor(alg) {
  if (alg === 'hmac-sha256') {
    const k = createSecretKey(randomBytes(32));
    return { key: k, pub: k };
  }
  const kp = alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: kp.privateKey, pub: kp.publicKey };
}

function batchMicros(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1000 / BATCH;
}

const mid = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Median µs/op of `a` and `b`, and the median of their per-batch difference. Batches of the two
 * alternate so both see the same machine load (a shared CI box is noisy).
 */
function paired(a, b) {
  for (let i = 0; i < BATCH * 2; i++) {
    a();
    b();
  } // warm-up
  const as = [];
  const bs = [];
  const ds = [];
  for (let k = 0; k < BATCHES; k++) {
    const ta = batchMicros(a);
    const tb = batchMicros(b);
    as.push(ta);
    bs.push(tb);
    ds.push(ta - tb);
  }
  return [mid(as), mid(bs), mid(ds), Math.min(...as) - Math.min(...bs)];
}

function median(fn) {
  for (let i = 0; i < BATCH * 2; i++) fn(); // warm-up
  const xs = [];
  for (let k = 0; k < BATCHES; k++) xs.push(batchMicros(fn));
  return mid(xs);
}

const fmt = (n) => n.toFixed(2).padStart(8);
console.log(`node ${process.version}, ${BATCHES} batches x ${BATCH} ops, median µs/op`);
console.log('alg                 sign()   bare-crypto  overhead (best-batch)   verify()');
for (const alg of ['ed25519', 'ecdsa-p256-sha256', 'hmac-sha256']) {
  const { key, pub } = keysFor(alg);
  const signer = createRequestSigner({ alg, keyId: 'bench', key, keyPath: '<bench>', expiresIn: 30, digestMaxBody: 65536, largeBodies: 'reject' });
  const signed = signer.sign(input);
  // The same number of bytes as the real base: signatureInput repeats the params line.
  const base = Buffer.alloc(
    signed.signatureInput.length + input.path.length + input.query.length + 2 * 48 + added.reduce((n, s) => n + s.length + 6, 0) + requestId.length + 16,
    'a',
  );
  const bare =
    alg === 'ed25519'
      ? () => cryptoSign(null, base, key)
      : alg === 'ecdsa-p256-sha256'
        ? () => cryptoSign('sha256', base, { key, dsaEncoding: 'ieee-p1363' })
        : () => createHmac('sha256', key).update(base).digest();
  const [tSign, tBare, tOverhead, floorOverhead] = paired(() => signer.sign(input), bare);

  const headers = { host: input.authority, 'signature-input': signed.signatureInput, signature: signed.signature };
  for (let i = 0; i < added.length; i += 2) headers[added[i].toLowerCase()] = added[i + 1];
  delete headers['x-client-cert-thumbprint']; // the bench value is not the real thumbprint
  headers['x-request-id'] = requestId;
  const req = { method: input.method, url: input.path + input.query, headers };
  const reSigned = createRequestSigner({ alg, keyId: 'bench', key, keyPath: '<bench>', expiresIn: 30, digestMaxBody: 65536, largeBodies: 'reject' }).sign({
    ...input,
    added: added.slice(0, 6),
  });
  headers['signature-input'] = reSigned.signatureInput;
  headers.signature = reSigned.signature;
  const opts = { keys: { bench: pub }, maxAge: 300 };
  verifyForwardedRequest(req, opts); // throws if the bench request is wrong
  const tVerify = median(() => verifyForwardedRequest(req, opts));
  console.log(`${alg.padEnd(18)}${fmt(tSign)}   ${fmt(tBare)}   ${fmt(tOverhead)} (${fmt(floorOverhead).trim()})   ${fmt(tVerify)}`);
}
