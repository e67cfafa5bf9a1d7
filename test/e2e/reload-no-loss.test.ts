// No request lost under reload (issue 10's acceptance): four clients (two on keep-alive
// connections, two opening a connection per request) run for at least 20 s while the gateway
// reloads 22 times: server certificate A/B swapped through the file watch in the Kubernetes
// `..data` symlink layout, the trusted CA bundle, a route, the upstream address, and a
// signing-key rotation with overlap. Zero failed requests, zero resets, every response from an
// upstream the config allowed, every signature verified by a remote key set on the upstream.
import t from 'tap';
import tls from 'node:tls';
import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { issueCertificate } from '../../src/pki/certificate-factory.js';
import { createRemoteKeySet, verifyForwardedRequest } from '../../src/verify/index.js';
import { makeTestPki } from '../helpers/pki.js';
import { mtlsRequest, startRecordingUpstream, listenerDir } from '../helpers/gateway-harness.js';
import { startSupervised, type LogLine } from '../helpers/supervised-gateway.js';
import { probeUntil, waitUntil } from '../helpers/wait-for.js';

const LOAD_MS = 20_000;
// 22 reloads each start a worker process: paced one a second unloaded, but on a 2-core box with
// both cores busy (stress-ng, another test file beside it) a reload took 4 s and the file 100 s.
// A hang still ends the file; a slow machine only makes it longer.
t.setTimeout(300_000);

const pki = await makeTestPki();
const certB = await issueCertificate(pki.rootCa, { subject: 'CN=localhost,O=certgate test B', san: { dns: ['localhost'], ip: ['127.0.0.1'] }, extendedKeyUsage: ['serverAuth'] });
const k1 = generateKeyPairSync('ed25519');
const k2 = generateKeyPairSync('ed25519');
const pem = (k: ReturnType<typeof generateKeyPairSync>, type: 'private' | 'public'): string =>
  type === 'private' ? k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() : k.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const dir = await listenerDir(pki, {
  'k1.pem': pem(k1, 'private'),
  'k1.pub': pem(k1, 'public'),
  'k2.pem': pem(k2, 'private'),
  'k2.pub': pem(k2, 'public'),
  'cas.pem': pki.rootCa.certPem + pki.unknownCa.certPem,
});

// --- server certificate in the layout of a Kubernetes Secret volume -------------------------
const tlsDir = path.join(dir, 'tls');
await mkdir(tlsDir);
let certVersion = 0;
const publishServerCert = async (cert: { certPem: string; keyPem: string }): Promise<void> => {
  const version = `..v${++certVersion}`;
  await mkdir(path.join(tlsDir, version));
  await writeFile(path.join(tlsDir, version, 'tls.crt'), cert.certPem);
  await writeFile(path.join(tlsDir, version, 'tls.key'), cert.keyPem);
  await symlink(version, path.join(tlsDir, '..data_tmp'));
  await rename(path.join(tlsDir, '..data_tmp'), path.join(tlsDir, '..data')); // the atomic swap
};
await publishServerCert(pki.server);
await symlink('..data/tls.crt', path.join(tlsDir, 'tls.crt'));
await symlink('..data/tls.key', path.join(tlsDir, 'tls.key'));

// --- upstreams that verify every signature with a remote key set ---------------------------
let adminPort = 0;
let keySet: ReturnType<typeof createRemoteKeySet> | undefined;
const verifyFailures: string[] = [];
const upstreamAnswering =
  (name: string) =>
  (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    try {
      const id = verifyForwardedRequest(req as never, { keys: keySet!, maxAge: 60 });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ upstream: name, keyId: id.keyId }));
    } catch (err) {
      verifyFailures.push(`${name}: ${(err as Error).message}`);
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ upstream: name, error: (err as Error).message }));
    }
  };
const u1 = await startRecordingUpstream(upstreamAnswering('u1'));
const u2 = await startRecordingUpstream(upstreamAnswering('u2'));

