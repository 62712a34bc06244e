// One rank of the small all-reduce test (test/mpi/distributed.mpi.test.ts, 2 and 4 ranks, with and
// without NEURITE_MPI_SHM=off): a seeded sequence of allReduces of 0..16,385 floats with every op
// (sum, avg, max, min, product, and DDP's scaled sum), awaited one by one and issued in bursts behind
// a large all-reduce, a broadcast and a shared-memory bucket all-reduce, with rank-dependent delays
// so that for one collective some ranks finish it on the calling thread, some hand it to the
// communication thread after the spin and some queue it (info().small counts which). Every result
// is checked against the sum (max, ...) over the ranks' inputs in rank order, bit for bit (through
// MPI at 4 ranks, whose order differs, to 1e-6 relative). With --large, also allReduces of 16,385 to
// 300,001 floats (odd lengths), which on one host go through the shared staging in pieces
// (NEURITE_MPI_SHM_PIECE; info().staged counts them), bit for bit the rank-order result too, among the
// small ones, in the same bursts; with --piece-by-rank each rank asks for another staging size (rank r:
// NEURITE_MPI_SHM_PIECE 10,007 + r, set here before the addon loads), so no rank gets a staging and every
// rank keeps MPI for the large ones. Then a late rank: the last rank computes
// for a second before its all-reduce; the others must keep their event loop running and sleep (CPU
// time well under the wait). Prints one JSON line per rank: a hash of every result's bits, the
// counters, the late phase's figures. Exits non-zero with a message on any difference.
//   mpirun -n 2 node test/distributed/small-rank.mjs [--steps 200] [--large] [--piece-by-rank]
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
if (process.argv.includes('--piece-by-rank')) process.env.NEURITE_MPI_SHM_PIECE = String(10007 + Number(process.env.OMPI_COMM_WORLD_RANK ?? process.env.PMI_RANK ?? 0));
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { distributed, tensor } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { mpiRaw } = await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href);
const steps = process.argv.includes('--steps') ? Number(process.argv[process.argv.indexOf('--steps') + 1]) : 200;
const large = process.argv.includes('--large');

const pg = await distributed.init();
const { rank: me, worldSize: N } = pg;
const fail = (m) => { process.stderr.write(`rank ${me}: ${m}\n`); process.exit(1); };
const expectShm = process.env.NEURITE_MPI_SHM !== 'off';
if (pg.sharedMemory !== expectShm) fail(`sharedMemory is ${pg.sharedMemory}`);
// bit for bit where the sum runs in rank order: shared memory (the small channel up to 16,384 floats, the
// staging above), and MPI at 2 ranks (a + b = b + a); MPI at more ranks sums in its own order (within rounding)
const exact = (n) => N <= 2 || (pg.sharedMemory && (n <= 16384 || !process.argv.includes("--piece-by-rank")));

