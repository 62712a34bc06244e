// The floor under neurite's small all-reduce (issue 14's engine-overhead goal), in one process on
// this machine: what any awaited call costs in Node before a byte moves between ranks. Prints
// nanoseconds per call (median of 7 batches): an await of an async function (pure JavaScript), a
// bare N-API call (the compute addon's packCacheId(): no argument, returns a number), the MPI addon's raw allReduce of
// 4 B at world size 1, called and awaited (the N-API call, the copy into shared memory, an already resolved
// promise, the await: everything but the peers), and ProcessGroup.allReduce the same way (the
// public API's checks and its async wrapper on top).
//   node bench/distributed/floor.mjs     (a world of one: no mpirun needed)
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);
const pg = await distributed.init();
if (pg.worldSize !== 1) throw new Error('run floor.mjs as one process');
const raw = mpiRaw();
const compute = createRequire(import.meta.url)(join(root, 'build', 'Release', 'neurite.node'));
const iters = 200_000;
const buf = new Float32Array(1);
const med = (v) => v.sort((a, b) => a - b)[3];
async function timeIt(f) {
  for (let i = 0; i < iters / 4; i++) await f();
  const t = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) await f();
    t.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  return med(t);
}
const syncIt = (f) => {
  for (let i = 0; i < iters / 4; i++) f();
  const t = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) f();
    t.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  return med(t);
};
const one = async () => 1;
const out = {
  nsAwaitAsyncFunction: await timeIt(one),
  nsNapiCall: syncIt(() => compute.packCacheId()),
  nsRawAllReduceCall: syncIt(() => raw.allReduce(buf, 0, 1)),
  nsRawAllReduceAwaited: await timeIt(() => raw.allReduce(buf, 0, 1)),
  nsAllReduceAwaited: await timeIt(() => pg.allReduce(buf)),
  sharedMemory: pg.sharedMemory,
};
console.log(JSON.stringify(out));
await pg.destroy();
