// One rank of the block-claimed shared all-reduce test (test/mpi/distributed.mpi.test.ts): a seeded
// sequence of allReduceShared over ranges of one shared array (varied offsets, lengths from 1 float to
// the whole array, scales 1/N, 1, 1/3, 3), each result checked bit for bit against the sum in rank order
// of every rank's scaled input computed here (the MPI path's bits at 2 ranks: a + b = b + a). Options:
// --late R, rank R sleeps before each collective (it arrives last, the others wait asleep); --stall R, rank
// R sleeps 60 ms after every rank has arrived before it asks for a block (the addon's test hook
// NEURITE_MPI_TEST_CLAIM_DELAY_MS, set here before the addon loads), so the other ranks reduce every
// block. Prints one JSON line per rank: a hash of every result's bits and info().shared.
// Without NEURITE_MPI_SHM_REDUCE=claim the same collectives go through the default fixed split (the reference bits).
//   NEURITE_MPI_SHM_REDUCE=claim NEURITE_MPI_SHM_BLOCK=1024 mpirun -n 2 node test/distributed/claim-rank.mjs [--steps 40] [--late 1] [--stall 1]
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
const { values: a } = parseArgs({ options: { steps: { type: 'string', default: '40' }, late: { type: 'string' }, stall: { type: 'string' } } });
// the rank before init, from the launcher's environment (the hook is read when the addon loads)
const envRank = Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? -1);
if (a.stall !== undefined && Number(a.stall) === envRank) process.env.NEURITE_MPI_TEST_CLAIM_DELAY_MS = '60';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);
const pg = await distributed.init();
const { rank: me, worldSize: N } = pg;
if (me !== envRank) { process.stderr.write(`rank ${me}: the launcher said rank ${envRank}\n`); process.exit(1); }
const fail = (m) => { process.stderr.write(`rank ${me}: ${m}\n`); process.exit(1); };
const raw = mpiRaw();
const COUNT = 100_003;
const sb = await pg.sharedBuffer(COUNT);
if (sb === null) fail('no shared buffer');
// mulberry32: the same stream for (seed) on every rank
const rng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const f = Math.fround;
const input = (s, j, n) => { const r = rng(s * 131 + j * 7919 + 1); return Float32Array.from({ length: n }, () => f((r() * 2 - 1) * 2 ** Math.floor(r() * 20 - 10))); };
const SCALES = [1 / N, 1, 1 / 3, 3];
let hash = 0;
const steps = Number(a.steps);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
for (let s = 0; s < steps; s++) {
  const r = rng(s + 12345);
  // the whole array every fourth collective, else a random range (a random offset, any length)
  const whole = s % 4 === 0;
  const n = whole ? COUNT : 1 + Math.floor(r() ** 2 * (COUNT - 1));
  const off = whole ? 0 : Math.floor(r() * (COUNT - n + 1));
  const scale = SCALES[s % SCALES.length];
  const part = sb.subarray(off, off + n);
  part.set(input(s, me, n));
  // a canary around the range: the reduction must not touch it
  const before = off > 0 ? sb[off - 1] : 0, after = off + n < COUNT ? sb[off + n] : 0;
  if (a.late !== undefined && Number(a.late) === me) await sleep(5 + (s % 3) * 10);
  await pg.allReduceSharedScaled(part, scale);
  if ((off > 0 && !Object.is(sb[off - 1], before)) || (off + n < COUNT && !Object.is(sb[off + n], after))) fail(`collective ${s}: the reduction wrote outside its range`);
  const xs = Array.from({ length: N }, (_, j) => input(s, j, n));
  for (let i = 0; i < n; i++) {
    let acc = f(xs[0][i] * scale);
    for (let j = 1; j < N; j++) acc = f(acc + f(xs[j][i] * scale));
    if (!Object.is(part[i], acc)) fail(`collective ${s} (offset ${off}, ${n} floats, scale ${scale}): element ${i} is ${part[i]}, the rank-order sum ${acc}`);
  }
  const u = new Uint32Array(part.buffer, part.byteOffset, n);
  for (let i = 0; i < n; i += 97) hash = (Math.imul(hash, 31) + u[i]) >>> 0;
}
process.stdout.write(`${JSON.stringify({ rank: me, hash, shared: raw.info().shared })}\n`);
await pg.destroy();
