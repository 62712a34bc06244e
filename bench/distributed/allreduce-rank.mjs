// neurite's side of the engine-overhead benchmark: the same loop as allreduce.c through
// ProcessGroup.allReduce (queued to the communication thread). Rank 0 prints microseconds per
// call, medians of 7 batches, in two forms: usPerCall = latency (each call awaited before the next
// is issued, as the C loop; p50Us / p99Us: one more batch timed call by call); pipelinedUsPerCall = throughput (a batch of `iters` calls issued at
// once, then all awaited: the communication thread runs them back to back and settles their
// promises together). The C loop is blocking, so only usPerCall is the like-for-like figure.
// With a third argument `shared`, the buffer is a sharedBuffer() array reduced through shared memory
// (allReduceSharedScaled, DistributedDataParallel's path on one host) instead of MPI.
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);
const [count, iters] = process.argv.slice(2, 4).map(Number);
const shared = process.argv[4] === 'shared';
const pg = await distributed.init();
const buf = shared ? await pg.sharedBuffer(count) : new Float32Array(count);
if (buf === null) throw new Error('no shared memory between these ranks');
if (shared) pg.allReduce = (b) => pg.allReduceSharedScaled(b, 1);
for (let i = 0; i < iters; i++) await pg.allReduce(buf);
const t = [], p = [];
for (let r = 0; r < 7; r++) {
  await pg.barrier();
  let t0 = performance.now();
  for (let i = 0; i < iters; i++) await pg.allReduce(buf);
  t.push((performance.now() - t0) / iters * 1e3);
  await pg.barrier();
  t0 = performance.now();
  const all = [];
  for (let i = 0; i < iters; i++) all.push(pg.allReduce(buf));
  await Promise.all(all);
  p.push((performance.now() - t0) / iters * 1e3);
}
const med = (v) => v.sort((a, b) => a - b)[3];
// one more batch timed call by call (as allreduce.c): the median and 99th percentile call
await pg.barrier();
const one = [];
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  await pg.allReduce(buf);
  one.push((performance.now() - t0) * 1e3);
}
one.sort((a, b) => a - b);
// small: how rank 0's small all-reduces ran (shared-memory channel: on the calling thread, handed off after the spin, queued)
if (pg.rank === 0) console.log(JSON.stringify({ count, shared, usPerCall: med(t), pipelinedUsPerCall: med(p), p50Us: one[iters >> 1], p99Us: one[Math.floor(iters * 0.99)], small: mpiRaw().info().small }));
await pg.destroy();
