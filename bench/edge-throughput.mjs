#!/usr/bin/env node
// The cost of the RFC 8705 edge features and of the signed body (issues 13 and 14), each measured
// against the same job without the feature, in one certgate process (`workers: 1`), modes
// interleaved round after round so drift hits all alike. Reports medians of req/s (or handshakes/s)
// and certgate's CPU µs per request (or per handshake), and each feature's ratio to its baseline:
//   token      GET with `Authorization: Bearer <bound JWT>` on a tokenBinding route (cached key,
//              one token per keep-alive connection) vs the same request on a route without it.
//              Target: >= 90 % of the throughput.
//   digest     POST of a 300-byte token-request body on a signed upstream: Content-Digest over the
//              buffered body vs the same upstream streaming the body unsigned (digestMaxBody 1,
//              largeBodies unsigned-body). Target: >= 95 % of the throughput.
//   sni        full mTLS handshakes (no resumption) on a listener without `hosts` vs a listener
//              with `hosts` (SNI read from the ClientHello, socket handed to the host's server), to
//              its SNI host and to its default host. Target: at most 3 % more CPU per handshake.
//   sign       GET (no body) on an upstream signing with ed25519, with hmac-sha256, and on one not
//              signing: what an RFC 9421 signature costs a request beyond its cryptography.
//
// Load: bench/loadgen/mtls-load (`make -C bench/loadgen`), certgate on core 0, load generator and
// upstream on core 1 (taskset), as bench/run.mjs.
//
//   npm run build && node bench/edge-throughput.mjs [--only token,digest,sni,sign] [--rounds 5] [--duration 5]
//     [--node PATH] [--dist DIR] [--cpu-prof DIR] (certgate and its worker write .cpuprofile files to DIR)
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK } from 'jose';
import { treeCpuSeconds } from './lib/cpu-usage.mjs';
import { freePort, waitPort } from './lib/ports.mjs';
import { processGroup } from './lib/processes.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, '..');
const LOADGEN = join(BENCH, 'loadgen', 'mtls-load');
const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'token,digest,sni' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    conns: { type: 'string', default: '64' },
    'hs-conns': { type: 'string', default: '32' },
    node: { type: 'string', default: process.execPath },
    'cpu-prof': { type: 'string' },
    // another build to measure, e.g. a copy of main's dist/ for a before/after comparison
    dist: { type: 'string', default: join(ROOT, 'dist') },
  },
});
const groups = new Set(args.only.split(','));
const pin = os.availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
const onCpu = (cpu, cmd, argv) => (pin ? ['taskset', ['-c', cpu, cmd, ...argv]] : [cmd, argv]);

const DIST = resolve(args.dist);
if (!existsSync(join(DIST, 'cli', 'main.js'))) throw new Error('run `npm run build` first');
if (!existsSync(LOADGEN)) execFileSync('make', ['-C', join(BENCH, 'loadgen')], { stdio: 'inherit' });

const dir = mkdtempSync(join(os.tmpdir(), 'certgate-edge-bench-'));
const certs = join(dir, 'certs');
const { writeDevPki } = await import(join(DIST, 'pki', 'dev-pki.js'));
await writeDevPki(certs);
writeFileSync(join(dir, 'ed25519.pem'), generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }));
writeFileSync(join(dir, 'hmac.key'), randomBytes(32).toString('base64'));
// 300 bytes, the size of a typical client_credentials request with a resource and a scope.
const body = `grant_type=client_credentials&client_id=bench-client&scope=${'api%3Aread+'.repeat(16)}&resource=${encodeURIComponent('https://api.example.com/')}`;
writeFileSync(join(dir, 'body.txt'), body.padEnd(300, 'x').slice(0, 300));

// The JWKS a tokenBinding route fetches once, and a JWT bound to the dev client certificate.
const issuer = 'https://idp.bench.example';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'ES256', use: 'sig' }] });
let jwksFetches = 0;
const jwksServer = http.createServer((_q, s) => {
  jwksFetches++;
  s.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
});
await new Promise((r) => jwksServer.listen(0, '127.0.0.1', r));
const clientDer = new X509Certificate(readFileSync(join(certs, 'client.pem'))).raw;
const token = await new SignJWT({ scope: 'api', cnf: { 'x5t#S256': createHash('sha256').update(clientDer).digest('base64url') } })
  .setProtectedHeader({ alg: 'ES256', kid: 'bench-1', typ: 'at+jwt' })
  .setIssuer(issuer)
  .setAudience('bench-api')
  .setSubject('bench-client')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(privateKey);

