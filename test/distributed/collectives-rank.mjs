// One rank of the collectives test (test/distributed.test.ts runs it under mpirun with 2 or 4
// ranks): checks every collective's result against what it must be and that the event loop
// keeps running while a collective waits; exits non-zero with a message on any difference.
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed, tensor, Tensor } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);

const pg = await distributed.init();
const { rank: r, worldSize: N } = pg;
const fail = (m) => { process.stderr.write(`rank ${r}: ${m}\n`); process.exit(1); };
const eq = (a, b, what) => { if (JSON.stringify(Array.from(a)) !== JSON.stringify(Array.from(b))) fail(`${what}: got ${Array.from(a)}, want ${Array.from(b)}`); };
const ranks = Array.from({ length: N }, (_, i) => i);

if (pg.threadLevel === 'MPI_THREAD_SINGLE') fail('thread level');
if (pg.localRank !== r || pg.localSize !== N) fail(`localRank ${pg.localRank}/${pg.localSize} on one host`);
eq((await pg.allReduce(tensor([r + 1, -r]))).data, [ranks.reduce((s, i) => s + i + 1, 0), -ranks.reduce((s, i) => s + i, 0)], 'sum');
eq((await pg.allReduce(tensor([r, 2 * r]), 'max')).data, [N - 1, 2 * (N - 1)], 'max');
eq((await pg.allReduce(tensor([r + 1]), 'min')).data, [1], 'min');
eq((await pg.allReduce(tensor([r + 1]), 'product')).data, [ranks.reduce((p, i) => p * (i + 1), 1)], 'product');
eq((await pg.allReduce(tensor([2 * r]), 'avg')).data, [N - 1], 'avg');
eq((await pg.broadcast(new Float32Array([r, 7]), N - 1)), [N - 1, 7], 'broadcast');
const g = await pg.allGather(tensor([[r, r + 0.5]]));
eq(g.shape, [N, 1, 2], 'allGather shape');
eq(g.data, ranks.flatMap((i) => [i, i + 0.5]), 'allGather');
// a big buffer (several MB) round trip
const big = new Float32Array(1 << 20).fill(r + 1);
await pg.allReduce(big);
if (big[0] !== (N * (N + 1)) / 2 || big[big.length - 1] !== big[0]) fail(`big allReduce ${big[0]}`);
// DDP's shared-memory buckets (every rank on this host): a part of the shared array, summed in
// rank order with each value x 1/3 first (rounded as Math.fround(v * (1 / 3))); around it untouched
const sb = await pg.sharedBuffer(1000);
if (!(sb instanceof Float32Array) || sb.length !== 1000) fail(`sharedBuffer: ${sb}`);
const val = (j, i) => Math.fround((j + 1) * i + 0.25);
for (let i = 0; i < 1000; i++) sb[i] = val(r, i);
await pg.allReduceSharedScaled(sb.subarray(5, 995), 1 / 3);
for (let i = 0; i < 1000; i++) {
  let want = val(r, i);
  if (i >= 5 && i < 995) { want = Math.fround(val(0, i) * (1 / 3)); for (let j = 1; j < N; j++) want = Math.fround(want + Math.fround(val(j, i) * (1 / 3))); }
  if (sb[i] !== want) fail(`allReduceSharedScaled [${i}]: got ${sb[i]}, want ${want}`);
}
const sbig = await pg.sharedBuffer((1 << 20) + 3);
sbig.fill(r + 1);
await pg.allReduceSharedScaled(sbig, 1 / N);
if (sbig[0] !== (N + 1) / 2 || sbig.some((v) => v !== sbig[0])) fail(`big allReduceSharedScaled ${sbig[0]}`);
try { await pg.allReduceSharedScaled(new Float32Array(4), 1); fail('a buffer outside shared memory accepted'); } catch (e) { if (!(e instanceof TypeError)) fail(String(e)); }
// the event loop runs while rank 0 waits at the barrier: a 20 ms timer set as rank 0 enters
// must fire before the barrier resolves (the other ranks join 1.5 s later)
const events = [];
if (r !== 0) await new Promise((res) => setTimeout(res, 1500));
const tm = setTimeout(() => events.push('timer'), 20);
await pg.barrier();
events.push('barrier');
clearTimeout(tm);
if (r === 0 && events[0] !== 'timer') fail(`the event loop did not run during the barrier: ${events}`);
// errors are JS exceptions
try { await pg.allReduce(tensor([1]), 'mean'); fail('bad op accepted'); } catch (e) { if (!(e instanceof TypeError)) fail(String(e)); }
try { await pg.broadcast(tensor([1]), N); fail('bad root accepted'); } catch (e) { if (!(e instanceof RangeError)) fail(String(e)); }
await pg.destroy();
try { await pg.barrier(); fail('barrier after destroy'); } catch (e) { if (!/destroyed/.test(e.message)) fail(String(e)); }
process.stdout.write(`rank ${r} ok\n`);
