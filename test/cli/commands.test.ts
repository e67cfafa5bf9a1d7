// The commands load only what they run: `certgate start` (supervisor and worker) never loads the
// dev PKI, so neither @peculiar/x509 nor the global Reflect shim it needs; `certgate pki` does.
// Without revocation checks a worker loads neither the revocation checker nor undici (about 20 MB
// of RSS). Workers run with the supervisor's young-generation size (src/supervisor/spare-workers.ts).
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, tempDir } from '../helpers/gateway-harness.js';
import { CLI, startGatewayProcess } from '../helpers/gateway-process.js';

const RECORDER = fileURLToPath(new URL('../helpers/record-module-loads.mjs', import.meta.url));

/** Environment for a child that records every module it (and its cluster workers) loads into `log`. */
function recordingEnv(log: string): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${RECORDER}`.trim(), CERTGATE_MODULE_LOG: log };
}

async function loadedModules(log: string): Promise<string[]> {
  return (await readFile(log, 'utf8')).split('\n').filter(Boolean);
}

const isX509 = (url: string): boolean => url.includes('/node_modules/@peculiar/x509/');
const isDevPki = (url: string): boolean => /\/dist\/pki\//.test(url);
const isRevocationClient = (url: string): boolean => url.includes('/node_modules/undici/') || url.endsWith('/dist/revocation/revocation-checker.js');

/** The command lines of a process's children (Linux /proc), as argument lists. */
function childCommandLines(pid: number): string[][] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.map((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').filter(Boolean));
}

t.test('start: neither the supervisor nor its worker loads the dev PKI, @peculiar/x509, the Reflect shim or the revocation client', async (t) => {
  const pki = await makeTestPki();
  const dir = await listenerDir(pki);
  const log = path.join(dir, 'modules.log');
  const gw = await startGatewayProcess(
    dir,
    `
logging: { level: warn }
workers: 1
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
upstreams:
  app: { url: http://127.0.0.1:9 }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: app }
`,
    recordingEnv(log),
  );
  const workers = childCommandLines(gw.child.pid!);
  await gw.stop();
  t.ok(workers.length >= 1, 'the supervisor has forked its worker');
  for (const argv of workers) {
    t.ok(argv.includes('--max-semi-space-size=4'), `worker runs with --max-semi-space-size=4: ${argv.join(' ')}`);
    t.ok(argv.includes('--max-old-space-size=512'), `worker runs with --max-old-space-size=512: ${argv.join(' ')}`);
  }
  const loaded = await loadedModules(log);
  t.ok(
    loaded.some((u) => u.endsWith('/dist/supervisor/supervisor.js')),
    'the recorder saw the supervisor',
  );
  t.ok(
    loaded.some((u) => u.endsWith('/dist/pipeline/request-pipeline.js')),
    "the recorder saw the worker's request path",
  );
  t.same(loaded.filter(isX509), [], 'no @peculiar/x509');
  t.same(loaded.filter(isDevPki), [], 'no module of the dev PKI (and so no Reflect shim)');
  t.same(loaded.filter(isRevocationClient), [], 'no revocation checker and no undici: revocation is off');
});

t.test('pki: the dev PKI and @peculiar/x509 load when the command runs (the recorder sees them)', async (t) => {
  const dir = await tempDir();
  const log = path.join(dir, 'modules.log');
  await promisify(execFile)(process.execPath, [CLI, 'pki', '--out', path.join(dir, 'certs')], { env: recordingEnv(log) });
  const loaded = await loadedModules(log);
  t.ok(loaded.some(isX509), '@peculiar/x509 loaded');
  t.ok(
    loaded.some((u) => u.endsWith('/dist/pki/reflect-metadata-shim.js')),
    'the Reflect shim loaded',
  );
});

t.test('importing the command table installs no global Reflect metadata API', async (t) => {
  const commands = new URL('../../dist/cli/commands.js', import.meta.url).href;
  const script = `await import(${JSON.stringify(commands)}); process.stdout.write(typeof Reflect.getMetadata);`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  t.equal(stdout, 'undefined');
});