const [plainPort, hostsPort, upstreamPort] = [await freePort(), await freePort(), await freePort()];
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
const tls = '{ cert: certs/server.pem, key: certs/server-key.pem }';
const clientAuth = '{ mode: require, trustedCAs: [certs/ca.pem], verifyDepth: 2 }';
writeFileSync(
  join(dir, 'gateway.yaml'),
  `workers: 1
listeners:
  - { name: plain, listen: 127.0.0.1:${plainPort}, tls: ${tls}, clientAuth: ${clientAuth} }
  - name: hosts
    listen: 127.0.0.1:${hostsPort}
    tls: ${tls}
    clientAuth: ${clientAuth}
    hosts:
      - { serverNames: [mtls.bench.example], tls: ${tls}, clientAuth: ${clientAuth} }
upstreams:
  open: { url: ${upstreamUrl}, clientCert: { header: X-Client-Cert, format: pem-urlencoded } }
  signed:
    url: ${upstreamUrl}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: bench-ed }
  hmac:
    url: ${upstreamUrl}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
    signature: { alg: hmac-sha256, keyFile: hmac.key, keyId: bench-hmac }
  streamed:
    url: ${upstreamUrl}
    clientCert: { header: X-Client-Cert, format: pem-urlencoded }
    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: bench-ed, digestMaxBody: 1, largeBodies: unsigned-body }
routes:
  - { name: plain, match: { pathPrefix: /plain/ }, upstream: open }
  - name: bound
    match: { pathPrefix: /bound/ }
    upstream: open
    tokenBinding: { jwt: { issuer: '${issuer}', jwksUri: 'http://127.0.0.1:${jwksServer.address().port}/jwks', audiences: [bench-api], algorithms: [ES256] } }
  - { name: digest, match: { pathPrefix: /digest/ }, upstream: signed }
  - { name: streamed, match: { pathPrefix: /streamed/ }, upstream: streamed }
  - { name: hmac, match: { pathPrefix: /hmac/ }, upstream: hmac }
`,
);

const { start, stop } = processGroup({ cwd: dir });
const cpus = pin ? ['0', '1'] : ['0-' + (os.availableParallelism() - 1), '0-' + (os.availableParallelism() - 1)];

// The upstream: a minimal keep-alive HTTP server answering `ok\n` (drains the request).
const upstreamSrc = `require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => { s.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }); s.end('ok\\n'); }); }).listen(${upstreamPort}, '127.0.0.1')`;
await waitPort(upstreamPort, start('upstream', cpus[1], process.execPath, ['-e', upstreamSrc]));
// Access log on (info) to a file, as in bench/run.mjs: the job a user runs.
const prof = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`] : [];
const certgate = start('certgate', cpus[0], args.node, [...prof, join(DIST, 'cli', 'main.js'), 'start', '--config', 'gateway.yaml'], { logFile: join(dir, 'certgate.log') });
const certgatePid = certgate.pid;
for (const port of [plainPort, hostsPort]) await waitPort(port, certgate, 30000);

/** One load run; returns req/s and certgate's CPU µs per request over the whole run. Asynchronous:
 * this process serves the JWKS meanwhile. */
async function load({ url, handshake = false, extra = [] }) {
  const argv = ['--url', url, '--connect', '127.0.0.1', '--cert', join(certs, 'client.pem'), '--key', join(certs, 'client-key.pem'), '--cacert', join(certs, 'ca.pem')];
  argv.push('--conns', handshake ? args['hs-conns'] : args.conns, '--duration', args.duration, '--warmup', args.warmup, ...(handshake ? ['--handshake'] : []), ...extra);
  const cpu0 = treeCpuSeconds(certgatePid);
  const [c, a] = onCpu('1', LOADGEN, argv);
  const r = JSON.parse((await promisify(execFile)(c, a, { encoding: 'utf8' })).stdout.trim().split('\n').at(-1));
  const cpu = treeCpuSeconds(certgatePid) - cpu0;
  if (r.errors > 0 || r.non2xx > 0) throw new Error(`${url}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { rps: r.rps, us: (cpu * 1e6) / r.requests_total };
}

