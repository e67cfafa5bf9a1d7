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
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, ISecret, IService } from 'kubernetes-models/v1';
import { checkConfig } from '../../src/config/load-config.js';
import type { GatewayConfig } from '../../src/config/types.js';
import { tempDir } from '../helpers/gateway-harness.js';
import { CLI } from '../helpers/gateway-process.js';
import { makeTestPki } from '../helpers/pki.js';
import { manifestFiles, MODELS, only, readKustomization, readManifests } from './kubernetes-objects.js';

const run = promisify(execFile);
const objects = await readManifests();
const deployment = only<IDeployment>(objects, 'Deployment');
const pod = deployment.spec!.template.spec!;
const container = pod.containers[0]!;
const mounts = container.volumeMounts ?? [];
const configText = only<IConfigMap>(objects, 'ConfigMap').data!['gateway.yaml']!;
const POD_LABELS = deployment.spec!.template.metadata!.labels;

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
  const broken = structuredClone(deployment) as unknown as { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
  broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = '8443/tcp';
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

/** The keys of a Secret in the base, or of the Secret a cert-manager Certificate writes. */
function secretKeys(name: string): string[] {
  const secret = objects.find((o) => o.kind === 'Secret' && o.name === name)?.doc as ISecret | undefined;
  if (secret) return Object.keys({ ...secret.data, ...secret.stringData });
  const cert = objects.find((o) => o.kind === 'Certificate' && (o.doc as ICertificate).spec.secretName === name);
  if (cert) return ['tls.crt', 'tls.key', 'ca.crt'];
  throw new Error(`no Secret or Certificate provides ${name}`);
}

/** mountPath -> the file names the volume mounted there holds. */
const mounted = new Map<string, string[]>();
for (const m of mounts) {
  const v = pod.volumes?.find((x) => x.name === m.name);
  if (v?.secret) mounted.set(m.mountPath, secretKeys(v.secret.secretName!));
  else if (v?.configMap) mounted.set(m.mountPath, Object.keys(only<IConfigMap>(objects, 'ConfigMap', v.configMap.name).data!));
}
const inRoot = (p: string): string => path.join(root, p);
for (const [dir, keys] of mounted) {
  await mkdir(inRoot(dir), { recursive: true });
  for (const key of keys) {
    const text = key === 'gateway.yaml' ? configText.replaceAll('/etc/certgate/', `${inRoot('/etc/certgate')}/`) : CONTENT[key]!;
    await writeFile(inRoot(path.join(dir, key)), text);
  }
}
const args = container.args ?? [];
const configArg = args[args.indexOf('--config') + 1]!;
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
    const mount = mounts.find((m) => f.path.startsWith(`${inRoot(m.mountPath)}/`));
    t.ok(mount?.readOnly, `${path.relative(root, f.path)} is on a readOnly mount`);
  }
  t.ok(
    mounts.filter((m) => !m.readOnly).every((m) => m.mountPath === '/tmp'),
    'only /tmp is writable',
  );
});

t.test('every ${NAME} the config uses comes from a Secret key in the pod env', async (t) => {
  const names = [...configText.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
  t.ok(names.length > 0);
  for (const n of names) {
    const env = container.env?.find((e) => e.name === n);
    const ref = env?.valueFrom?.secretKeyRef;
    t.ok(ref, `${n} is set from a Secret`);
    if (ref) t.ok(secretKeys(ref.name!).includes(ref.key), `Secret ${ref.name} has key ${ref.key}`);
  }
});

t.test('ports and probes agree with the config', async (t) => {
  const listenPort = config.listeners[0]!.listen.port;
  const adminPort = config.admin!.listen.port;
  const portNamed = (name: string): number | undefined => container.ports?.find((p) => p.name === name)?.containerPort;
  t.equal(portNamed('https'), listenPort, 'container port https is the listener');
  t.equal(portNamed('admin'), adminPort, 'container port admin is the admin listener');
  t.not(config.admin!.listen.host, '127.0.0.1', 'admin listener reachable on the pod IP');
  t.match(container.readinessProbe?.httpGet, { path: '/readyz', port: 'admin' });
  t.match(container.livenessProbe?.httpGet, { path: '/healthz', port: 'admin' });
  t.match(container.startupProbe?.httpGet, { port: 'admin' });

  const svc = only<IService>(objects, 'Service').spec!;
  t.equal(svc.type, 'LoadBalancer');
  t.equal(svc.externalTrafficPolicy, 'Local', 'the client address reaches the pod');
  t.match(svc.ports, [{ port: 443, protocol: 'TCP', targetPort: 'https' }]);
  t.same(svc.selector, deployment.spec!.selector.matchLabels);

  const np = only<INetworkPolicy>(objects, 'NetworkPolicy').spec!;
  const ingress = np.ingress ?? [];
  const egress = np.egress ?? [];
  const open = ingress.find((r) => r.from === undefined);
  t.same(open?.ports, [{ protocol: 'TCP', port: listenPort }], 'only the listener is open to all');
  const admin = ingress.find((r) => r.ports?.some((p) => p.port === adminPort));
  t.same(admin?.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], 'admin only from monitoring');
  t.same(np.policyTypes, ['Ingress', 'Egress']);
  const dns = egress.flatMap((r) => r.ports ?? []).filter((p) => p.port === 53);
  t.same(dns.map((p) => p.protocol).sort(), ['TCP', 'UDP'], 'DNS over UDP and TCP');
  const upstreamPort = Number(new URL(config.upstreams.get('backend')!.url.toString()).port);
  t.ok(
    egress.some((r) => r.ports?.some((p) => p.port === upstreamPort)),
    `egress to the upstream port ${upstreamPort}`,
  );
  t.ok(
    egress.every((r) => (r.to ?? []).length > 0),
    'every egress rule names its destination',
  );
});

t.test('the pod outlives its own drain', async (t) => {
  const { delay, drainTimeout } = config.shutdown;
  t.ok(delay > 0, 'shutdown.delay lets the endpoint leave the Service first');
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  t.ok(grace * 1000 > delay + drainTimeout, `${grace}s > ${delay + drainTimeout}ms`);
  t.match(deployment.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
});

t.test('security context, literally', async (t) => {
  t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
  t.match(container.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  t.notOk(container.securityContext?.capabilities?.add, 'no capability added');
  t.equal(pod.automountServiceAccountToken, false, 'no API token in the pod');
});

t.test('availability: replicas, spread, HPA, PDB, resources', async (t) => {
  t.ok((deployment.spec!.replicas ?? 1) >= 2, 'at least 2 replicas');
  const spread = pod.topologySpreadConstraints ?? [];
  t.ok(spread.length > 0, 'topology spread');
  for (const c of spread) t.same(c.labelSelector?.matchLabels, POD_LABELS);
  const hpa = only<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler').spec!;
  t.match(hpa.scaleTargetRef, { kind: 'Deployment', name: deployment.metadata!.name });
  t.ok((hpa.minReplicas ?? 1) >= 2);
  t.match(hpa.metrics, [{ type: 'Resource', resource: { name: 'cpu' } }]);
  const pdb = only<IPodDisruptionBudget>(objects, 'PodDisruptionBudget').spec!;
  t.equal(pdb.minAvailable, 1);
  t.same(pdb.selector?.matchLabels, POD_LABELS);
  t.equal(Number(container.resources?.requests?.cpu), config.workers, 'one requested core per worker');
  t.ok(container.resources?.requests?.memory, 'a memory request');
});
