// Lint rules: ESLint's and typescript-eslint's recommended sets, with the few project-wide exceptions explained.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Forbids relative imports of the named top-level folders, with the reason shown in the editor and `npm run lint`. */
const forbidFolders = (folders, message) => ({
  'no-restricted-imports': [
    'error',
    { patterns: [{ regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message }] },
  ],
});

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
  // The layering (docs/architecture.md, "Layers"): each folder may import only what keeps it honest.
  {
    files: ['app/**/*.ts'],
    rules: forbidFolders(
      ['sandbox', 'harness'],
      'app must run without the test tools: it reaches vendors (and the sandbox) only through adapters/, over the wire.',
    ),
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: forbidFolders(
      ['app', 'adapters', 'harness'],
      'the sandbox stands in for the vendors: it may know only what arrives on the wire and vendors/ manifests, or it could agree with the bug it should catch.',
    ),
  },
  {
    files: ['adapters/**/*.ts'],
    rules: forbidFolders(
      ['harness', 'sandbox'],
      'an adapter must work against the real vendor: it may not depend on the sandbox or the test tools (the manifests are in vendors/).',
    ),
  },
  {
    files: ['harness/**/*.ts'],
    // The layer benchmark measures the app's own layers in process, on purpose (docs/performance.md).
    ignores: ['harness/bench/layers.ts', 'harness/bench/bare-server.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+app(/|$)',
              message:
                'the harness drives the services as processes (harness/services.ts), as users run them; seeded random and seed data are in shared/.',
            },
            {
              regex: '^(\\.\\./)+sandbox/(?!server$|drop-ack$)',
              message:
                'the harness reads the sandbox over its HTTP API, whose wire types are in shared/sandbox-api.ts; it may only start one (sandbox/server.ts, sandbox/drop-ack.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['vendors/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(app|adapters|sandbox|harness|cli|config)(/|$)',
              message:
                'vendors/ and shared/ are read by every layer, so they import none: no app, adapter, sandbox or harness code.',
            },
            {
              regex: '^(dd-trace|@opentelemetry/|@sentry/|aws-xray-sdk|rollbar$|winston|@aws-sdk/)',
              message: 'a manifest states facts about its SDK without loading it (vendors/types.ts).',
            },
          ],
        },
      ],
    },
  },
);
