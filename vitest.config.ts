import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // fast-check from a fixed, printed, replayable seed (NEURITE_FC_SEED)
    setupFiles: ['test/setup/fast-check.ts'],
    // forks, not threads: a native addon crash must fail one file, not take down the runner
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
