// Type-aware lint for every part. shared/ may not reach Node, Electron or the DOM; product code
// (everything but tests) never reaches test-support/ or the lab.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

// Test support and the lab are for tests only: no product file may import them.
const TEST_ONLY = {
  group: ['**/test-support/**', '**/e2e/**'],
  message: 'Product code never imports test support or the lab (test-support/, e2e/).',
};
const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/*.bench.ts'];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'e2e/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The first project that includes a file wins: shared sources are checked without
        // DOM or Node types, the renderer with the DOM, e2e with both, everything else with Node.
        project: [
          './shared/tsconfig.json',
          './renderer/tsconfig.json',
          './renderer/tsconfig.test.json',
          './e2e/tsconfig.json',
          './tsconfig.node.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { ...globals.node }, parserOptions: { project: false } },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['electron/**/*.ts', 'renderer/src/**/*.{ts,tsx}'],
    ignores: TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [TEST_ONLY] }] },
  },
  {
    files: ['shared/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...NODE_BUILTINS.map((name) => ({
              name,
              message: 'shared/ is pure TypeScript: no Node modules.',
            })),
            { name: 'electron', message: 'shared/ is pure TypeScript: no Electron.' },
            { name: 'react', message: 'shared/ is pure TypeScript: no React or DOM.' },
            { name: 'react-dom', message: 'shared/ is pure TypeScript: no React or DOM.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'shared/ is pure TypeScript: no Node modules.' },
            {
              group: ['**/electron/**', '**/renderer/**'],
              message: 'shared/ may not import main or renderer code.',
            },
            TEST_ONLY,
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'location', 'fetch'].map(
          (name) => ({
            name,
            message: 'shared/ is pure TypeScript: no DOM.',
          }),
        ),
        ...['process', 'Buffer', 'require', '__dirname', '__filename', 'global', 'setImmediate'].map(
          (name) => ({
            name,
            message: 'shared/ is pure TypeScript: no Node globals.',
          }),
        ),
      ],
    },
  },
);