// mulberry32: the same stream for (seed) on every rank
const rng = (seed) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const SIZES = [0, 1, 2, 3, 17, 256, 1000, 4096, 16384, 16385, ...(large ? [20_011, 65_537, 131_071, 131_073, 300_001] : [])];
const OPS = ['sum', 'avg', 'max', 'min', 'product', 'scaled'];
// rank j's input of collective s (every rank can make every rank's)
const input = (s, j, n, op) => {
  const r = rng(s * 131 + j * 7919 + 1);
  const mag = op === 'product' ? 1 : 2 ** Math.floor(r() * 20 - 10);
  return Float32Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * (op === 'product' ? 1.5 : mag * (1 + r()))));
};
const f = Math.fround;
const want = (s, n, op) => {
  const xs = Array.from({ length: N }, (_, j) => input(s, j, n, op));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = (j) => (op === 'scaled' ? f(xs[j][i] * (1 / N)) : xs[j][i]);
    let acc = v(0);
    for (let j = 1; j < N; j++) {
      const b = v(j);
      if (op === 'sum' || op === 'avg' || op === 'scaled') acc = f(acc + b);
      else if (op === 'max') acc = b > acc ? b : acc;
      else if (op === 'min') acc = b < acc ? b : acc;
      else acc = f(acc * b);
    }
    out[i] = op === 'avg' ? f(acc * (1 / N)) : acc;
  }
  return out;
};
let hash = 0x811c9dc5;
const mix = (a) => { const u = new Uint32Array(a.buffer, a.byteOffset, a.length); for (const x of u) hash = Math.imul(hash ^ x, 16777619) >>> 0; };
const check = (s, n, op, got) => {
  const w = want(s, n, op);
  const xs = Array.from({ length: N }, (_, j) => input(s, j, n, op));
  for (let i = 0; i < n; i++) {
    // rounding of a sum in another order: a few ulps of the sum of |x| (products: of the product)
    const mag = op === 'product' || op === 'max' || op === 'min' ? Math.abs(w[i]) : xs.reduce((t, x) => t + Math.abs(x[i]), 0);
    const ok = exact(n) ? Object.is(got[i], w[i]) : Math.abs(got[i] - w[i]) <= 2 ** -20 * mag;
    if (!ok) fail(`collective ${s} (${op}, ${n} floats) [${i}]: got ${got[i]}, want ${w[i]}`);
  }
  mix(got);
};
const issue = (s, n, op) => {
  // Float32Arrays and (every other collective) tensors, as the public API takes both
  const x = input(s, me, n, op);
  const p = op === 'scaled' ? pg.allReduceScaled(x, 1 / N) : pg.allReduce(n > 0 && s % 2 ? tensor(Array.from(x)) : x, op);
  return p.then((r) => check(s, n, op, r instanceof Float32Array ? r : r.data));
};
const spin = (us) => { const t0 = performance.now(); while (performance.now() - t0 < us / 1000); };
const big = new Float32Array(300_000);
const sb = await pg.sharedBuffer(5000);
const mine = rng(1000 + me);
const plan = rng(7);
let s = 0;
for (let step = 0; step < steps; step++) {
  // a rank-dependent delay: none, a spin under or over the fast path's 20 us, or a timer
  const d = mine();
  if (d < 0.3) spin(d * 200);
  else if (d < 0.4) await new Promise((res) => setTimeout(res, 1 + Math.floor(d * 5)));
  const kind = plan();
  const pick = () => [SIZES[Math.floor(plan() * SIZES.length)], OPS[Math.floor(plan() * OPS.length)]];
  if (kind < 0.6) {
    const [n, op] = pick();
    await issue(s++, n, op);
  } else {
    // a burst: small all-reduces issued behind a large one, a broadcast, a shared bucket, then all awaited
    const ps = [];
    const [n0, op0] = pick();
    ps.push(issue(s++, n0, op0));
    const what = Math.floor(plan() * 3);
    if (what === 0) { big.fill(me + 1); ps.push(pg.allReduce(big).then(() => { if (big[0] !== (N * (N + 1)) / 2 || big[299_999] !== big[0]) fail(`big ${big[0]}`); })); }
    if (what === 1) { const b = new Float32Array([me, step]); ps.push(pg.broadcast(b, step % N).then(() => { if (b[0] !== step % N || b[1] !== step) fail(`broadcast ${b}`); })); }
    if (what === 2 && sb !== null) { sb.fill(me + 1); ps.push(pg.allReduceSharedScaled(sb, 1).then(() => { if (sb[4999] !== (N * (N + 1)) / 2) fail(`shared bucket ${sb[4999]}`); })); }
    for (let k = Math.floor(plan() * 4); k >= 0; k--) { const [n, op] = pick(); ps.push(issue(s++, n, op)); }
    await Promise.all(ps);
  }
}
const counters = { ...(mpiRaw().info().small ?? {}) };
const staged = mpiRaw().info().staged ?? null;

// a late rank: the last one computes for a second; the others wait in a small all-reduce and must
// keep their event loop running and their CPU idle (the fast path spins 20 us, then hands off)
let ticks = 0;
const iv = setInterval(() => { ticks++; }, 10);
await pg.barrier();
const c0 = process.cpuUsage(), t0 = performance.now();
if (me === N - 1) spin(1_000_000);
const late = new Float32Array([me + 1]);
await pg.allReduce(late);
const waitMs = performance.now() - t0;
const cpu = process.cpuUsage(c0);
clearInterval(iv);
if (late[0] !== (N * (N + 1)) / 2) fail(`late all-reduce ${late[0]}`);
const lateOut = { waitMs, cpuMs: (cpu.user + cpu.system) / 1000, ticks, handedOff: (mpiRaw().info().small?.handedOff ?? 0) - (counters.handedOff ?? 0) };
await pg.destroy();
process.stdout.write(`${JSON.stringify({ rank: me, sharedMemory: pg.sharedMemory, collectives: s, hash, counters, staged, late: lateOut })}\n`);
