import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Tests import workspaces by package name; point those names at the TypeScript
// sources so `npm test` never depends on a previous build.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@sanctum\/kernel\/testing$/, replacement: src('./packages/kernel/src/testing/index.ts') },
      { find: /^@sanctum\/kernel\/core$/, replacement: src('./packages/kernel/src/core.ts') },
      { find: /^@sanctum\/kernel$/, replacement: src('./packages/kernel/src/index.ts') },
      { find: /^@sanctum\/client$/, replacement: src('./packages/client/src/index.ts') },
      { find: /^@sanctum\/auth$/, replacement: src('./services/auth/src/app.ts') },
      { find: /^@sanctum\/directory$/, replacement: src('./services/directory/src/app.ts') },
      { find: /^@sanctum\/messaging$/, replacement: src('./services/messaging/src/app.ts') },
      { find: /^@sanctum\/cli$/, replacement: src('./tools/sanctum/src/index.ts') },
    ],
  },
  test: {
    include: ['{packages,services,tools}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores here: more workers than that only adds contention to timing-sensitive tests.
    maxWorkers: 2,
    coverage: {
      provider: 'v8',
      include: ['{packages,services,tools}/*/src/**/*.ts'],
      // Entry points only read the environment, listen and wire signals; they are
      // exercised by the process-level tests, whose child processes v8 cannot see.
      // Barrels (index.ts) only re-export; v8 reports them as uncovered statements.
      // Worker-thread entries (*.worker.ts) run compiled, on threads v8 does not report from.
      exclude: ['**/src/main.ts', '**/src/bin.ts', '**/src/index.ts', '**/src/testing/index.ts', '**/src/**/*.worker.ts', '**/*.d.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      thresholds: { statements: 86, branches: 85, functions: 90, lines: 86 },
    },
  },
});
