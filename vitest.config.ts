import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'models/**/*.test.ts', 'properties/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Both cores of a small CI machine: the suite's files are independent (each real-broker test
    // starts its own broker on a free port and waits for protocol events, never for time).
    maxWorkers: 2,
  },
});
