#!/usr/bin/env node
// Keep-alive mTLS throughput with revocation checking on (answer cached) vs off, in the same run.
// Run by hand after `npm run build` (needs openssl, nginx, taskset, gcc/libssl-dev for the loader):
//   node bench/revocation-throughput.mjs [--runs 3] [--duration 10] [--warmup 1] [--conns 64]
//
// Modes, each a fresh `certgate start` (workers: 1, logging warn) pinned to core 0:
//   off   no revocation block;
//   ocsp  check: leaf, sources [ocsp], a local `openssl ocsp` responder (via the client
//         certificate's AIA) answering good with nextUpdate in an hour: one OCSP request, then cached;
//   crl   check: leaf, sources [crl], a CRL file from `openssl ca -gencrl` (2 revoked entries).
// The load generator (bench/loadgen/mtls-load, EC P-256 client certificate, one request in flight per
// connection) and the upstream (nginx, one worker, `return 200`) share core 1, as in bench/run.mjs.
// Modes are interleaved and their order rotated per run. Reported per mode: the median of the runs
// for req/s, p50, p99 and certgate's CPU µs per request (process utime+stime / requests, which is
// robust against other work on the machine), the ratio to `off`, and from the gateway's /metrics the
// number of revocation checks and OCSP requests (proof that the answer was cached). Raw figures go
// to bench/results/revocation-throughput-<timestamp>.json.
import { printUsage } from './lib/usage.mjs';
import { processGroup, procTree } from './lib/processes.mjs';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PROXY_CPU = '0';
const CLIENT_CPU = '1';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    conns: { type: 'string', default: '64' },
    modes: { type: 'string', default: 'off,ocsp,crl' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  printUsage(import.meta.url);
  process.exit(0);
}
const RUNS = Number(args.runs);
const MODES = args.modes
  .split(',')
  .map((m) => m.trim())
  .filter(Boolean);
if (!existsSync(CLI)) throw new Error('dist/cli/main.js is missing: run `npm run build` first');
execFileSync('make', ['-s', '-C', join(BENCH, 'loadgen'), 'mtls-load'], { stdio: 'inherit' });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// ------------------------------------------------------------------ PKI: an `openssl ca` database
const dir = mkdtempSync(join(os.tmpdir(), 'certgate-revbench-'));
const openssl = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const ports = { upstream: await freePort(), gateway: await freePort(), admin: await freePort(), ocsp: await freePort() };
writeFileSync(join(dir, 'index.txt'), '');
writeFileSync(join(dir, 'serial'), '1000\n');
writeFileSync(join(dir, 'crlnumber'), '01\n');
writeFileSync(
  join(dir, 'ca.cnf'),
  [
    '[ca]',
    'default_ca = CA_default',
    '[CA_default]',
    `dir = ${dir}`,
    'database = $dir/index.txt',
    'new_certs_dir = $dir',
    'serial = $dir/serial',
    'crlnumber = $dir/crlnumber',
    'certificate = $dir/ca.pem',
    'private_key = $dir/ca-key.pem',
    'default_md = sha256',
    'default_days = 30',
    'policy = policy_any',
    'unique_subject = no',
    'copy_extensions = none',
    '[policy_any]',
    'commonName = supplied',
    '[req]',
    'distinguished_name = dn',
    '[dn]',
    '',
  ].join('\n'),
);
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl(
  'req',
  '-x509',
  '-new',
  ...ec,
  '-keyout',
  'ca-key.pem',
  '-out',
  'ca.pem',
  '-subj',
  '/CN=certgate revocation bench CA',
  '-days',
  '30',
  '-config',
  'ca.cnf',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  'keyUsage=critical,keyCertSign,cRLSign',
  '-addext',
  'subjectKeyIdentifier=hash',
);
function issue(name, extLines) {
  writeFileSync(join(dir, `${name}.ext`), ['[v3]', 'basicConstraints = CA:FALSE', 'keyUsage = critical, digitalSignature', ...extLines].join('\n') + '\n');
  openssl('req', '-new', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`, '-config', 'ca.cnf');
  openssl('ca', '-batch', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.pem`, '-extfile', `${name}.ext`, '-extensions', 'v3', '-notext');
}
issue('server', ['extendedKeyUsage = serverAuth', 'subjectAltName = DNS:localhost, IP:127.0.0.1']);
issue('client', ['extendedKeyUsage = clientAuth', `authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ports.ocsp}`]);
for (const n of ['revoked-1', 'revoked-2']) {
  issue(n, ['extendedKeyUsage = clientAuth']);
  openssl('ca', '-config', 'ca.cnf', '-revoke', `${n}.pem`, '-crl_reason', 'keyCompromise');
}
openssl('ca', '-gencrl', '-config', 'ca.cnf', '-out', 'ca.crl', '-crlhours', '24');

