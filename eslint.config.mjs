// ESLint 9 flat config. TypeScript (src/, test/): typescript-eslint strict-type-checked, with types
// from tsconfig.test.json (src and test). Plain JS (scripts/, bench/, stryker config, the test
// loader hook): the non-type-aware recommended rules. Run through `npm run lint`.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** An inline `eslint-disable` must say why after ` -- ` (what eslint-comments/require-description does). */
const disableNeedsReason = {
  meta: { type: 'suggestion', schema: [], messages: { missing: 'Say why after `-- ` in an eslint-disable comment.' } },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          if (/^\s*eslint-disable/.test(comment.value) && !/\s--\s*\S/.test(comment.value)) {
            context.report({ loc: comment.loc, messageId: 'missing' });
          }
        }
      },
    };
  },
};

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'reports/',
      'coverage/',
      '.tap/',
      '.stryker-tmp/',
      '.mutation-build/',
      'bench/results/',
      'bench/loadgen/',
      'test/fixtures/',
      'certs/',
      '**/*.d.mts',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { certgate: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: { 'certgate/disable-needs-reason': 'error' },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Ports, counts and limits in messages are numbers on purpose; nullish and objects still need an explicit String().
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => resolve()` and `return reject(res, ...)` in a void function are the Node callback idiom, not a confusion.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // With noUncheckedIndexedAccess, `!` is how code states an index or key it has just established; a runtime check instead would cost on the request path.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Node types req.socket as Socket where an https/tls server hands a TLSSocket by construction; the downcast is the documented idiom.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // A callback that reads a `let` before its one assignment (set during start-up) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap queues and awaits every subtest itself; `t.test(...)` need not be awaited.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafePromises: [{ from: 'package', package: '@tapjs/core', name: 'PromiseWithSubtest' }] }],
      // tap subtest callbacks are async by convention, whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.recommended],
    rules: {},
  },
);
