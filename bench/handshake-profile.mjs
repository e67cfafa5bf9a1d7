#!/usr/bin/env node
// Per-process CPU and memory of certgate against the bare Node TLS server (node-tls-answer), on
// free ports so that it can run beside `npm run bench` (whose ports are fixed). For each Node
// binary and target: keep-alive and full-handshake load (EC and RSA client certificates), CPU µs
// per request / handshake of the target's process tree, and peak RSS (VmHWM) of each process
// (certgate: supervisor, serving worker, spare worker), read before the target stops.
//
//   node bench/handshake-profile.mjs [--node PATH]... [--duration S] [--only certgate,node-tls-answer]
//        [--cpu-prof DIR]   (certgate and its workers write .cpuprofile files to DIR)
//        [--node-arg ARG]...  (extra Node flags for the target, e.g. --max-semi-space-size=2)
//        [--cli PATH]       (certgate's entry point, default dist/cli/main.js: A/B against another build)
//        [--url-host NAME] [--sni-hosts]  (SNI sent; a listeners[].hosts entry for it: SNI dispatch cost)
// Pinning as in run.mjs: target on core 0, load generator and upstream on core 1.
import { processGroup, procTree } from './lib/processes.mjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const PKI = join(BENCH, 'results', 'pki');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');
const CLK_TCK = 100;

const { values: args } = parseArgs({
  options: {
    node: { type: 'string', multiple: true },
    duration: { type: 'string', default: '5' },
    only: { type: 'string', default: 'certgate,node-tls-answer' },
    'cpu-prof': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'no-keepalive': { type: 'boolean', default: false },
    cli: { type: 'string', default: 'dist/cli/main.js' },
    // The URL's host is the SNI mtls-load sends; --sni-hosts adds a `hosts` entry for it (same
    // certificate and client auth), so every handshake goes through the SNI dispatch.
    'url-host': { type: 'string', default: '127.0.0.1' },
    'sni-hosts': { type: 'boolean', default: false },
  },
});
const NODES = args.node ?? [process.execPath];
const TMP = mkdtempSync(join(os.tmpdir(), 'certgate-hs-'));
const { start, stop, track } = processGroup({ cwd: ROOT });

const freePort = () =>
  new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });

