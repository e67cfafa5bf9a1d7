// deploy/kubernetes/ is a kustomize base a user applies as is after the marked edits: every object
// passes the Kubernetes (and cert-manager) schema, the kustomization lists every file, and the
// manifests agree with the gateway config they ship: the ConfigMap's gateway.yaml passes the real
// loader and `certgate check` with the mounted files in place, and its ports, probe paths, mounted
// paths, ${ENV} names and shutdown timings are the ones the Deployment, Service and
// NetworkPolicy use.
import t from 'tap';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { checkConfig } from '../../src/config/load-config.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { tempDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';
import { makeTestPki } from '../helpers/pki.js';
import { manifestFiles, MODELS, only, readKustomization, readManifests, type ManifestObject } from './kubernetes-objects.js';

const run = promisify(execFile);
const objects = await readManifests();
const deployment = only(objects, 'Deployment').doc;
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const configMap = only(objects, 'ConfigMap').doc;
const POD_LABELS: Record<string, string> = pod.labels ?? deployment.spec.template.metadata.labels;

t.test('the kustomization lists every manifest file, once', async (t) => {
  const k = await readKustomization();
  t.same([...k.resources].sort(), await manifestFiles());
  t.equal(new Set(k.resources).size, k.resources.length, 'no duplicates');
});

