#!/usr/bin/env node
// Throughput through the gateway on a route with `tokenBinding` (a JWT bound to the client
// certificate, key set cached, token memoised per connection) against the same route without it
// (issue 13's figure: at least 90 %). One certgate process (`workers: 1`, logging warn), two routes
// to one upstream, identical but for tokenBinding; every request of both modes carries the same
// `Authorization: Bearer` JWT. The modes run interleaved, round after round, as
// signing-throughput.mjs does, so drift hits both alike. Reports median req/s and the ratio, and
// certgate's CPU time per request (whole run, warm-up included), which other load on the machine
// disturbs less than req/s.
//
// Load: bench/loadgen/mtls-load (`make -C bench/loadgen`), N keep-alive mTLS connections, one
// request in flight each. certgate on core 0, load generator and upstream on core 1 (taskset).
//
//   npm run build && node bench/token-binding-throughput.mjs [--duration 5] [--rounds 5] [--conns 64]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { treeCpuSeconds } from './lib/cpu-usage.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    conns: { type: 'string', default: '64' },
    port: { type: 'string', default: '18465' },
    'upstream-port': { type: 'string', default: '18095' },
  },
});
const MODES = ['off', 'bound'];
const pin = os.availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
const onCpu = (cpu, cmd, argv) => (pin ? ['taskset', ['-c', cpu, cmd, ...argv]] : [cmd, argv]);

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
if (!existsSync(LOADGEN)) execFileSync('make', ['-C', join(BENCH, 'loadgen')], { stdio: 'inherit' });

const dir = mkdtempSync(join(os.tmpdir(), 'certgate-token-bench-'));
const { writeDevPki } = await import(join(ROOT, 'dist', 'pki', 'dev-pki.js'));
await writeDevPki(join(dir, 'certs'));

// The issuer: an ES256 key, its JWKS on loopback, one access token bound to the client certificate.
const ISS = 'https://idp.bench.example';
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
let jwksFetches = 0;
const jwksServer = http.createServer((_q, s) => {
  jwksFetches++;
  s.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
});
await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
const clientDer = new X509Certificate(readFileSync(join(dir, 'certs', 'client.pem'))).raw;
const token = await new SignJWT({ cnf: { 'x5t#S256': createHash('sha256').update(clientDer).digest('base64url') } })
  .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
  .setIssuer(ISS)
  .setAudience('api')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(privateKey);

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
  app: { url: http://127.0.0.1:${args['upstream-port']}, clientCert: { header: X-Client-Cert, format: pem-urlencoded } }
routes:
  - { name: r-off, match: { pathPrefix: /off/ }, upstream: app }
  - name: r-bound
    match: { pathPrefix: /bound/ }
    upstream: app
    tokenBinding:
      jwt: { issuer: ${ISS}, jwksUri: http://127.0.0.1:${jwksServer.address().port}/jwks, audiences: [api], algorithms: [ES256] }
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
  jwksServer.close();
};
process.on('exit', stopAll);

const upstreamSrc = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }); s.end('ok\\n'); }); }).listen(${args['upstream-port']}, '127.0.0.1', () => console.log('upstream ready'))`;
await start('1', process.execPath, ['-e', upstreamSrc], (o) => o.includes('upstream ready'));
start('0', process.execPath, ['dist/cli/main.js', 'start', '--config', join(dir, 'gateway.yaml')], () => false).catch((e) => {
  console.error(e.message);
  process.exit(2);
});
/** The supervisor (taskset execs it), whose process tree holds the worker. */
const gateway = children.at(-1);
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
    '--header',
    `Authorization: Bearer ${token}`,
  ];
  const [c, a] = onCpu('1', LOADGEN, argv);
  const cpu0 = treeCpuSeconds(gateway.pid);
  return new Promise((res, rej) => {
    const p = spawn(c, a, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.once('exit', (code) => {
      if (code !== 0) return rej(new Error(`mtls-load exited ${code}`));
      const r = JSON.parse(out.trim().split('\n').at(-1));
      r.certgate_cpu_us_per_req = ((treeCpuSeconds(gateway.pid) - cpu0) * 1e6) / r.requests_total;
      res(r);
    });
  });
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const rps = Object.fromEntries(MODES.map((m) => [m, []]));
const p50 = Object.fromEntries(MODES.map((m) => [m, []]));
const cpu = Object.fromEntries(MODES.map((m) => [m, []]));
for (let r = 1; r <= Number(args.rounds); r++) {
  const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]);
  for (const m of order) {
    const res = await load(m);
    if (res.errors > 0 || res.non2xx > 0) throw new Error(`${m}: ${res.errors} errors, ${res.non2xx} non-2xx`);
    rps[m].push(res.rps);
    p50[m].push(res.p50_ms);
    cpu[m].push(Math.round(res.certgate_cpu_us_per_req * 10) / 10);
  }
  console.error(`round ${r}: ${MODES.map((m) => `${m} ${Math.round(rps[m].at(-1))} req/s ${cpu[m].at(-1)} µs/req`).join(', ')}`);
}
const off = median(rps.off);
console.log(
  `\ntoken-binding throughput, ${args.rounds} rounds x ${args.duration} s, ${args.conns} keep-alive mTLS connections, ${pin ? 'certgate on core 0, load on core 1' : 'unpinned'}`,
);
console.log('mode     req/s (median)   p50 ms   vs off   certgate CPU µs/req (median)   target');
for (const m of MODES) {
  const v = median(rps[m]);
  console.log(
    `${m.padEnd(8)} ${String(Math.round(v)).padStart(14)}   ${median(p50[m]).toFixed(2).padStart(6)}   ${((100 * v) / off).toFixed(1).padStart(5)} %   ${String(median(cpu[m])).padStart(27)}   ${m === 'bound' ? '>= 90 %' : ''}`,
  );
}
console.log(JSON.stringify({ rounds: Number(args.rounds), duration: Number(args.duration), conns: Number(args.conns), rps, cpuUsPerReq: cpu, jwksFetches }));
stopAll();
process.exit(0);
