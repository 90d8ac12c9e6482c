import { defineConfig } from 'vitest/config';

/**
 * One test runner for every project. Levels are named by file suffix:
 * `*.unit.spec.ts` (pure, in memory), `*.int.spec.ts` (real SQLite files, child processes,
 * a Kafka protocol peer), `*.e2e.spec.ts` (the assembled fabric). `npm test` runs all of them.
 */
// Vite's default server conditions plus our source condition. Not `import`/`module`: vitest
// forwards these to Node as --conditions, and Node would then load CommonJS packages' ESM files
// through require() (Express 5's router breaks on `is-promise`).
const sourceConditions = ['@memfabric/source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@memfabric/source'] } },
  test: {
    include: ['{libs,services,e2e,helm,infra}/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
