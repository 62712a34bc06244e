// How long pg.allReduce holds the calling thread (the event loop) on the shared-memory path: the
// synchronous part of the call, per message size, at 2+ ranks. Every other call the last rank is late
// by --late-us (a spin before its call), so rank 0 sees both cases: the peers there (the all-reduce
// finishes inside the call) and a late peer (20 us of spin, then the hand-off to the communication
// thread). Rank 0 prints, per size, the median / 99th percentile / max held time in microseconds of
// each case and its info().small counters. Preemption by other processes shows up in the max.
//   flock /tmp/neurite-bench.lock mpirun -np 2 node bench/distributed/held.mjs [--late-us 200] [--calls 2000]
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);
const { values: a } = parseArgs({ options: { 'late-us': { type: 'string', default: '200' }, calls: { type: 'string', default: '2000' } } });
const lateMs = Number(a['late-us']) / 1000, calls = Number(a.calls);
const pg = await distributed.init();
if (!pg.sharedMemory) throw new Error('held.mjs measures the shared-memory path: run the ranks on one host without NEURITE_MPI_SHM=off');
const late = pg.rank === pg.worldSize - 1;
const stats = (v) => { v.sort((x, y) => x - y); const r = (x) => Math.round(x * 100) / 100; return { p50: r(v[v.length >> 1]), p99: r(v[Math.floor(v.length * 0.99)]), max: r(v[v.length - 1]) }; };
const out = {};
for (const n of [1, 1024, 4096, 16384]) {
  const buf = new Float32Array(n);
  const there = [], handed = [];
  for (let i = 0; i < calls; i++) {
    if (late && i % 2) { const t = performance.now(); while (performance.now() - t < lateMs); }
    const t0 = performance.now();
    const p = pg.allReduce(buf);
    (i % 2 ? handed : there).push((performance.now() - t0) * 1e3);
    await p;
  }
  out[`${n * 4} B`] = { peersThere: stats(there), peerLate: stats(handed) };
}
if (pg.rank === 0) console.log(JSON.stringify({ ranks: pg.worldSize, lateUs: lateMs * 1000, heldUs: out, small: mpiRaw().info().small }));
await pg.destroy();
