// neurite's side of the engine-overhead benchmark: the same loop as allreduce.c through
// ProcessGroup.allReduce (queued to the communication thread, awaited); rank 0 prints
// microseconds per call (median of 7 batches).
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const [count, iters] = process.argv.slice(2).map(Number);
const pg = await distributed.init();
const buf = new Float32Array(count);
for (let i = 0; i < iters; i++) await pg.allReduce(buf);
const t = [];
for (let r = 0; r < 7; r++) {
  await pg.barrier();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await pg.allReduce(buf);
  t.push((performance.now() - t0) / iters * 1e3);
}
t.sort((p, q) => p - q);
if (pg.rank === 0) console.log(JSON.stringify({ count, usPerCall: t[3] }));
await pg.destroy();
