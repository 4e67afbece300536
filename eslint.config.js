// ESLint for the whole monorepo (each package's `lint` runs it on itself).
// typescript-eslint's recommended rules, without type information so that
// linting stays a matter of seconds on two cores; the type check is tsc's
// job (turbo's `typecheck`). What may import what is checked by
// dependency-cruiser (.dependency-cruiser.cjs), which sees the whole graph.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Everything git ignores is built or written by a run (the e2e's .web-dist and artifacts among them), not source.
    ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '**/.turbo/**', '**/coverage/**', '**/data/**', 'apps/web/test-results/**', 'apps/web/e2e/.web-dist/**', 'apps/web/e2e/artifacts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // An unused parameter is named _like-this on purpose (a callback's shape); anything else unused goes.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // The apps compile protocol's sources with their own tsconfig, so the ambient
    // types of tr46 and @xmpp/xml travel with the files that use them.
    files: ['packages/protocol/src/**'],
    rules: { '@typescript-eslint/triple-slash-reference': ['error', { path: 'always' }] },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['apps/web/public/sw.js'],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
