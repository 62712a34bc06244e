import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the MPI tests spawn mpirun for minutes: npm run test:mpi (test/mpi/vitest.config.ts)
    exclude: [...configDefaults.exclude, 'test/mpi/**'],
    // fast-check from a fixed, printed, replayable seed (NEURITE_FC_SEED)
    setupFiles: ['test/setup/fast-check.ts'],
    // forks, not threads: a native addon crash must fail one file, not take down the runner
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
