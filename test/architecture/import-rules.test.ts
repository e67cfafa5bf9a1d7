// The folder import rules of ARCHITECTURE.md, checked over every import in src/. The rules are
// written out here, literally; a broken one lists each offending file and specifier.
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { findViolations, importSpecifiers, srcImportEdges, type AllowedEdge, type ImportEdge, type ImportRule } from './import-graph.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

const RULES: readonly ImportRule[] = [
  {
    importers: ['verify'],
    mayImportOnly: ['wire'],
    why: 'certgate/verify is installed by upstreams: it may import only src/wire/, never the gateway',
  },
  {
    importers: ['wire'],
    mayImportOnly: [],
    why: 'src/wire/ is the neutral layer the gateway and certgate/verify share: it imports nothing else in src/',
  },
  {
    importers: ['x509'],
    mayImportOnly: ['wire'],
    why: 'src/x509/ is the one certificate, name and CRL reader: every stage uses it, it uses no stage',
  },
  {
    importers: ['identity', 'revocation'],
    mustNotImport: ['forward', 'routing'],
    why: 'who the client is and whether its certificate is revoked do not depend on where the request goes',
  },
  {
    importers: ['token-binding'],
    mustNotImport: ['pipeline'],
    why: 'the token-binding stage is composed by the pipeline; it knows a connection only by its identity',
  },
  {
    importers: ['config'],
    mustNotImport: ['tls', 'pipeline', 'forward'],
    why: 'config is parsed and validated before any listener, pipeline or upstream client exists',
  },
  {
    importers: { allBut: ['cli', 'pki', 'demo'] },
    mustNotImport: ['pki', 'demo'],
    why: 'the dev PKI and the demo (and @peculiar/x509 with its Reflect shim) are loaded only by `certgate pki` and `certgate demo`',
  },
];

// Edges that break a rule today and are accepted until fixed, each with its reason. Empty: add
// an entry only with the reason and the issue that will remove it.
const ALLOWED: readonly AllowedEdge[] = [];

const edges = srcImportEdges(REPO);

t.test('no import in src/ breaks a folder rule', async (t) => {
  const violations = findViolations(edges, RULES, ALLOWED);
  t.strictSame(
    violations.map((v) => `${v.file} imports '${v.specifier}' (${v.rule})`),
    [],
    `${violations.length} forbidden import(s)`,
  );
});

t.test('every allow-list entry is still needed', async (t) => {
  for (const a of ALLOWED) {
    const edge = edges.find((e) => e.file === a.file && e.specifier === a.specifier);
    t.ok(edge !== undefined && findViolations([edge], RULES).length > 0, `${a.file} '${a.specifier}' still breaks a rule`);
  }
});

t.test('the walker sees the imports it is checking', async (t) => {
  // A walker that found nothing would pass every rule; these edges exist in src/.
  const has = (file: string, specifier: string, to: string): boolean => edges.some((e) => e.file === file && e.specifier === specifier && e.to === to);
  t.ok(has('src/verify/index.ts', '../wire/signature-base.js', 'wire'), 'verify -> wire');
  t.ok(has('src/verify/keys.ts', '../wire/signature-algorithms.js', 'wire'), 'import type and value imports alike');
  t.ok(has('src/gateway.ts', './config/types.js', 'config'), 'a src/ root file -> config');
  t.ok(edges.length > 300, `${edges.length} relative imports found`);
  t.ok(
    edges.every((e) => e.file.startsWith('src/')),
    'only files under src/',
  );
});

t.test('specifiers: import, import type, export from, dynamic import, import type query', async (t) => {
  const source = [
    "import { a } from '../config/types.js';",
    "import type { B } from '../tls/trust-store.js';",
    "export { c } from '../forward/forward-request.js';",
    "export * from '../pipeline/access-log.js';",
    "const m = await import('../pki/dev-pki.js');",
    "let k: import('../demo/run-demo.js').Demo;",
    "import 'node:crypto';",
    "// import { no } from '../commented/out.js';",
  ].join('\n');
  t.strictSame(importSpecifiers(source), [
    '../config/types.js',
    '../tls/trust-store.js',
    '../forward/forward-request.js',
    '../pipeline/access-log.js',
    '../pki/dev-pki.js',
    '../demo/run-demo.js',
    'node:crypto',
  ]);
});

t.test('the checker reports each forbidden edge with file and specifier', async (t) => {
  const edge = (from: string, to: string): ImportEdge => ({
    file: `src/${from}/x.ts`,
    specifier: `../${to}/y.js`,
    from,
    to,
  });
  const forbidden = [
    edge('verify', 'config'),
    edge('verify', 'signing'),
    edge('verify', 'headers'),
    edge('verify', '(root)'),
    edge('wire', 'config'),
    edge('wire', 'identity'),
    edge('identity', 'forward'),
    edge('identity', 'routing'),
    edge('revocation', 'forward'),
    edge('revocation', 'routing'),
    edge('config', 'tls'),
    edge('config', 'pipeline'),
    edge('config', 'forward'),
    edge('headers', 'pki'),
    edge('tls', 'demo'),
    edge('(root)', 'pki'),
    edge('supervisor', 'demo'),
  ];
  for (const e of forbidden) {
    const found = findViolations([e], RULES);
    t.equal(found.length, 1, `${e.from} -> ${e.to} is forbidden`);
    t.equal(found[0]?.file, e.file);
    t.equal(found[0]?.specifier, e.specifier);
  }
  const permitted = [
    edge('verify', 'wire'),
    edge('verify', 'verify'),
    edge('wire', 'wire'),
    edge('identity', 'config'),
    edge('revocation', 'identity'),
    edge('config', 'wire'),
    edge('config', 'policy'),
    edge('cli', 'pki'),
    edge('cli', 'demo'),
    edge('demo', 'pki'),
    edge('pki', 'identity'),
    edge('tls', 'config'),
    edge('pipeline', 'forward'),
  ];
  for (const e of permitted) t.strictSame(findViolations([e], RULES), [], `${e.from} -> ${e.to} is allowed`);

  t.equal(findViolations(forbidden, RULES).length, forbidden.length, 'every violation is reported, not just the first');
  const allowed: AllowedEdge[] = [{ file: 'src/config/x.ts', specifier: '../tls/y.js', why: 'synthetic' }];
  t.strictSame(findViolations([edge('config', 'tls')], RULES, allowed), [], 'an allow-listed edge is not reported');
});