const auth = ['--header', `Authorization: Bearer ${token}`];
const post = ['--method', 'POST', '--body-file', join(dir, 'body.txt'), '--header', 'Content-Type: application/x-www-form-urlencoded'];
const MODES = {
  token: {
    baseline: 'no tokenBinding',
    modes: {
      'no tokenBinding': { url: `https://localhost:${plainPort}/plain/x`, extra: auth },
      tokenBinding: { url: `https://localhost:${plainPort}/bound/x`, extra: auth },
    },
    target: (ratio) => `>= 90 % throughput: ${ratio.rps >= 0.9 ? 'met' : 'NOT met'}`,
  },
  digest: {
    baseline: 'body streamed',
    modes: {
      'body streamed': { url: `https://localhost:${plainPort}/streamed/token`, extra: post },
      'body digested': { url: `https://localhost:${plainPort}/digest/token`, extra: post },
      // for scale: the same POST to an upstream that is not signed at all
      'not signed': { url: `https://localhost:${plainPort}/plain/token`, extra: post },
    },
    target: (ratio) => `>= 95 % throughput: ${ratio.rps >= 0.95 ? 'met' : 'NOT met'}`,
  },
  sni: {
    baseline: 'no hosts',
    modes: {
      'no hosts': { url: `https://localhost:${plainPort}/plain/x`, handshake: true },
      'hosts, SNI host': { url: `https://mtls.bench.example:${hostsPort}/plain/x`, handshake: true },
      'hosts, default host': { url: `https://localhost:${hostsPort}/plain/x`, handshake: true },
    },
    target: (ratio) => `<= 3 % more CPU per handshake: ${ratio.us <= 1.03 ? 'met' : 'NOT met'}`,
  },
  sign: {
    baseline: 'GET not signed',
    modes: {
      'GET not signed': { url: `https://localhost:${plainPort}/plain/x` },
      'GET signed ed25519': { url: `https://localhost:${plainPort}/digest/x` },
      'GET signed hmac': { url: `https://localhost:${plainPort}/hmac/x` },
    },
    target: () => '',
  },
};

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const results = {};
for (const group of Object.keys(MODES).filter((g) => groups.has(g))) {
  const names = Object.keys(MODES[group].modes);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 1; r <= Number(args.rounds); r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const n of order) runs[n].push(await load(MODES[group].modes[n]));
    console.error(`${group} round ${r}: ${names.map((n) => `${n} ${Math.round(runs[n].at(-1).rps)}/s ${runs[n].at(-1).us.toFixed(1)} µs`).join(', ')}`);
  }
  results[group] = Object.fromEntries(names.map((n) => [n, { rps: median(runs[n].map((x) => x.rps)), us: median(runs[n].map((x) => x.us)), runs: runs[n] }]));
}

const nodeVersion = execFileSync(args.node, ['--version'], { encoding: 'utf8' }).trim();
console.log(
  `\nedge features, Node ${nodeVersion}, ${args.rounds} rounds x ${args.duration} s (+${args.warmup} s warm-up), ${args.conns} keep-alive / ${args['hs-conns']} handshaking mTLS connections, ${pin ? 'certgate on core 0, load + upstream on core 1' : 'unpinned'}, access log on`,
);
console.log('group    mode                    per s (median)   µs each   ×rate   ×CPU    target   (ratios: median of per-round ratios)');
for (const [group, modes] of Object.entries(results)) {
  const base = modes[MODES[group].baseline];
  for (const [n, v] of Object.entries(modes)) {
    // Paired: each round runs every mode back to back, so a round's ratio is free of the drift
    // between rounds (a shared machine's speed moves by 10-20 % over minutes); the median of them.
    const paired = (k) => median(v.runs.map((run, i) => run[k] / base.runs[i][k]));
    const ratio = { rps: paired('rps'), us: paired('us') };
    const target = n === MODES[group].baseline || n === 'not signed' ? '' : MODES[group].target(ratio);
    console.log(
      `${group.padEnd(8)} ${n.padEnd(22)} ${String(Math.round(v.rps)).padStart(14)}   ${v.us.toFixed(1).padStart(7)}   ${ratio.rps.toFixed(3)}   ${ratio.us.toFixed(3)}   ${target}`,
    );
  }
}
if (groups.has('token')) console.log(`JWKS fetched ${jwksFetches} time(s) for every tokenBinding request of the run`);
console.log(JSON.stringify({ node: nodeVersion, rounds: Number(args.rounds), duration: Number(args.duration), results }));
// SIGTERM lets certgate exit cleanly, so --cpu-prof writes its profiles before this process ends.
if (args['cpu-prof']) await stop(certgate);
process.exit(0);
