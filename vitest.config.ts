import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file at a time by default: two cut the wall time by about a quarter (most suites wait on a database,
    // a child process or a cluster node), but the load they add on two cores made the Galera nodes, which
    // suspect a silent peer after 2 s so the kill test runs quickly, refuse commits while a peer rejoined.
    maxWorkers: Number(process.env.ROWGUARD_TEST_WORKERS ?? 1),
    reporters: ['default', './vitest-summary-reporter.ts'],
  },
});
