#!/usr/bin/env node
// `npm run mutation` (issue 8): StrykerJS over the security-critical modules, one group at a time,
// each group with only the test files that reach it. Stryker's tap runner counts a test *file* as
// one test, so a mutant in a module's top-level tables (a "static" mutant) runs every configured
// file; one global list would run the e2e and unrelated unit files for each of them and blow the
// 20-minute budget. Groups run one after another (concurrency 2 inside each, stryker.config.mjs).
//
//   npm run mutation                 every group, then the summary table
//   npm run mutation -- routing ...  only the named groups
//
// Reports: reports/mutation/<group>.json and .html; the summary is printed and written to
// reports/mutation/summary.md.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

/** group → the modules it mutates and the test files that exercise them (all literal). */
export const GROUPS = {
  sanitiser: {
    mutate: ['src/headers/sanitize-headers.ts'],
    tests: ['test/headers/sanitize-headers.test.ts'],
  },
  'verify-mode': {
    mutate: ['src/tls/verify-mode.ts'],
    tests: ['test/tls/verify-mode.test.ts'],
  },
  policy: {
    mutate: ['src/policy/route-policy.ts', 'src/policy/allow-entries.ts'],
    tests: ['test/policy/route-policy.test.ts', 'test/policy/allow-entries.test.ts'],
  },
  signing: {
    mutate: ['src/wire/signature-base.ts', 'src/verify/*.ts'],
    tests: [
      'test/signing/rfc9421-vectors.test.ts',
      'test/signing/request-signer.test.ts',
      'test/signing/public-jwks.test.ts',
      'test/verify/verify-forwarded-request.test.ts',
      'test/verify/http-message-signatures-interop.test.ts',
      'test/verify/verify-options-and-values.test.ts',
      'test/verify/request-view.test.ts',
      'test/verify/message-signature.test.ts',
      'test/verify/keys.test.ts',
      'test/verify/forwarded-identity.test.ts',
      'test/verify/remote-key-set.test.ts', // issue 10's remote key set
    ],
  },
  routing: {
    mutate: ['src/routing/canonical-path.ts', 'src/routing/method-policy.ts', 'src/routing/route-table.ts'],
    tests: ['test/routing/canonical-path.test.ts', 'test/routing/route-table.test.ts', 'test/routing/method-policy.test.ts'],
  },
  revocation: {
    mutate: [
      'src/revocation/revocation-checker.ts',
      'src/revocation/revocation-source.ts',
      'src/revocation/override-table.ts',
      'src/revocation/crl-evaluate.ts',
      'src/revocation/ocsp-response.ts',
    ],
    // In-memory unit tests only (pkijs-built, EC-signed CRLs and OCSP responses; the checker with
    // an injected clock and fake sources): no openssl process per mutant. The openssl-backed
    // revocation-checker and ocsp-client files stay in `npm test`.
    tests: [
      'test/revocation/crl-evaluate.test.ts',
      'test/revocation/ocsp-response.test.ts',
      'test/revocation/revocation-decision.test.ts',
      'test/revocation/override-matching.test.ts',
      'test/revocation/trust-reload.test.ts',
      'test/revocation/override-table.test.ts',
    ],
  },
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(GROUPS);
for (const n of names) if (!GROUPS[n]) throw new Error(`unknown group '${n}'; known: ${Object.keys(GROUPS).join(', ')}`);

mkdirSync('reports/mutation', { recursive: true });
const rows = [];
const started = Date.now();
let failed = false;
for (const name of names) {
  const g = GROUPS[name];
  const t0 = Date.now();
  const run = spawnSync('npx', ['stryker', 'run', '--mutate', g.mutate.join(','), '--reporters', 'clear-text,progress,html,json'], {
    stdio: 'inherit',
    env: { ...process.env, STRYKER_TEST_FILES: g.tests.join(',') },
  });
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (run.status !== 0) {
    failed = true;
    rows.push({ group: name, file: '(stryker failed)', seconds });
    continue;
  }
  // stryker.config.mjs names the report files; keep one pair per group.
  copyFileSync('reports/mutation/mutation.json', `reports/mutation/${name}.json`);
  copyFileSync('reports/mutation/index.html', `reports/mutation/${name}.html`);
  const report = JSON.parse(readFileSync(`reports/mutation/${name}.json`, 'utf8'));
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const count = (s) => mutants.filter((m) => m.status === s).length;
    const detected = count('Killed') + count('Timeout');
    const valid = mutants.filter((m) => m.status !== 'CompileError' && m.status !== 'RuntimeError' && m.status !== 'Ignored').length;
    rows.push({
      group: name,
      file,
      mutants: valid,
      killed: count('Killed'),
      timeout: count('Timeout'),
      survived: count('Survived'),
      noCoverage: count('NoCoverage'),
      score: valid ? (100 * detected) / valid : 100,
      seconds,
    });
  }
}

const total = rows
  .filter((r) => r.mutants !== undefined)
  .reduce((a, r) => ({ mutants: a.mutants + r.mutants, detected: a.detected + r.killed + r.timeout }), { mutants: 0, detected: 0 });
const lines = [
  '| group | file | mutants | killed | timeout | survived | no coverage | score | group time |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) =>
    r.mutants === undefined
      ? `| ${r.group} | ${r.file} | | | | | | | ${r.seconds} s |`
      : `| ${r.group} | ${r.file} | ${r.mutants} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.score.toFixed(2)} % | ${r.seconds} s |`,
  ),
  '',
  `Total: ${total.mutants} mutants, score ${total.mutants ? ((100 * total.detected) / total.mutants).toFixed(2) : '-'} %, ${Math.round((Date.now() - started) / 1000)} s.`,
];
writeFileSync('reports/mutation/summary.md', `${lines.join('\n')}\n`);
console.log(`\n${lines.join('\n')}`);
const below = rows.filter((r) => r.score !== undefined && r.score < 85);
if (below.length > 0) console.log(`\nbelow 85 %: ${below.map((r) => r.file).join(', ')}`);
process.exit(failed ? 1 : 0);
