// @ts-check
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'fs/promises', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'stream', 'events', 'url', 'util', 'worker_threads'];
const ioClients = ['better-sqlite3', 'kafkajs', '@nestjs/*', '@qdrant/*', 'neo4j-driver', '@clickhouse/*', 'chdb', 'testcontainers', '@testcontainers/*', 'pino'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'coverage/**', '.nx/**', 'data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
          depConstraints: [
            // Pure domain code: depends only on other domain code.
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'] },
            // Ports (interfaces + contract suites): domain and other ports.
            { sourceTag: 'type:port', onlyDependOnLibsWithTags: ['type:domain', 'type:port'] },
            // Adapters implement ports; they never reach into services.
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:service'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:domain', 'type:port', 'type:adapter', 'type:service'] },
          ],
        },
      ],
    },
  },
  {
    // Domain and port libraries do no I/O: no Node built-ins, no database or broker clients.
    files: [
      'libs/{errors,events,event-log,locomo,projections,embeddings,extraction,vector-index,graph-store,analytics,recall,audit,auth,bench-corpus}/src/**/*.ts',
    ],
    ignores: ['**/*.spec.ts', 'libs/*/src/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Domain code is I/O free: move this into an adapter.' })),
          patterns: [
            { group: ['node:*'], message: 'Domain code is I/O free: move this into an adapter.' },
            { group: ioClients, message: 'Domain code must not import backend clients: put them behind a port.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