// ------------------------------------------------------------------ processes
const { start, stop } = processGroup({ onExit: () => rmSync(dir, { recursive: true, force: true }) });

async function waitFor(p, pred, ms = 15000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (p.exitCode !== null) throw new Error(`${p.benchName} exited:\n${p.output}`);
    if (pred(p.output)) return;
    await sleep(50);
  }
  throw new Error(`${p.benchName} did not become ready:\n${p.output}`);
}
/** logging is warn, so no "listening" line: poll the admin listener's /readyz. */
async function waitReady(p, ms = 20000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (p.exitCode !== null) throw new Error(`${p.benchName} exited:\n${p.output}`);
    const ok = await fetch(`http://127.0.0.1:${ports.admin}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${p.benchName} did not become ready:\n${p.output}`);
}
function cpuSeconds(pid) {
  let ticks = 0;
  for (const p of procTree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks / 100;
}

// nginx upstream, one worker on core 1.
const ngx = join(dir, 'nginx');
mkdirSync(ngx);
writeFileSync(
  join(ngx, 'nginx.conf'),
  `worker_processes 1; daemon off; pid ${ngx}/nginx.pid; error_log ${ngx}/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000000; keepalive_timeout 300s;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${ngx}/${t};`).join('\n')}
  server { listen 127.0.0.1:${ports.upstream}; default_type text/plain; location / { return 200 "ok\\n"; } } }
`,
);
const upstream = start('nginx', CLIENT_CPU, 'nginx', ['-c', join(ngx, 'nginx.conf'), '-p', ngx]);
// The OCSP responder (also on core 1; it answers once per gateway start). nextUpdate in an hour.
const responder = start(
  'openssl ocsp',
  CLIENT_CPU,
  'openssl',
  ['ocsp', '-port', String(ports.ocsp), '-index', 'index.txt', '-CA', 'ca.pem', '-rsigner', 'ca.pem', '-rkey', 'ca-key.pem', '-nmin', '60', '-ignore_err'],
  { cwd: dir },
);
// Wait for ACCEPT, never probe: a bare TCP probe wedges the single-connection responder.
await waitFor(responder, (o) => o.includes('ACCEPT') || o.includes('waiting for OCSP client'));
await sleep(300);

const REVOCATION = {
  off: '',
  ocsp: '    revocation: { check: leaf, sources: [ocsp], failMode: closed, ocsp: { timeout: 2s } }\n',
  crl: `    revocation: { check: leaf, sources: [crl], failMode: closed, crl: { files: [${join(dir, 'ca.crl')}] } }\n`,
};
function configFor(mode) {
  const file = join(dir, `gateway-${mode}.yaml`);
  writeFileSync(
    file,
    `workers: 1
logging: { level: warn }
admin: { listen: 127.0.0.1:${ports.admin} }
listeners:
  - name: bench
    listen: 127.0.0.1:${ports.gateway}
    tls: { cert: ${dir}/server.pem, key: ${dir}/server-key.pem, minVersion: TLSv1.2 }
    clientAuth: { mode: require, trustedCAs: [${dir}/ca.pem], verifyDepth: 2 }
${REVOCATION[mode]}upstreams:
  backend:
    url: http://127.0.0.1:${ports.upstream}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: backend, clientCert: required }
`,
  );
  return file;
}

function loadgen() {
  return new Promise((res, rej) => {
    const p = spawn(
      'taskset',
      [
        '-c',
        CLIENT_CPU,
        LOADGEN,
        '--url',
        `https://127.0.0.1:${ports.gateway}/`,
        '--cert',
        join(dir, 'client.pem'),
        '--key',
        join(dir, 'client-key.pem'),
        '--cacert',
        join(dir, 'ca.pem'),
        '--conns',
        args.conns,
        '--duration',
        args.duration,
        '--warmup',
        args.warmup,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('exit', (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`mtls-load exited ${code}: ${err}`))));
  });
}

