// The MPI tests (npm run test:mpi): multi-process runs under mpirun, minutes on 2 cores, so
// outside the default suite; .ci/run runs them in their own step.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/mpi/**/*.mpi.test.ts'],
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
