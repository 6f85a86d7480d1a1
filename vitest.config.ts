import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@chronicle/source`
// condition, so tests run against `src/` without a build step.
export default defineConfig({
  resolve: {
    conditions: ['@chronicle/source', 'module', 'node', 'import', 'default'],
  },
  ssr: {
    resolve: {
      // Vitest passes these to Node as --conditions. 'import' there would make
      // require() inside CommonJS packages (pg requiring pg-pool) load the ESM
      // build, so it is left to Node, which applies it to imports by itself.
      conditions: ['@chronicle/source', 'module', 'node', 'default'],
      externalConditions: ['@chronicle/source'],
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Starts (or finds) the nats-server >= 2.12 the NATS test files run on; see the file.
    globalSetup: ['packages/nats/src/test-support/nats-global-setup.ts'],
  },
});
