import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        // The API suites again, on PostgreSQL: one code path, two databases.
        extends: true,
        test: {
          name: 'postgres',
          include: [
            'test/api/**/*.test.ts',
            'test/queue/**/*.test.ts',
            'test/pipeline/**/*.test.ts',
            'test/store/**/*.test.ts',
          ],
          env: { HERALD_TEST_PROFILE: 'postgres' },
        },
      },
    ],
  },
});
