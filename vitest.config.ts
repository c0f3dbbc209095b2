import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two workers even on two cores: most suites wait on a database, a child process or a cluster node, so
    // two files at a time cut the wall time by about a quarter (the time-budgeted suites cover fewer worlds).
    maxWorkers: Number(process.env.ROWGUARD_TEST_WORKERS ?? 2),
    reporters: ['default', './vitest-summary-reporter.ts'],
  },
});
