// One rank of the lost-peer test (test/mpi/distributed.mpi.test.ts; each rank runs under a shell
// that outlives it, so mpirun does not see the death and stop the job before the addon does):
// rank 1 kills itself (SIGKILL) while rank 0 waits for it in a shared-memory all-reduce (DDP's
// bucket, or with argument `small` a small pg.allReduce, which goes through the ranks' shared
// channel); rank 0 must see its promise rejected naming rank 1 (the liveness check of the
// addon's waits) and prints the message and how long it took. With argument `large` (session 10) the
// all-reduce is a large pg.allReduce (the shared staging, in pieces). With argument `holding` (session 9, the
// block-claimed reduction) rank 1 dies inside the all-reduce holding the block it drew (the addon's test
// hook NEURITE_MPI_TEST_DIE_HOLDING), rank 0 asking for a block only 100 ms after every rank arrived, so
// that rank 1 has drawn it: rank 0 must still name rank 1 (the done count never completes).
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const holding = process.argv[2] === 'holding';
if (holding) {
  // set before the addon loads (it reads them then); the rank from the launcher's environment
  const envRank = Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? -1);
  process.env.NEURITE_MPI_SHM_REDUCE = 'claim';
  if (envRank === 1) process.env.NEURITE_MPI_TEST_DIE_HOLDING = '1';
  else process.env.NEURITE_MPI_TEST_CLAIM_DELAY_MS = '100';
}
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const pg = await distributed.init();
const sb = await pg.sharedBuffer(1000);
if (pg.rank === 1 && !holding) { await new Promise((res) => setTimeout(res, 300)); process.kill(process.pid, 'SIGKILL'); }
const t0 = Date.now();
try {
  if (process.argv[2] === 'small') await pg.allReduce(new Float32Array(10), 'max');
  else if (process.argv[2] === 'large') await pg.allReduce(new Float32Array(300_001), 'min');
  else await pg.allReduceSharedScaled(sb, 0.5);
  process.stdout.write('rank 0: the all-reduce finished without rank 1\n');
} catch (e) {
  process.stdout.write(`${JSON.stringify({ ms: Date.now() - t0, message: e.message })}\n`);
}
process.exit(5);
