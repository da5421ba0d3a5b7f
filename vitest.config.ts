import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (no root, no lab), and end-to-end tests that share one
// lab of real hosts, brought up once per run by the global setup and run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // the runs share 2 cores with the lab's hosts under load: a slow tick is not a failure
          testTimeout: 20_000,
          server: { deps: { inline: ['@actions/workflow-parser'] } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