async function gatewayMetrics() {
  const text = await (await fetch(`http://127.0.0.1:${ports.admin}/metrics`)).text();
  const sum = (re) =>
    text
      .split('\n')
      .filter((l) => re.test(l))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return {
    checks: sum(/^certgate_revocation_checks_total\{/),
    checksGood: sum(/^certgate_revocation_checks_total\{.*result="good"/),
    ocspRequests: sum(/^certgate_ocsp_request_duration_seconds_count\{/),
  };
}

async function measure(mode) {
  const gw = start(`certgate ${mode}`, PROXY_CPU, process.execPath, [CLI, 'start', '--config', configFor(mode)], { cwd: ROOT });
  try {
    await waitReady(gw);
    await sleep(300);
    const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    const cpu0 = cpuSeconds(gw.pid);
    const r = await loadgen();
    const cpu = cpuSeconds(gw.pid) - cpu0;
    const m = await gatewayMetrics();
    if (r.errors || r.non2xx) throw new Error(`${mode}: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return {
      mode,
      rps: r.rps,
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      requests: r.requests_total,
      gw_cpu_us_per_req: r.requests_total ? Math.round(((cpu * 1e6) / r.requests_total) * 10) / 10 : null,
      loadavg_before: load,
      ...m,
    };
  } finally {
    await stop(gw);
  }
}

await sleep(200);
const results = [];
console.log(`revocation throughput: ${RUNS} runs × ${args.duration} s, ${args.conns} keep-alive mTLS connections; modes ${MODES.join(', ')}`);
console.log(`machine: ${os.cpus().length} cores, load average now ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (let run = 0; run < RUNS; run++) {
  const order = MODES.map((_, i) => MODES[(i + run) % MODES.length]);
  for (const mode of order) {
    const r = await measure(mode);
    r.run = run + 1;
    results.push(r);
    console.log(
      `  run ${run + 1} ${mode.padEnd(4)} ${Math.round(r.rps)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  certgate ${r.gw_cpu_us_per_req} µs/req  checks ${r.checks}  ocsp requests ${r.ocspRequests}  (load ${r.loadavg_before})`,
    );
  }
}
await stop(upstream);
await stop(responder);

const summary = {};
for (const mode of MODES) {
  const rs = results.filter((r) => r.mode === mode);
  summary[mode] = {
    rps: median(rs.map((r) => r.rps)),
    p50_ms: median(rs.map((r) => r.p50_ms)),
    p99_ms: median(rs.map((r) => r.p99_ms)),
    gw_cpu_us_per_req: median(rs.map((r) => r.gw_cpu_us_per_req)),
    // Paired with `off` of the same run: less sensitive to load that comes and goes between runs.
    paired_ratio: median(rs.map((r) => r.rps / (results.find((o) => o.mode === 'off' && o.run === r.run)?.rps ?? NaN))),
    checks: rs.map((r) => r.checks),
    ocspRequests: rs.map((r) => r.ocspRequests),
  };
}
console.log('\nmedians:');
console.log('mode  req/s    vs off   paired  p50 ms  p99 ms  certgate µs/req  revocation checks / OCSP requests per run');
for (const [mode, s] of Object.entries(summary)) {
  const ratio = summary.off ? `${((s.rps / summary.off.rps) * 100).toFixed(1)} %` : '-';
  console.log(
    `${mode.padEnd(5)} ${String(Math.round(s.rps)).padEnd(8)} ${ratio.padEnd(8)} ${(Number.isNaN(s.paired_ratio) ? '-' : `${(s.paired_ratio * 100).toFixed(1)} %`).padEnd(7)} ${String(s.p50_ms).padEnd(7)} ${String(s.p99_ms).padEnd(7)} ${String(s.gw_cpu_us_per_req).padEnd(16)} ${s.checks.join('/')} / ${s.ocspRequests.join('/')}`,
  );
}
const out = join(BENCH, 'results', `revocation-throughput-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ args, node: process.version, cores: os.cpus().length, results, summary }, null, 2));
console.log(`\nraw results: ${out}`);
