// Revocation benchmark, run by hand after `npm run build`:
//   node --expose-gc bench/revocation-bench.mjs
// 1) 100,000-entry CRL: parse + verify + index time and retained heap (target < 1 s, < 50 MB).
// 2) Lookup cost at 1,000 vs 100,000 entries (should not grow with size).
// 3) Cold OCSP check latency on loopback against a real `openssl ocsp` (median, p99), and the
//    cost of a cached check.
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseCrl } from '../dist/x509/crl-parser.js';
import { verifySignature } from '../dist/x509/signature.js';
import { RevocationChecker } from '../dist/revocation/revocation-checker.js';
import { certInfo } from '../dist/x509/certificate-info.js';
import { buildCrl, serials } from './revocation-crl-builder.mjs';

const gc = globalThis.gc ?? (() => {});
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
const mb = (b) => (b / 1048576).toFixed(1);

// 1) Large CRL
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const issuerName = Buffer.from('3019311730150603550403130e42656e6368204973737565722043', 'hex'); // CN=Bench Issuer C
const make = (n) => buildCrl({ issuerName, key: privateKey, entries: serials(n, 3).map((s, i) => ({ serial: s, reason: i % 4 ? undefined : 'keyCompromise' })) });
const der100k = make(100_000);
const der1k = make(1_000);
console.log(`CRL sizes: 1k entries ${(der1k.length / 1024).toFixed(0)} KiB, 100k entries ${mb(der100k.length)} MiB`);
// Heap retained by one parsed CRL, measured first, with nothing else parsed yet.
const heapInput = Buffer.from(der100k);
gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
let heapCrl = parseCrl(heapInput);
gc();
gc();
const indexHeap = process.memoryUsage().heapUsed - heapBefore;
if (heapCrl.size !== 100_000) throw new Error('bad CRL');
heapCrl = undefined;
const times = [];
const heaps = [];
let keep;
for (let i = 0; i < 5; i++) {
  keep = undefined;
  const input = Buffer.from(der100k); // the DER copy is the input, not counted as index cost
  gc();
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const crl = parseCrl(input);
  const ok = verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, publicKey);
  const ms = performance.now() - t0;
  if (!ok || crl.size !== 100_000) throw new Error('bench CRL did not verify');
  keep = crl;
  gc();
  gc();
  const after = process.memoryUsage();
  times.push(ms);
  heaps.push(after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers));
}
console.log(
  `100k CRL parse+verify+index: median ${median(times).toFixed(1)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms); ` +
    `index heap ${mb(indexHeap)} MiB on top of the ${mb(der100k.length)} MiB DER it keeps`,
);

// 2) Lookups
for (const [label, der, n] of [
  ['1k', der1k, 1_000],
  ['100k', der100k, 100_000],
]) {
  const crl = parseCrl(der);
  const present = serials(n, 3).map((s) => s.toString(16));
  const absent = present.map((s) => 'ff' + s);
  const N = 1_000_000;
  let hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) if (crl.has(i & 1 ? present[i % n] : absent[i % n])) hits++;
  const ns = ((performance.now() - t0) * 1e6) / N;
  const t1 = performance.now();
  for (let i = 0; i < 100_000; i++) crl.entry(present[i % n]);
  const nsEntry = ((performance.now() - t1) * 1e6) / 100_000;
  console.log(`lookup at ${label} entries: has() ${ns.toFixed(0)} ns, entry() on a hit ${nsEntry.toFixed(0)} ns (hits ${hits})`);
}
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- `keep` only holds the index so gc() cannot free it before the heap is measured
keep = undefined;

// 3) Cold OCSP against openssl ocsp
const dir = mkdtempSync(join(tmpdir(), 'certgate-bench-'));
const ossl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
ossl(
  'req',
  '-x509',
  '-new',
  '-newkey',
  'rsa:2048',
  '-nodes',
  '-keyout',
  'ca.key',
  '-out',
  'ca.pem',
  '-subj',
  '/CN=Bench CA',
  '-days',
  '2',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign,cRLSign',
);
ossl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=bench leaf');
const port = await new Promise((r) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => r(p));
  });
});
writeFileSync(join(dir, 'ext.cnf'), `[v3]\nbasicConstraints=CA:FALSE\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:${port}\n`);
const LEAVES = 300;
const index = [];
const leaves = [];
for (let i = 0; i < LEAVES; i++) {
  const serial = (0x100000 + i).toString(16).toUpperCase(); // even length, as openssl writes it
  ossl(
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    `0x${serial}`,
    '-days',
    '1',
    '-out',
    `l${i}.pem`,
    '-extfile',
    'ext.cnf',
    '-extensions',
    'v3',
  );
  leaves.push(new X509Certificate(readFileSync(join(dir, `l${i}.pem`))));
  index.push(`V\t301231000000Z\t\t${serial}\tunknown\t/CN=bench leaf ${i}`);
}
writeFileSync(join(dir, 'index.txt'), index.join('\n') + '\n');
const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
const responder = spawn('openssl', ['ocsp', '-port', String(port), '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-nmin', '5', '-ignore_err'], {
  cwd: dir,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let responderOut = '';
responder.stderr.on('data', (d) => {
  responderOut += d;
});
responder.on('exit', (c, sig) => {
  if (sig !== 'SIGKILL') console.error(`openssl ocsp exited ${c} ${sig}: ${responderOut}`);
});
await new Promise((r) => responder.stdout.once('data', r));
const checker = new RevocationChecker(
  {
    check: 'leaf',
    sources: ['ocsp'],
    failMode: 'closed',
    staleGrace: 0,
    intermediateWithoutSource: 'skip',
    overrides: [],
    ocsp: { enabled: true, timeout: 2000, nonce: true, maxAge: 300_000, errorTtl: 5000, clockSkew: 60_000 },
    crl: { files: [], distributionPoints: false, refresh: 300_000, fetchTimeout: 2000 },
  },
  { logger: pino({ level: 'silent' }), registry: new Registry(), trust: { anchors: [ca], generation: 1 } },
);
await checker.start();
for (let i = 0; i < 20; i++) await checker.check([leaves[i], ca]); // warm-up (JIT, connection)
const cold = [];
let good = 0;
for (let i = 20; i < LEAVES; i++) {
  const t0 = performance.now();
  const v = await checker.check([leaves[i], ca]);
  cold.push(performance.now() - t0);
  if (v.status === 'good') good++;
  else if (i === 20) console.log(v.detail);
}
console.log('cold distribution (ms):', [0.1, 0.25, 0.5, 0.75, 0.9].map((p) => pct(cold, p).toFixed(1)).join(' / '));
console.log(
  `cold OCSP check vs openssl ocsp (RSA-2048 signer, nonce on), ${cold.length} certs: median ${median(cold).toFixed(2)} ms, ` +
    `p99 ${pct(cold, 0.99).toFixed(2)} ms, good ${good}/${cold.length}`,
);
const thumbs = leaves.map((l) => certInfo(l).thumbprint);
const N = 200_000;
let t0 = performance.now();
for (let i = 0; i < N; i++) checker.cached(thumbs[20 + (i % (LEAVES - 20))]);
const syncNs = ((performance.now() - t0) * 1e6) / N;
t0 = performance.now();
for (let i = 0; i < N; i++) await checker.check([leaves[20 + (i % (LEAVES - 20))], ca]);
const asyncUs = ((performance.now() - t0) * 1e3) / N;
console.log(`cached verdict: cached() ${syncNs.toFixed(0)} ns, check() ${asyncUs.toFixed(2)} µs`);
await checker.close();
responder.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