// --- the config, as state -----------------------------------------------------------------
interface State {
  cas: 'both' | 'root';
  gone: boolean;
  upstream: 'u1' | 'u2';
  sign: 'k1' | 'k2';
  publish: Array<'k1' | 'k2'>;
}
const state: State = { cas: 'both', gone: false, upstream: 'u1', sign: 'k1', publish: [] };
const file = path.join(dir, 'gateway.yaml');
const render = (s: State): string => `workers: 1
admin: { listen: 127.0.0.1:0 }
reload: { debounce: 50ms }
shutdown: { drainTimeout: 10s }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: tls/tls.crt, key: tls/tls.key }
    clientAuth: { mode: require, trustedCAs: [${s.cas === 'both' ? 'cas.pem' : 'ca.pem'}] }
upstreams:
  app:
    url: ${s.upstream === 'u1' ? u1.url : u2.url}
    signature:
      alg: ed25519
      keyFile: ${s.sign}.pem
      keyId: ${s.sign}
      publishKeys: [${s.publish.map((k) => `{ keyFile: ${k}.pub, keyId: ${k} }`).join(', ')}]
routes:
${s.gone ? "  - { name: gone, match: { pathPrefix: /gone }, upstream: app, allow: { subjectDN: ['CN=nobody'] } }\n" : ''}  - { name: all, match: { pathPrefix: / }, upstream: app }
`;
const writeConfig = async (): Promise<void> => {
  await writeFile(`${file}.tmp`, render(state));
  await rename(`${file}.tmp`, file);
};
await writeFile(file, render(state));

const gw = await startSupervised(file);
t.teardown(async () => {
  keySet?.close();
  await gw.stop();
  await Promise.all([u1.close(), u2.close()]);
});
await gw.waitFor((l) => l.event === 'generation_serving', 'generation 1');
adminPort = gw.adminPort;
keySet = createRemoteKeySet(`http://127.0.0.1:${adminPort}/.well-known/certgate-keys`, { refreshInterval: 60_000, cooldown: 60_000 });
await keySet.ready();
const port = gw.port('main');
const client = { port, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem };

/** The certificate a new TLS connection is presented with. */
const presentedCert = (): Promise<string> =>
  new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });

