#!/usr/bin/env node
// Throughput through the gateway with RFC 9421 signing off, ed25519 and hmac-sha256, in one run
// (issue 4's benchmark). One certgate process (`workers: 1`, logging warn) with three routes to
// the same upstream, identical but for `signature`; the modes are measured interleaved, round
// after round, so drift (thermal, other load) hits all three alike. Reports the median req/s of
// each mode and its ratio to "off" (targets: ed25519 >= 85 %, hmac >= 95 %).
//
// Load: bench/loadgen/mtls-load (built with `make -C bench/loadgen`; needs gcc + libssl-dev),
// N keep-alive mTLS connections, one request in flight each, EC P-256 client certificate, the
// same as bench/run.mjs's keep-alive scenario. Pinning as in bench/run.mjs: certgate on core 0,
// load generator and upstream on core 1 (taskset), when there are two cores or more.
//
//   npm run build && node bench/signing-throughput.mjs [--duration 5] [--rounds 5] [--conns 64]
//     [--dist DIR] (another build to measure, e.g. a copy of main's dist/ for a before/after comparison)
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    conns: { type: 'string', default: '64' },
    port: { type: 'string', default: '18455' },
    'upstream-port': { type: 'string', default: '18090' },
    dist: { type: 'string', default: join(ROOT, 'dist') },
  },
});
const DIST = resolve(args.dist);
const MODES = ['off', 'ed25519', 'hmac-sha256'];
const pin = os.availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
const onCpu = (cpu, cmd, argv) => (pin ? ['taskset', ['-c', cpu, cmd, ...argv]] : [cmd, argv]);

if (!existsSync(join(DIST, 'cli', 'main.js'))) throw new Error('run `npm run build` first');
if (!existsSync(LOADGEN)) execFileSync('make', ['-C', join(BENCH, 'loadgen')], { stdio: 'inherit' });

// PKI and keys in a temp dir: the dev PKI writer of the built package.
const dir = mkdtempSync(join(os.tmpdir(), 'certgate-signing-bench-'));
const { writeDevPki } = await import(join(DIST, 'pki', 'dev-pki.js'));
await writeDevPki(join(dir, 'certs'));
writeFileSync(join(dir, 'ed25519.pem'), generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
writeFileSync(join(dir, 'hmac.key'), randomBytes(32).toString('base64'));
const upstreamUrl = `http://127.0.0.1:${args['upstream-port']}`;
const upstream = (name, signature) => `  ${name}:
    url: ${upstreamUrl}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
${signature ? `    signature: ${signature}\n` : ''}`;
writeFileSync(
  join(dir, 'gateway.yaml'),
  `workers: 1
logging: { level: warn }
listeners:
  - name: bench
    listen: 127.0.0.1:${args.port}
    tls: { cert: certs/server.pem, key: certs/server-key.pem }
    clientAuth: { mode: require, trustedCAs: [certs/ca.pem], verifyDepth: 2 }
upstreams:
${upstream('off')}${upstream('ed25519', '{ alg: ed25519, keyFile: ed25519.pem, keyId: bench-ed }')}${upstream('hmac-sha256', '{ alg: hmac-sha256, keyFile: hmac.key, keyId: bench-hmac }')}
routes:
${MODES.map((m) => `  - { name: r-${m}, match: { pathPrefix: /${m}/ }, upstream: ${m} }`).join('\n')}
`,
);

const children = [];
function start(cpu, cmd, argv, ready) {
  const [c, a] = onCpu(cpu, cmd, argv);
  const p = spawn(c, a, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(p);
  let out = '';
  return new Promise((res, rej) => {
    const check = (d) => {
      out += d;
      if (ready(out)) res(p);
    };
    p.stdout.on('data', check);
    p.stderr.on('data', check);
    p.once('exit', (code) => stopping || rej(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`)));
  });
}
let stopping = false;
const stopAll = () => {
  stopping = true;
  children.forEach((p) => p.exitCode === null && p.kill('SIGTERM'));
};
process.on('exit', stopAll);

// The upstream: a minimal keep-alive HTTP server answering `ok\n` (drains the request).
const upstreamSrc = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }); s.end('ok\\n'); }); }).listen(${args['upstream-port']}, '127.0.0.1', () => console.log('upstream ready'))`;
await start('1', process.execPath, ['-e', upstreamSrc], (o) => o.includes('upstream ready'));
start('0', process.execPath, [join(DIST, 'cli', 'main.js'), 'start', '--config', join(dir, 'gateway.yaml')], () => false).catch((e) => {
  console.error(e.message);
  process.exit(2);
});
await waitForPort(Number(args.port));

async function waitForPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), res(true)));
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}

function load(mode) {
  const certs = join(dir, 'certs');
  const argv = [
    '--url',
    `https://127.0.0.1:${args.port}/${mode}/`,
    '--cert',
    join(certs, 'client.pem'),
    '--key',
    join(certs, 'client-key.pem'),
    '--cacert',
    join(certs, 'ca.pem'),
    '--conns',
    args.conns,
    '--duration',
    args.duration,
    '--warmup',
    args.warmup,
  ];
  const [c, a] = onCpu('1', LOADGEN, argv);
  return JSON.parse(execFileSync(c, a, { encoding: 'utf8' }).trim().split('\n').at(-1));
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rps = Object.fromEntries(MODES.map((m) => [m, []]));
const p50 = Object.fromEntries(MODES.map((m) => [m, []]));
for (let r = 1; r <= Number(args.rounds); r++) {
  // Rotate the order each round so no mode always runs first (or right after another).
  const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
  for (const m of order) {
    const res = load(m);
    if (res.errors > 0 || res.non2xx > 0) throw new Error(`${m}: ${res.errors} errors, ${res.non2xx} non-2xx`);
    rps[m].push(res.rps);
    p50[m].push(res.p50_ms);
  }
  console.error(`round ${r}: ${MODES.map((m) => `${m} ${Math.round(rps[m].at(-1))}`).join(', ')}`);
}
const off = median(rps.off);
console.log(
  `\nsigning throughput, ${args.rounds} rounds x ${args.duration} s, ${args.conns} keep-alive mTLS connections, ${pin ? 'certgate on core 0, load on core 1' : 'unpinned'}`,
);
console.log('mode          req/s (median)   p50 ms   vs off   target');
for (const m of MODES) {
  const v = median(rps[m]);
  const target = m === 'ed25519' ? '>= 85 %' : m === 'hmac-sha256' ? '>= 95 %' : '';
  console.log(`${m.padEnd(13)} ${String(Math.round(v)).padStart(14)}   ${median(p50[m]).toFixed(2).padStart(6)}   ${((100 * v) / off).toFixed(1).padStart(5)} %   ${target}`);
}
console.log(JSON.stringify({ rounds: Number(args.rounds), duration: Number(args.duration), conns: Number(args.conns), rps }));
stopAll();