async function waitPort(port, p) {
  for (let i = 0; i < 150; i++) {
    if (p.exitCode !== null) throw new Error(`${p.benchName} exited:\n${p.output}`);
    const ok = await new Promise((r) =>
      net
        .connect(port, '127.0.0.1')
        .once('connect', function () {
          this.destroy();
          r(true);
        })
        .once('error', () => r(false)),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open:\n${p.output}`);
}

function procField(pid, file, re) {
  try {
    return re.exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
  } catch {
    return null;
  }
}
const cpuSeconds = (pid) => {
  const m = procField(pid, 'stat', /\) \S+ (?:\S+ ){10}(\d+) (\d+)/);
  return m ? (Number(m[1]) + Number(m[2])) / CLK_TCK : 0;
};
const peakMB = (pid) => Math.round(Number(procField(pid, 'status', /VmHWM:\s+(\d+) kB/)?.[1] ?? 0) / 102.4) / 10;
const treeCpu = (pid) => new Map(procTree(pid).map((p) => [p, cpuSeconds(p)]));

function loadgen(argv, watchPid) {
  return new Promise((ok, fail) => {
    const before = treeCpu(watchPid);
    const p = track(spawn('taskset', ['-c', '1', LOADGEN, ...argv, '--duration', args.duration, '--warmup', '1'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`mtls-load exited ${code}`));
      const r = JSON.parse(out);
      const after = treeCpu(watchPid);
      const perPid = [...after].map(([pid, s]) => [pid, s - (before.get(pid) ?? 0)]);
      const used = perPid.reduce((a, [, s]) => a + s, 0);
      ok({ rps: Math.round(r.rps), errors: r.errors + r.non2xx, us: Math.round((used * 1e6) / r.requests_total), perPid });
    });
  });
}

const client = (kind) => ['--cert', join(PKI, `client-${kind}.pem`), '--key', join(PKI, `client-${kind}-key.pem`)];

function certgateConfig(port, upstreamPort) {
  const file = join(TMP, `certgate-${port}.yaml`);
  writeFileSync(
    file,
    `workers: 1
logging: { level: warn }
listeners:
  - name: bench
    listen: 127.0.0.1:${port}
    tls: { cert: ${PKI}/server.pem, key: ${PKI}/server-key.pem, minVersion: TLSv1.2 }
    clientAuth: { mode: require, trustedCAs: [${PKI}/ca.pem], verifyDepth: 2 }
${args['sni-hosts'] ? sniHosts() : ''}upstreams:
  backend:
    url: http://127.0.0.1:${upstreamPort}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: backend, clientCert: required }
`,
  );
  return file;
}

function sniHosts() {
  return `    hosts:
      - serverNames: [${args['url-host']}]
        tls: { cert: ${PKI}/server.pem, key: ${PKI}/server-key.pem, minVersion: TLSv1.2 }
        clientAuth: { mode: require, trustedCAs: [${PKI}/ca.pem], verifyDepth: 2 }
`;
}

async function measure(nodeBin, target, upstreamPort) {
  const port = await freePort();
  const prof = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [];
  const flags = [...prof, ...args['node-arg']];
  const argv =
    target === 'certgate'
      ? [...flags, args.cli, 'start', '--config', certgateConfig(port, upstreamPort)]
      : [
          ...flags,
          'bench/baseline-forwarders/node-tls-answer.mjs',
          '--port',
          String(port),
          '--cert',
          `${PKI}/server.pem`,
          '--key',
          `${PKI}/server-key.pem`,
          '--ca',
          `${PKI}/ca.pem`,
        ];
  const p = start(target, 0, nodeBin, argv);
  await waitPort(port, p);
  const url = ['--url', `https://${args['url-host']}:${port}/`, '--connect', '127.0.0.1'];
  const row = { target };
  if (!args['no-keepalive']) row.keepalive = await loadgen([...url, ...client('ec'), '--cacert', `${PKI}/ca.pem`, '--conns', '64'], p.pid);
  row.hs_ec = await loadgen([...url, ...client('ec'), '--conns', '32', '--handshake'], p.pid);
  row.hs_rsa = await loadgen([...url, ...client('rsa'), '--conns', '32', '--handshake'], p.pid);
  // The serving worker is the child that used the most CPU; the other child is the spare.
  const busiest = new Map();
  for (const r of [row.keepalive, row.hs_ec].filter(Boolean)) for (const [pid, s] of r.perPid) busiest.set(pid, (busiest.get(pid) ?? 0) + s);
  const children = procTree(p.pid)
    .slice(1)
    .sort((a, b) => (busiest.get(b) ?? 0) - (busiest.get(a) ?? 0));
  row.rss = target === 'certgate' ? { supervisor: peakMB(p.pid), worker: peakMB(children[0]), spare: peakMB(children[1]) } : { process: peakMB(p.pid) };
  // What the serving process holds now: anonymous memory (heaps, buffers) against file-backed (code).
  const rollup = (pid, key) => Math.round(Number(procField(pid, 'smaps_rollup', new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) / 1024);
  const serving = target === 'certgate' ? children[0] : p.pid;
  row.now = { rss: rollup(serving, 'Rss'), anonymous: rollup(serving, 'Anonymous') };
  await stop(p);
  return row;
}

const upstreamPort = await freePort();
const upstream = start('upstream', 1, process.execPath, [
  '-e',
  `require('http').createServer({keepAliveTimeout: 75e3}, (q, s) => { q.resume(); s.end('ok\\n'); }).listen(${upstreamPort}, '127.0.0.1')`,
]);
await waitPort(upstreamPort, upstream);
for (const nodeBin of NODES) {
  const version = await new Promise((r) => spawn(nodeBin, ['--version']).stdout.on('data', (d) => r(String(d).trim())));
  for (const target of args.only.split(',')) {
    const row = await measure(nodeBin, target, upstreamPort);
    const cell = (r) => (r ? `${r.us} µs (${r.rps}/s${r.errors ? `, ${r.errors} errors` : ''})` : '-');
    console.log(
      `${version} ${target.padEnd(16)} keep-alive ${cell(row.keepalive)}  hs EC ${cell(row.hs_ec)}  hs RSA ${cell(row.hs_rsa)}  peak RSS MB ${JSON.stringify(row.rss)} now MB ${JSON.stringify(row.now)}`,
    );
  }
}
await stop(upstream);
