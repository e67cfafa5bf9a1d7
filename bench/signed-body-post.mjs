#!/usr/bin/env node
// POST throughput with a typical token request body (300 bytes) through the in-process gateway,
// with the body digest of issue 14 against the same request without it. certgate's own load
// generator (bench/loadgen/mtls-load) sends GETs only, so the load here is undici: N keep-alive
// mTLS connections, one request in flight each, from this process; each mode is a gateway in a
// child process of its own (started by this script with --serve). Modes, measured interleaved
// round after round so drift hits all alike:
//   unsigned   this build, upstream without `signature`
//   digest     this build, ed25519 signature with Content-Digest and nonce (issue 14)
//   before     --base DIST: another build (e.g. the commit before issue 14), ed25519 signature
// Reports, per mode, the median req/s and the median gateway CPU µs per request (utime + stime of
// its process over the measured window: the figure that other load on the machine disturbs
// least), and the ratios digest/before (target: throughput >= 0.95).
//
//   npm run build && node bench/signed-body-post.mjs [--base /tmp/cg-base/dist] [--rounds 5] [--duration 5] [--conns 64]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { makePki } from './lib/pki.mjs';
import { treeCpuSeconds } from './lib/cpu-usage.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '5' },
    conns: { type: 'string', default: '64' },
    serve: { type: 'string' },
    signed: { type: 'boolean', default: false },
    upstream: { type: 'string' },
    tmp: { type: 'string' },
  },
});
const pkiDir = join(ROOT, 'bench', 'results', 'pki');
const yaml = (signed, upstreamPort, tmp) => `
logging: { level: warn }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: ${pkiDir}/server.pem, key: ${pkiDir}/server-key.pem }
    clientAuth: { mode: require, trustedCAs: [${pkiDir}/ca.pem] }
upstreams:
  as:
    url: http://127.0.0.1:${upstreamPort}
${signed ? `    signature: { alg: ed25519, keyFile: ${tmp}/sign.pem, keyId: bench }\n` : ''}routes:
  - { name: token, upstream: as }
`;

if (args.serve !== undefined) {
  // Child: one gateway from the dist given, its port on stdout.
  const dist = resolve(args.serve);
  const { loadConfigFromString } = await import(pathToFileURL(join(dist, 'config', 'load-config.js')).href);
  const { startGateway } = await import(pathToFileURL(join(dist, 'gateway.js')).href);
  const config = await loadConfigFromString(yaml(args.signed, args.upstream, args.tmp), join(args.tmp, 'gateway.yaml'));
  const gw = await startGateway(config, { admin: false });
  console.log(gw.addresses.get('main').port);
  process.on('SIGTERM', () => gw.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main() {
  makePki(pkiDir);
  const tmp = mkdtempSync(join(os.tmpdir(), 'certgate-post-bench-'));
  writeFileSync(join(tmp, 'sign.pem'), generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));

  // Form-encoded, as an RFC 8705 client_credentials request with a resource indicator, 300 bytes.
  const BODY = 'grant_type=client_credentials&client_id=bench-client&scope=api%20read%20write&resource=https%3A%2F%2Fapi.example.org%2F'.padEnd(300, 'x');

  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"access_token":"x","token_type":"Bearer"}'));
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = upstream.address().port;

  function start(dist, signed) {
    const argv = [fileURLToPath(import.meta.url), '--serve', dist, '--upstream', String(upstreamPort), '--tmp', tmp, ...(signed ? ['--signed'] : [])];
    // BENCH_CPU_PROF=DIR: a V8 CPU profile of each gateway, written when it exits.
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...prof, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    // Never leave a gateway behind, whatever ends this script.
    process.once('exit', () => child.kill('SIGTERM'));
    return new Promise((resolveStart, reject) => {
      child.stdout.once('data', (d) => resolveStart({ child, port: Number(String(d).trim()) }));
      child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
    });
  }

  const modes = { unsigned: await start(join(ROOT, 'dist'), false), digest: await start(join(ROOT, 'dist'), true) };
  if (args.base) modes.before = await start(resolve(args.base), true);

  const tlsFiles = {
    ca: readFileSync(`${pkiDir}/ca.pem`),
    cert: readFileSync(`${pkiDir}/client-ec.pem`),
    key: readFileSync(`${pkiDir}/client-ec-key.pem`),
    servername: 'localhost',
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };

  async function run(gw) {
    const conns = Number(args.conns);
    const pool = new Pool(`https://127.0.0.1:${gw.port}`, { connections: conns, pipelining: 1, connect: tlsFiles });
    let done = 0;
    let failed = 0;
    let stop = false;
    let measuring = false;
    const loop = async () => {
      while (!stop) {
        const r = await pool.request({ path: '/token', method: 'POST', headers, body: BODY });
        await r.body.dump();
        if (r.statusCode !== 200) failed++;
        else if (measuring) done++;
      }
    };
    const loops = Array.from({ length: conns }, loop);
    await new Promise((r) => setTimeout(r, 1000)); // warm-up: handshakes and JIT
    measuring = true;
    const t0 = performance.now();
    const cpu0 = treeCpuSeconds(gw.child.pid);
    await new Promise((r) => setTimeout(r, Number(args.duration) * 1000));
    measuring = false;
    const cpuUs = ((treeCpuSeconds(gw.child.pid) - cpu0) * 1e6) / Math.max(1, done);
    const seconds = (performance.now() - t0) / 1000;
    stop = true;
    await Promise.allSettled(loops);
    await pool.close();
    return { rps: done / seconds, cpuUs, failed };
  }

  const results = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  const cpu = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let round = 1; round <= Number(args.rounds); round++) {
    for (const [name, gw] of Object.entries(modes)) {
      const r = await run(gw);
      if (r.failed > 0) throw new Error(`${name}: ${r.failed} requests not answered 200`);
      results[name].push(r.rps);
      cpu[name].push(r.cpuUs);
      console.log(`round ${round} ${name.padEnd(8)} ${r.rps.toFixed(0)} req/s, ${r.cpuUs.toFixed(0)} µs CPU/req`);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\nbody ${Buffer.byteLength(BODY)} bytes, ${args.conns} connections, ${args.rounds} x ${args.duration} s, node ${process.version}, ${os.availableParallelism()} cpus`,
  );
  for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(8)} median ${median(xs).toFixed(0)} req/s, ${median(cpu[name]).toFixed(1)} µs CPU/req`);
  if (results.before) {
    console.log(`digest / before: throughput ${(median(results.digest) / median(results.before)).toFixed(3)}, CPU/req ${(median(cpu.digest) / median(cpu.before)).toFixed(3)}`);
  }
  console.log(`digest / unsigned: ${(median(results.digest) / median(results.unsigned)).toFixed(3)}`);

  await Promise.all(Object.values(modes).map((gw) => new Promise((r) => gw.child.once('exit', r).kill('SIGTERM'))));
  upstream.close();
}
