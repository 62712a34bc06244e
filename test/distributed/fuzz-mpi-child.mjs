// Child of test/distributed.test.ts: the MPI addon's trust boundary. Calls every raw entry
// with random wrong arguments (fast-check), before and after init, and prints one JSON line:
// how many calls, and any call that did not throw a TypeError/RangeError naming its function.
// Valid calls must still work afterwards. A crash of this process is the failure looked for.
import { createRequire } from 'node:module';
import { constants } from 'node:os';
const require = createRequire(import.meta.url);
const fc = require('fast-check');

const mod = { exports: {} };
process.dlopen(mod, process.argv[2], constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL);
const mpi = mod.exports;
const runs = Number(process.argv[3] || 200);

const f32 = (n) => new Float32Array(n).fill(0.5);
const sigs = {
  allReduce: { kinds: ['f32', 'id4', 'scale'], valid: () => [f32(5), 0, 1] },
  broadcast: { kinds: ['f32', 'root'], valid: () => [f32(5), 0] },
  allGather: { kinds: ['f32', 'gather'], valid: () => [f32(3), f32(3)] },
  barrier: { kinds: [], valid: () => [] },
  info: { kinds: [], valid: () => [] },
  sharedBuffer: { kinds: ['count'], valid: () => [16] },
  // a part of a shared array (made after init); before init any Float32Array
  allReduceShared: { kinds: ['sbuf', 'scale'], valid: () => [shared === null ? f32(5) : shared.subarray(2, 10), 1] },
};
let shared = null;
const junk = fc.constantFrom('x', {}, [], [1, 2], undefined, () => 0, Symbol('s'), 10n, new Uint8Array(64), new Float64Array(64), new Int32Array(64), new DataView(new ArrayBuffer(64)), true, null);
function wrongFor(kind) {
  switch (kind) {
    case 'f32': return junk;
    case 'id4': return fc.oneof(junk, fc.constantFrom(NaN, -1, 4, 2.5, Infinity, 1e9));
    case 'scale': return fc.oneof(junk, fc.constantFrom(NaN, Infinity, -Infinity));
    case 'root': return fc.oneof(junk, fc.constantFrom(NaN, -1, 1, 2, 2.5, Infinity, 2 ** 53 + 2));
    case 'count': return fc.oneof(junk, fc.constantFrom(NaN, -1, 0, 2.5, Infinity, 2 ** 37, 2 ** 53 + 2));
    case 'sbuf': return fc.oneof(junk, fc.constantFrom(new Float32Array(8), new Float32Array(0)), fc.constant(null).map(() => shared.subarray(3, 3)));
    case 'gather': return fc.oneof(junk, fc.constantFrom(new Float32Array(0), new Float32Array(2), new Float32Array(4), new Float32Array(1 << 10)));
    default: throw new Error(kind);
  }
}
const bad = [];
let calls = 0;
function check(name, args) {
  calls++;
  let r;
  try {
    r = mpi[name](...args);
  } catch (e) {
    if ((e instanceof TypeError || e instanceof RangeError) && String(e.message).startsWith(`${name}: `)) return;
    bad.push({ name, why: `threw ${e?.constructor?.name}: ${e?.message}` });
    return;
  }
  if (r && typeof r.then === 'function') r.catch(() => {});
  bad.push({ name, why: 'did not throw', args: args.map((a) => (ArrayBuffer.isView(a) ? `${a.constructor.name}(${a.length})` : String(typeof a === 'symbol' ? 'symbol' : a))) });
}
// before init: every collective refuses
for (const name of ['allReduce', 'broadcast', 'allGather', 'barrier', 'finalize', 'sharedBuffer', 'allReduceShared']) check(name, (sigs[name] ?? { valid: () => [] }).valid());
const info = await mpi.init();
if (info.worldSize !== 1) throw new Error('run this child as one process');
shared = await mpi.sharedBuffer(16);
if (!(shared instanceof Float32Array) || shared.length !== 16) throw new Error(`sharedBuffer in a world of one: ${shared}`);
try { mpi.init(); bad.push({ name: 'init', why: 'second init did not throw' }); } catch (e) { if (!(e instanceof TypeError)) bad.push({ name: 'init', why: String(e) }); }
for (const [name, s] of Object.entries(sigs)) {
  // wrong arity
  check(name, [...s.valid(), 1]);
  if (s.kinds.length > 0) check(name, s.valid().slice(0, -1));
  for (let i = 0; i < s.kinds.length; i++) {
    fc.assert(fc.property(wrongFor(s.kinds[i]), (w) => {
      const a = s.valid();
      a[i] = w;
      if (s.kinds[i] === 'gather' && w instanceof Float32Array && w.length === 3) return;
      check(name, a);
    }), { numRuns: runs });
  }
}
// aliasing: allGather's output over its input
{ const buf = f32(4); check('allGather', [buf.subarray(0, 2), buf.subarray(1, 3)]); }
// valid calls still work
const x = new Float32Array([1, 2, 3]);
await mpi.allReduce(x, 0, 1);
const xs = new Float32Array([1, 2, 3]);
await mpi.allReduce(xs, 0, 1 / 3);
if (xs[2] !== Math.fround(3 * (1 / 3))) bad.push({ name: 'allReduce', why: `scale: wrong result ${xs}` });
const g = new Float32Array(3);
await mpi.allGather(x, g);
await mpi.broadcast(x, 0);
shared.fill(2);
await mpi.allReduceShared(shared.subarray(2, 10), 1 / 3);
if (shared[1] !== 2 || shared[2] !== Math.fround(2 * (1 / 3)) || shared[9] !== shared[2] || shared[10] !== 2) bad.push({ name: 'allReduceShared', why: `wrong result ${shared}` });
// allReduce in a world of one goes through the shared-memory channel up to 16,384 floats (on this
// thread: a resolved promise), through the shared staging above (in pieces of 128 Ki floats): every op,
// a scale, views at an offset, empty
for (const n of [0, 1, 7, 16383, 16384, 16385, 40000, 300_001]) {
  for (const [op, scale] of [[0, 1], [1, 0.5], [2, 1 / 3], [3, -2]]) {
    const base = Float32Array.from({ length: n + 3 }, (_, i) => Math.fround(i * 0.37 - 5));
    const v = base.subarray(3);
    await mpi.allReduce(v, op, scale);
    for (let i = 0; i < n; i++) if (v[i] !== Math.fround(Math.fround((i + 3) * 0.37 - 5) * scale)) { bad.push({ name: 'allReduce', why: `n=${n} op=${op} scale=${scale} [${i}]: ${v[i]}` }); break; }
    if (base[2] !== Math.fround(2 * 0.37 - 5)) bad.push({ name: 'allReduce', why: `n=${n}: wrote before its view` });
  }
}
const staged = mpi.info().staged;
if (!(staged?.collectives === 12 && staged.pieces === 8 + 4 * 3)) bad.push({ name: 'allReduce', why: `not staged in pieces: ${JSON.stringify(staged)}` });
if (!info.sharedMemory || !(mpi.info().small?.fast > 0)) bad.push({ name: 'allReduce', why: `no shared-memory fast path in a world of one: ${JSON.stringify(info)} ${JSON.stringify(mpi.info().small)}` });
await mpi.barrier();
if (g[2] !== 3) bad.push({ name: 'allGather', why: `wrong result ${g}` });
await mpi.finalize();
try { mpi.barrier(); bad.push({ name: 'barrier', why: 'after finalize did not throw' }); } catch (e) { if (!(e instanceof TypeError)) bad.push({ name: 'barrier', why: String(e) }); }
process.stdout.write(`${JSON.stringify({ calls, bad })}\n`);