t.test('no request lost across 22 reloads under load', async (t) => {
  // Upstreams any request may come from: widened when a change is written, narrowed once the
  // old generation has exited.
  let allowed = new Set<string>([state.upstream]);
  const failures: string[] = [];
  let served = 0;
  let stop = false;
  const runClient = async (name: string, agent: https.Agent | false): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const allowedAtStart = allowed;
      try {
        const r = await mtlsRequest({ ...client, agent, path: `/load/${name}/${i}` });
        const body = r.json() as { upstream?: string; error?: string };
        if (r.status !== 200) failures.push(`${name}#${i}: status ${r.status} ${r.body}`);
        else if (!allowedAtStart.has(body.upstream!) && !allowed.has(body.upstream!))
          failures.push(`${name}#${i}: from ${body.upstream}, allowed ${[...allowedAtStart].join(',')}`);
        else served += 1;
      } catch (err) {
        failures.push(`${name}#${i}: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`);
      }
    }
  };
  const agents = [new https.Agent({ keepAlive: true, maxSockets: 1 }), new https.Agent({ keepAlive: true, maxSockets: 1 })];
  const started = Date.now();
  const clients = [runClient('ka1', agents[0]!), runClient('ka2', agents[1]!), runClient('new1', false), runClient('new2', false)];

  let serving = 1;
  let reloads = 0;
  // About one reload a second (22 over the 20 s of load), as a busy operator or cert-manager might.
  const pace = LOAD_MS / 22;
  let nextSlot = started;
  const reloaded = async (change: () => Promise<void>): Promise<LogLine> => {
    await waitUntil(() => Date.now() >= nextSlot, { what: 'the next reload slot', attempts: 1000, intervalMs: 20 });
    nextSlot = Date.now() + pace;
    const mark = gw.lines.length;
    const before = serving;
    await change();
    const next = await gw.waitFor((l) => l.event === 'generation_serving' && (l.generation as number) > before, `a generation after ${before}`, mark);
    serving = next.generation as number;
    await gw.waitFor((l) => l.event === 'generation_exited' && l.generation === before, `generation ${before} exited`, mark);
    reloads += 1;
    return next;
  };
  const changeConfig = (edit: (s: State) => void) =>
    reloaded(async () => {
      edit(state);
      await writeConfig();
    });
  const swapCert = async (to: 'A' | 'B'): Promise<void> => {
    const cert = to === 'A' ? pki.server : certB;
    const want = cert.x509.fingerprint256;
    let presented: Promise<number> | undefined;
    await reloaded(async () => {
      await publishServerCert(cert);
      const at = Date.now();
      // Probed from the file change on, while the reload runs (bounded: 400 probes, 25 ms apart).
      presented = probeUntil(
        () => presentedCert(),
        (fp) => fp === want,
        { what: `server certificate ${to}`, attempts: 400, intervalMs: 25 },
      ).then(() => Date.now() - at);
      presented.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
    });
    const ms = await presented!;
    t.equal(await presentedCert(), want, `new connections present certificate ${to}`);
    // The latency is a figure, not a test threshold (a loaded CI box stretches it): bench/reload-bench.mjs
    // measures it against issue 10's 2 s.
    t.comment(`certificate ${to} presented ${ms} ms after the file change`);
  };
  const changeUpstream = async (to: 'u1' | 'u2'): Promise<void> => {
    allowed = new Set([state.upstream, to]);
    await changeConfig((s) => (s.upstream = to));
    allowed = new Set([to]);
  };
  const strangerStatus = async (): Promise<number | string> => {
    try {
      return (await mtlsRequest({ ...client, cert: pki.clientUnknownCa.certPem, key: pki.clientUnknownCa.keyPem, path: '/stranger' })).status;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code ?? 'error';
    }
  };

  t.equal(await strangerStatus(), 200, 'a client of the second CA is served while that CA is trusted');
  await swapCert('B');
  await changeConfig((s) => (s.cas = 'root'));
  t.not(await strangerStatus(), 200, 'a client of the removed CA is refused on its next connection');
  await swapCert('A');
  await changeConfig((s) => (s.gone = true));
  t.equal((await mtlsRequest({ ...client, path: '/gone/x' })).status, 403, 'the added route applies');
  await swapCert('B');
  await changeUpstream('u2');
  await swapCert('A');
  // Rotation: publish k2, let the upstreams fetch it, sign with k2 (k1 still published), retire k1.
  await changeConfig((s) => (s.publish = ['k2']));
  await keySet.refresh();
  t.same(keySet.keyIds().sort(), ['k1', 'k2'], 'the next key reached the upstream before use');
  await swapCert('B');
  await changeConfig((s) => {
    s.sign = 'k2';
    s.publish = ['k1'];
  });
  await swapCert('A');
  await changeConfig((s) => (s.publish = []));
  await keySet.refresh();
  t.same(keySet.keyIds(), ['k2'], 'k1 retired');
  await swapCert('B');
  await changeConfig((s) => (s.cas = 'both'));
  t.equal(await strangerStatus(), 200, 'the restored CA is trusted again');
  await swapCert('A');
  await changeConfig((s) => (s.gone = false));
  t.equal((await mtlsRequest({ ...client, path: '/gone/x' })).status, 200, 'the removed route no longer applies');
  await swapCert('B');
  await changeUpstream('u1');
  await swapCert('A');
  await reloaded(async () => void gw.child.kill('SIGHUP'));
  await swapCert('B');
  await reloaded(async () => {
    await gw.admin('/-/reload', 'POST');
  });

  await waitUntil(() => Date.now() - started >= LOAD_MS, { what: `${LOAD_MS} ms of load`, attempts: 2000, intervalMs: 50 });
  stop = true;
  await Promise.all(clients);
  for (const a of agents) a.destroy();
  t.ok(reloads >= 20, `${reloads} reloads`);
  t.same(failures, [], `no failed request, no reset (${served} served over ${Date.now() - started} ms)`);
  t.same(verifyFailures, [], 'every signature verified by the remote key set');
  t.ok(served > 200, `${served} requests served`);
  t.equal(await gw.metric('certgate_config_reload_total{result="failure"}'), undefined, 'no failed reload');
  t.equal(await gw.metric('certgate_config_generation'), serving);
});
