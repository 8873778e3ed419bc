// Lint rules: ESLint's and typescript-eslint's recommended sets, with the few project-wide exceptions explained.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'reports/', 'coverage/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      // Vendor SDKs are loaded with require() on purpose: lazily, after the adapter decides to start, and
      // before express is loaded, so their require-time instrumentation applies (DESIGN §2).
      '@typescript-eslint/no-require-imports': 'off',
      // Unused arguments are part of callback signatures (Express error handlers need all four).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // Tests read untyped JSON from APIs; `any` there is a warning, not an error.
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['sandbox/ui/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['sandbox/ui/**'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
