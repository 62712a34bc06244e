// One rank of the 2-rank exchange test (test/mpi/distributed.mpi.test.ts runs it under mpirun with
// NEURITE_MPI_SHM=off, and NEURITE_MPI_EXCHANGE=on or off): large all-reduces of odd lengths (two
// pieces, more pieces than the window) for every op and a scaled one, each checked bit for bit
// against the rank-order result computed here (rank 0's value combined with rank 1's; under the exchange
// also a signed-zero tie, which only that order gives); prints
// {exchanges, sha1 of every result} for the test to compare the two runs. Exits non-zero on a difference.
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);

const pg = await distributed.init();
const r = pg.rank;
const fail = (m) => { process.stderr.write(`rank ${r}: ${m}\n`); process.exit(1); };
if (pg.worldSize !== 2) fail('run with 2 ranks');
// rank j's values: a seeded LCG, products kept near 1
const values = (j, n, op) => {
  const a = new Float32Array(n);
  let s = (1 + 7 * j + n) >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; a[i] = op === 'product' ? 0.5 + s / 2 ** 32 : (s / 2 ** 32 - 0.5) * 100; }
  return a;
};
const f = Math.fround;
const combine = { sum: (a, b) => f(a + b), max: (a, b) => (b > a ? b : a), min: (a, b) => (b < a ? b : a), product: (a, b) => f(a * b) };
const hashes = [];
for (const n of [16_385, 65_536 * 17 + 5]) {
  for (const op of ['sum', 'max', 'min', 'product', 'avg', 'scaled']) {
    const a = values(r, n, op);
    if (op === 'scaled') await pg.allReduceScaled(a, 1 / 3);
    else await pg.allReduce(a, op);
    const v0 = values(0, n, op), v1 = values(1, n, op);
    for (let i = 0; i < n; i++) {
      const want = op === 'scaled' ? f(f(v0[i] * (1 / 3)) + f(v1[i] * (1 / 3))) : op === 'avg' ? f(f(v0[i] + v1[i]) * 0.5) : combine[op](v0[i], v1[i]);
      if (!Object.is(a[i], want)) fail(`${op} of ${n}: [${i}] got ${a[i]}, want ${want}`);
    }
    hashes.push(`${n} ${op} ${createHash('sha1').update(Buffer.from(a.buffer)).digest('hex')}`);
  }
}
// the exchange combines in rank order on both ranks: -0 on rank 0 and +0 on rank 1 give max -0 and min -0 there
// (MPI's own rule for such ties differs, so only under the exchange; not in the hashes)
if (process.env.NEURITE_MPI_EXCHANGE === 'on') {
  for (const op of ['max', 'min']) {
    const a = new Float32Array(20_000).fill(r === 0 ? -0 : 0);
    await pg.allReduce(a, op);
    if (!a.every((v) => Object.is(v, -0))) fail(`${op} of -0 (rank 0) and +0 (rank 1): got ${a[0]}, want -0 (rank 0's value first)`);
  }
}
if (r === 0) console.log(JSON.stringify({ exchanges: mpiRaw().info().exchanges, hashes }));
await pg.destroy();
