// Lint rules for the whole repository (run by `npm test` before the tests, and by `npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.data/**', 'test-results/**', '**/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests and the manifest checks read loosely-typed JSON.
    files: ['**/test/**', 'tests/**', 'packages/testkit/**', 'deploy/tools/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