t.test('every object is a known kind and passes its schema', async (t) => {
  t.ok(objects.length >= 10, `${objects.length} objects`);
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) {
      t.fail(`${o.file}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    t.doesNotThrow(() => new Model(o.doc as never).validate(), `${o.file}: ${o.kind} ${o.name}`);
  }
});

t.test('the schema check catches a broken manifest', async (t) => {
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = '8443/tcp';
  t.throws(() => new MODELS['apps/v1/Deployment']!(broken as never).validate());
});

// Lay the pod's mounts out under a temp root: each Secret volume gets the keys its Secret (or the
// cert-manager Certificate writing it) provides, filled with real test material; the ConfigMap
// volume gets gateway.yaml with `/etc/certgate/` moved under the root.
const root = await tempDir('certgate-k8s-');
const pki = await makeTestPki();
const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const CONTENT: Record<string, string> = {
  'tls.crt': pki.server.certPem,
  'tls.key': pki.server.keyPem,
  'ca.crt': pki.rootCa.certPem,
  'ca.pem': pki.rootCa.certPem,
  'ca.crl': pki.crl.pem,
  'signing-key.pem': signingKey,
};
const ENV: Record<string, string> = { UPSTREAM_PASSWORD: 'test-only-password' };

function secretKeys(name: string): string[] {
  const secret = objects.find((o) => o.kind === 'Secret' && o.name === name);
  if (secret) return Object.keys({ ...secret.doc.data, ...secret.doc.stringData });
  const cert = objects.find((o: ManifestObject) => o.kind === 'Certificate' && o.doc.spec.secretName === name);
  if (cert) return ['tls.crt', 'tls.key', 'ca.crt'];
  throw new Error(`no Secret or Certificate provides ${name}`);
}

/** mountPath -> the file names the volume mounted there holds. */
const mounted = new Map<string, string[]>();
for (const m of container.volumeMounts) {
  const v = pod.volumes.find((x: { name: string }) => x.name === m.name);
  if (v.secret) mounted.set(m.mountPath, secretKeys(v.secret.secretName));
  else if (v.configMap) mounted.set(m.mountPath, Object.keys(only(objects, 'ConfigMap', v.configMap.name).doc.data));
}
const inRoot = (p: string): string => path.join(root, p);
for (const [dir, keys] of mounted) {
  await mkdir(inRoot(dir), { recursive: true });
  for (const key of keys) {
    const text: string = key === 'gateway.yaml' ? configMap.data[key].replaceAll('/etc/certgate/', `${inRoot('/etc/certgate')}/`) : CONTENT[key]!;
    await writeFile(inRoot(path.join(dir, key)), text);
  }
}
const configArg: string = container.args[container.args.indexOf('--config') + 1];
const configFile = inRoot(configArg);

t.test('the ConfigMap config passes the loader and `certgate check` with the mounted files in place', async (t) => {
  t.match(configArg, /^\/etc\/certgate\/config\//, 'the container reads its config from the ConfigMap mount');
  const r = await checkConfig(configFile, { env: ENV });
  t.same(r.errors, [], 'no errors');
  t.same(
    r.warnings.map((w) => w.key),
    ['admin.listen'],
    'the only warning: the admin listener is on the pod IP (the kubelet probes it there)',
  );
  const { stdout } = await run(process.execPath, [CLI, 'check', '--config', configFile], { env: { ...process.env, ...ENV } });
  t.match(stdout, /config OK/);
});

const config = (await checkConfig(configFile, { env: ENV })).config as GatewayConfig;

t.test('every file the config reads is on a read-only mount', async (t) => {
  t.ok(config.files.length >= 5, `${config.files.length} files`);
  for (const f of config.files) {
    const mount = container.volumeMounts.find((m: { mountPath: string }) => f.path.startsWith(`${inRoot(m.mountPath)}/`));
    t.ok(mount?.readOnly, `${path.relative(root, f.path)} is on a readOnly mount`);
  }
  t.ok(
    container.volumeMounts.filter((m: { readOnly?: boolean }) => !m.readOnly).every((m: { mountPath: string }) => m.mountPath === '/tmp'),
    'only /tmp is writable',
  );
});

t.test('every ${NAME} the config uses comes from a Secret key in the pod env', async (t) => {
  const names = [...configMap.data['gateway.yaml'].matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] as string);
  t.ok(names.length > 0);
  for (const n of names) {
    const env = container.env.find((e: { name: string }) => e.name === n);
    const ref = env?.valueFrom?.secretKeyRef;
    t.ok(ref, `${n} is set from a Secret`);
    if (ref) t.ok(secretKeys(ref.name).includes(ref.key), `Secret ${ref.name} has key ${ref.key}`);
  }
});

t.test('ports and probes agree with the config', async (t) => {
  const listenPort = config.listeners[0]!.listen.port;
  const adminPort = config.admin!.listen.port;
  const portNamed = (name: string): number => container.ports.find((p: { name: string }) => p.name === name).containerPort;
  t.equal(portNamed('https'), listenPort, 'container port https is the listener');
  t.equal(portNamed('admin'), adminPort, 'container port admin is the admin listener');
  t.not(config.admin!.listen.host, '127.0.0.1', 'admin listener reachable on the pod IP');
  t.match(container.readinessProbe.httpGet, { path: '/readyz', port: 'admin' });
  t.match(container.livenessProbe.httpGet, { path: '/healthz', port: 'admin' });
  t.match(container.startupProbe.httpGet, { port: 'admin' });

  const svc = only(objects, 'Service').doc.spec;
  t.equal(svc.type, 'LoadBalancer');
  t.equal(svc.externalTrafficPolicy, 'Local', 'the client address reaches the pod');
  t.match(svc.ports, [{ port: 443, protocol: 'TCP', targetPort: 'https' }]);
  t.same(svc.selector, deployment.spec.selector.matchLabels);

  const np = only(objects, 'NetworkPolicy').doc.spec;
  const open = np.ingress.find((r: { from?: unknown }) => r.from === undefined);
  t.same(open.ports, [{ protocol: 'TCP', port: listenPort }], 'only the listener is open to all');
  const admin = np.ingress.find((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === adminPort));
  t.same(admin.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], 'admin only from monitoring');
  t.same(np.policyTypes, ['Ingress', 'Egress']);
  const dns = np.egress.flatMap((r: { ports: { port: number; protocol: string }[] }) => r.ports).filter((p: { port: number }) => p.port === 53);
  t.same(dns.map((p: { protocol: string }) => p.protocol).sort(), ['TCP', 'UDP'], 'DNS over UDP and TCP');
  const upstreamPort = Number(new URL(config.upstreams.get('backend')!.url.toString()).port);
  t.ok(
    np.egress.some((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === upstreamPort)),
    `egress to the upstream port ${upstreamPort}`,
  );
  t.ok(
    np.egress.every((r: { to?: unknown[] }) => Array.isArray(r.to) && r.to.length > 0),
    'every egress rule names its destination',
  );
});

t.test('the pod outlives its own drain', async (t) => {
  const { delay, drainTimeout } = config.shutdown;
  t.ok(delay > 0, 'shutdown.delay lets the endpoint leave the Service first');
  t.ok(pod.terminationGracePeriodSeconds * 1000 > delay + drainTimeout, `${pod.terminationGracePeriodSeconds}s > ${delay + drainTimeout}ms`);
  t.match(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
});

t.test('security context, literally', async (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  t.match(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  t.notOk(container.securityContext.capabilities.add, 'no capability added');
  t.equal(pod.automountServiceAccountToken, false, 'no API token in the pod');
});

t.test('availability: replicas, spread, HPA, PDB, resources', async (t) => {
  t.ok(deployment.spec.replicas >= 2, 'at least 2 replicas');
  t.ok(pod.topologySpreadConstraints.length > 0, 'topology spread');
  for (const c of pod.topologySpreadConstraints) t.same(c.labelSelector.matchLabels, POD_LABELS);
  const hpa = only(objects, 'HorizontalPodAutoscaler').doc.spec;
  t.match(hpa.scaleTargetRef, { kind: 'Deployment', name: only(objects, 'Deployment').name });
  t.ok(hpa.minReplicas >= 2);
  t.match(hpa.metrics, [{ type: 'Resource', resource: { name: 'cpu' } }]);
  const pdb = only(objects, 'PodDisruptionBudget').doc.spec;
  t.equal(pdb.minAvailable, 1);
  t.same(pdb.selector.matchLabels, POD_LABELS);
  t.equal(Number(container.resources.requests.cpu), config.workers, 'one requested core per worker');
  t.ok(container.resources.requests.memory, 'a memory request');
});
