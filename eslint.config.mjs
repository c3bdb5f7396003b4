// ESLint (flat config) for the TypeScript sources, tests, benchmarks and scripts; run by `npm test` (npm run lint).
// typescript-eslint's recommended rules, plus the project's own: no floating promises would need type info on
// every file (slow on 2 cores), so the type-aware rules are left out; formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'native/**/build/**', '.cache/**', 'runs/**', 'results/**', 'web/vendor/**', '**/*.min.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Unused values are mistakes, except names that start with _ (kept for a signature or a destructuring).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' },
      ],
      // Lazy command loading and worker modules are loaded by path on purpose (see src/cli/main.ts).
      '@typescript-eslint/no-require-imports': 'off',
      // `as unknown as X` at JSON boundaries is explicit; `any` still needs a reason (an eslint-disable with one).
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        window: 'readonly',
        document: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
