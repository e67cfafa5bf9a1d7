// Mutation testing of the security-critical modules (issue 8): `npm run mutation` runs
// scripts/mutation.mjs, which calls Stryker once per module group with that group's test files
// (STRYKER_TEST_FILES) and `--mutate`. Not part of `npm test`.
//
// The test files are the focused unit tests of these modules: coverage is per test file, and an
// end-to-end file would run for nearly every mutant (every request passes the sanitiser), which
// blows the time budget. Override for a quick run, e.g.:
//   STRYKER_TEST_FILES=test/tls/verify-mode.test.ts npx stryker run --mutate src/tls/verify-mode.ts

// The sandbox is compiled once (buildCommand, tsconfig.mutation.json) and the tests run as plain JS
// from .mutation-build/: no ts-node loader in each mutant's test process.
const testFiles = (
  process.env.STRYKER_TEST_FILES?.split(',')
    .map((f) => f.trim())
    .filter(Boolean) ?? [
    'test/headers/sanitize-headers.test.ts',
    'test/routing/*.test.ts',
    'test/tls/verify-mode.test.ts',
    'test/revocation/*.test.ts',
    'test/policy/*.test.ts',
    'test/signing/*.test.ts',
    'test/verify/*.test.ts',
  ]
).map((f) => f.replace(/^test\//, '.mutation-build/test/').replace(/\.ts$/, '.js'));

// Property tests rerun for every mutant: fewer fast-check runs there (the test processes inherit
// this); the literal tables do the killing, the properties still run every mutant.
process.env.FC_NUM_RUNS ??= '300';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'tap',
  // test/fixtures and bench/ (a CRL builder the tests import) are read next to the compiled tests.
  buildCommand: 'node scripts/mutation-build.mjs',
  ignorePatterns: ['.mutation-build', 'reports', 'dist', '.tap', 'coverage'],
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles,
    nodeArgs: ['--enable-source-maps', '-r', '{{hookFile}}', '{{testFile}}'],
    forceBail: true,
  },
  mutate: [
    'src/headers/sanitize-headers.ts',
    'src/routing/**/*.ts',
    'src/tls/verify-mode.ts',
    'src/revocation/revocation-checker.ts',
    'src/revocation/revocation-source.ts',
    'src/revocation/override-table.ts',
    'src/revocation/crl-evaluate.ts',
    'src/revocation/ocsp-response.ts',
    'src/policy/route-policy.ts',
    'src/policy/allow-entries.ts',
    'src/wire/signature-base.ts',
    'src/verify/**/*.ts',
  ],
  // The tap runner reports coverage per test file: each mutant runs only the files that reach it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
