// Reload figures for bench/README.md: `certgate start` (supervisor, workers: 1 unless --workers),
// 10 reloads by SIGHUP. For each: the time from the signal to the supervisor's
// `generation_serving` line (every new worker listening and ready), the time until a new TLS
// connection is served by the new generation (server certificate swapped before the signal), and
// the peak RSS summed over the supervisor and all its workers while old and new generations
// overlap. Prints medians. Usage: node bench/reload-bench.mjs [--runs 10] [--workers 1]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, workers: { type: 'string', default: '1' } } });
const RUNS = Number(values.runs);
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const { createCA, issueCertificate } = await import(path.join(root, 'dist/pki/certificate-factory.js'));

const dir = mkdtempSync(path.join(os.tmpdir(), 'certgate-reload-bench-'));
const ca = await createCA({ subject: 'CN=reload bench CA' });
const clientCert = await issueCertificate(ca, { subject: 'CN=bench client', extendedKeyUsage: ['clientAuth'] });
writeFileSync(path.join(dir, 'ca.pem'), ca.certPem);
const upstream = http.createServer((_q, r) => r.end('ok\n'));
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
writeFileSync(
  path.join(dir, 'gateway.yaml'),
  `workers: ${values.workers}
admin: { listen: 127.0.0.1:0 }
reload: { watch: false }
logging: { level: info }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: tls.crt, key: tls.key }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: http://127.0.0.1:${upstream.address().port} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
);
const caPem = ca.certPem;
const client = { cert: clientCert.certPem, key: clientCert.keyPem };
// Two server certificates to alternate, so "served by the new generation" is observable.
const certs = [];
for (const o of ['A', 'B']) {
  certs.push(await issueCertificate(ca, { subject: `CN=localhost,O=reload bench ${o}`, san: { dns: ['localhost'], ip: ['127.0.0.1'] }, extendedKeyUsage: ['serverAuth'] }));
}
const install = (c) => {
  writeFileSync(path.join(dir, 'tls.crt.tmp'), c.certPem);
  writeFileSync(path.join(dir, 'tls.key.tmp'), c.keyPem);
  renameSync(path.join(dir, 'tls.crt.tmp'), path.join(dir, 'tls.crt'));
  renameSync(path.join(dir, 'tls.key.tmp'), path.join(dir, 'tls.key'));
};
install(certs[0]);

const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), 'start', '--config', path.join(dir, 'gateway.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
const lines = [];
let buf = '';
child.stdout.on('data', (c) => {
  buf += c;
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const l = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (l.startsWith('{')) lines.push({ at: performance.now(), ...JSON.parse(l) });
  }
});
const waitLine = async (pred, from = 0) => {
  for (;;) {
    const hit = lines.slice(from).find(pred);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 2));
  }
};
await waitLine((l) => l.event === 'listening' && l.listener === 'admin');
const port = (await waitLine((l) => l.event === 'listening' && l.listener === 'main')).address.port;

const presented = () =>
  new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem, ...client }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
const treeRss = () => {
  let total = 0;
  const pids = [child.pid, ...childrenOf(child.pid)];
  for (const pid of pids) {
    try {
      total += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
    } catch {
      /* exited */
    }
  }
  return total;
};
function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// Let the spare worker boot before the first measured reload.
await new Promise((r) => setTimeout(r, 1500));
const serving = [];
const newCert = [];
const peak = [];
const idle = [];
for (let i = 0; i < RUNS; i++) {
  const want = certs[(i + 1) % 2];
  install(want);
  const wantFp = want.x509.fingerprint256;
  idle.push(treeRss());
  const mark = lines.length;
  let maxRss = 0;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, treeRss())), 10);
  const t0 = performance.now();
  child.kill('SIGHUP');
  const probe = (async () => {
    for (;;) {
      if ((await presented()) === wantFp) return performance.now() - t0;
    }
  })();
  const line = await waitLine((l) => l.event === 'generation_serving', mark);
  serving.push(line.at - t0);
  newCert.push(await probe);
  await waitLine((l) => l.event === 'generation_exited', mark);
  clearInterval(sampler);
  peak.push(maxRss);
  // The next reload after the replacement spare has booted (as a reload a second would).
  await new Promise((r) => setTimeout(r, 1000));
}
child.kill('SIGTERM');
upstream.close();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
console.log(JSON.stringify({ runs: RUNS, workers: Number(values.workers), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => x.toFixed(2)) }));
console.log(`signal -> new generation serving (median of ${RUNS}): ${median(serving).toFixed(0)} ms  [${serving.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`signal -> new connection gets the new certificate:   ${median(newCert).toFixed(0)} ms  [${newCert.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`RSS of the process tree, idle before reload (median):  ${mb(median(idle))}`);
console.log(`peak RSS during the overlap (median):                  ${mb(median(peak))}`);
