// deploy/grafana/certgate-dashboard.json queries only metrics a running gateway exposes: every
// metric name in every panel's PromQL (and in the template variables) is on the /metrics of a
// real `certgate start` (supervisor and worker, revocation on, requests driven through it). A
// metric with no series yet still prints its `# HELP` line, so names are matched on those, with
// a histogram's _bucket/_sum/_count mapped to its base name.
import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestPki } from '../helpers/pki.js';
import { listenerDir, mtlsRequest, startRecordingUpstream } from '../helpers/gateway-harness.js';
import { startSupervised } from '../helpers/supervised-gateway.js';

const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/certgate-dashboard.json', import.meta.url));

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly targets?: readonly { readonly expr: string }[];
}
const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; definition: string }[] };
};

/** Metric names in a PromQL expression: identifiers before a selector or range, and every certgate_ name. */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=[{[])/g)) names.add(m[1]!);
  for (const m of expr.matchAll(/\bcertgate_[a-zA-Z0-9_:]*/g)) names.add(m[0]);
  return [...names];
}

const baseName = (name: string): string => name.replace(/_(bucket|sum|count)$/, '');

const pki = await makeTestPki();
const dir = await listenerDir(pki, { 'ca.crl': pki.crl.pem });
const upstream = await startRecordingUpstream();
const file = path.join(dir, 'gateway.yaml');
await writeFile(
  file,
  `workers: 1
admin: { listen: 127.0.0.1:0 }
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: require, trustedCAs: [ca.pem] }
    revocation: { check: leaf, sources: [ocsp, crl], failMode: closed, crl: { files: [ca.crl] } }
upstreams:
  backend: { url: ${upstream.url} }
routes:
  - { name: all, match: { pathPrefix: / }, upstream: backend, clientCert: required }
`,
);
const gw = await startSupervised(file);
t.teardown(async () => {
  await gw.stop();
  await upstream.close();
});
await gw.waitFor((l) => l.event === 'generation_serving', 'generation 1');

const port = gw.port('main');
const good = await mtlsRequest({ port, ca: pki.rootCa.certPem, cert: pki.client.certPem, key: pki.client.keyPem });
const revoked = await mtlsRequest({ port, ca: pki.rootCa.certPem, cert: pki.clientRevoked.certPem, key: pki.clientRevoked.keyPem });
const none = await mtlsRequest({ port, ca: pki.rootCa.certPem });
const metrics = await gw.admin('/metrics');
const exposed = new Set([...metrics.body.matchAll(/^# (?:HELP|TYPE) (\S+)/gm)].map((m) => m[1]!));

t.test('the gateway was driven: a forwarded request, a revoked and a missing certificate', async (t) => {
  t.equal(good.status, 200);
  t.equal(revoked.status, 401);
  t.equal(none.status, 401);
  t.equal(metrics.status, 200);
  t.match(metrics.body, /certgate_revocation_checks_total\{[^}]*result="revoked"/, 'labelled revocation series exist');
});

t.test('every panel with a query names a certgate metric the gateway exposes', async (t) => {
  const queried = dashboard.panels.filter((p) => p.type !== 'row');
  t.ok(queried.length >= 10, `${queried.length} panels`);
  for (const p of queried) {
    t.ok(p.targets && p.targets.length > 0, `${p.title}: has queries`);
    for (const { expr } of p.targets ?? []) {
      const names = metricNames(expr);
      t.ok(
        names.some((n) => n.startsWith('certgate_')),
        `${p.title}: ${expr}`,
      );
      for (const n of names) t.ok(exposed.has(baseName(n)), `${p.title}: ${n} is on /metrics`);
    }
  }
});

t.test('the template variables query an exposed metric', async (t) => {
  for (const v of dashboard.templating.list) {
    for (const n of metricNames(v.definition.replace(/^label_values\(/, ''))) t.ok(exposed.has(n), `$${v.name}: ${n}`);
  }
});

t.test('the dashboard covers what the runbook promises', async (t) => {
  const all = dashboard.panels.flatMap((p) => p.targets ?? []).map((x) => x.expr);
  const used = new Set(all.flatMap(metricNames).map(baseName));
  for (const n of [
    'certgate_client_cert_rejections_total',
    'certgate_path_rejections_total',
    'certgate_limits_reached_total',
    'certgate_revocation_checks_total',
    'certgate_ocsp_request_duration_seconds',
    'certgate_crl_stale',
    'certgate_crl_age_seconds',
    'certgate_certificate_expiry_days',
    'certgate_request_duration_seconds',
    'certgate_requests_total',
    'certgate_upstream_busy_total',
    'certgate_config_reload_total',
    'certgate_worker_restarts_total',
  ]) {
    t.ok(used.has(n), n);
  }
});

t.test('the name extraction finds selectors, ranges and bare names', async (t) => {
  t.same(metricNames('sum by (le) (rate(certgate_x_bucket{a="b"}[5m])) / time() + up'), ['certgate_x_bucket']);
  t.same(metricNames('rate(foo[1m])').sort(), ['foo']);
  t.equal(baseName('certgate_request_duration_seconds_count'), 'certgate_request_duration_seconds');
});
