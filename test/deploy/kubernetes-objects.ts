// Reads the kustomize base in deploy/kubernetes/ as a test sees it: every YAML document of every
// file, and the kubernetes-models class that validates each (apiVersion/kind dispatch against the
// Kubernetes OpenAPI schema; cert-manager's CRD schema for the Certificate).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';

const KUBERNETES_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

interface ObjectHead {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
}

/** One object of the base; `doc` is the parsed YAML as plain data (typed by `only`). */
export interface ManifestObject {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly doc: unknown;
}

/** The classes that validate the kinds this base uses, by `apiVersion/kind`. */
export const MODELS: Readonly<Record<string, new (data: never) => { validate(): void }>> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'cert-manager.io/v1/Certificate': Certificate,
};

export async function readKustomization(): Promise<{ resources: string[]; namespace?: string }> {
  return parse(await readFile(path.join(KUBERNETES_DIR, 'kustomization.yaml'), 'utf8')) as { resources: string[]; namespace?: string };
}

/** The YAML files of the base other than kustomization.yaml. */
export async function manifestFiles(): Promise<string[]> {
  return (await readdir(KUBERNETES_DIR)).filter((n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml').sort();
}

export async function readManifests(): Promise<ManifestObject[]> {
  const out: ManifestObject[] = [];
  for (const file of await manifestFiles()) {
    const docs = parseAllDocuments(await readFile(path.join(KUBERNETES_DIR, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: ${String(docs)}`);
    for (const d of docs) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const doc = d.toJS() as ObjectHead | null;
      if (doc === null) continue;
      out.push({ file, apiVersion: doc.apiVersion, kind: doc.kind, name: doc.metadata?.name ?? '', doc });
    }
  }
  return out;
}

/** The one object of `kind` (and `name`), as the kubernetes-models interface T for that kind. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view of parsed YAML; the schema test validates each object as that kind
export function only<T>(objects: readonly ManifestObject[], kind: string, name?: string): T {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.name === name));
  if (hits.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0]!.doc as T;
}
