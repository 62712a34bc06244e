import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the multi-process MPI tests have their own config and CI step (npm run test:mpi)
    exclude: [...configDefaults.exclude, 'test/mpi/**'],
    // fast-check from a fixed, printed, replayable seed (NEURITE_FC_SEED)
    setupFiles: ['test/setup/fast-check.ts'],
    // forks, not threads: a native addon crash must fail one file, not take down the runner
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
