// One rank of the distributed maths tests (test/distributed.test.ts spawns it under mpirun):
// trains W3 (784-512-512-10, cross-entropy) or W4 (10-64-64-1, MSE) for `steps` steps on a
// seeded global batch of `batch` rows per step. With --plain it is one process on the whole
// batch without any MPI; otherwise each of N ranks takes rows r, r+N, r+2N, ... (the layout of
// PyTorch's DistributedSampler) through DistributedDataParallel. Rank 0 (or the plain run)
// writes the final parameters and the losses as JSON to --out.
// With --accumulate K each rank's rows of a step go through K micro-batches (loss / K each): the first K-1
// backwards under ddp.noSync(), the last one synced (gradient accumulation, one all-reduce per step).
//   node train-rank.mjs --model W3 --opt sgd --steps 50 --batch 64 --out f.json [--plain] [--seed k (init 1234+k, data 99+k)] [--accumulate K]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { nn, optim, F, manualSeed, randn, tensor, distributed, Tensor } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);

const { values: a } = parseArgs({ options: {
  model: { type: 'string', default: 'W4' }, opt: { type: 'string', default: 'sgd' }, steps: { type: 'string', default: '50' },
  batch: { type: 'string', default: '32' }, out: { type: 'string' }, plain: { type: 'boolean', default: false },
  bucket: { type: 'string', default: '25' }, mismatch: { type: 'boolean', default: false },
  accumulate: { type: 'string', default: '1' },
  'die-at': { type: 'string', default: '-1' }, seed: { type: 'string', default: '0' }, stamp: { type: 'string' }, 'die-rank': { type: 'string', default: '1' },
} });
const steps = Number(a.steps), B = Number(a.batch);

manualSeed(1234 + Number(a.seed));
const dims = a.model === 'W3' ? [784, 512, 512, 10] : [10, 64, 64, 1];
const pg = a.plain ? null : await distributed.init();
if (a.mismatch && pg.rank === pg.worldSize - 1) dims[2] = 32; // a different model on the last rank
const layers = [];
for (let i = 0; i + 1 < dims.length; i++) { layers.push(new nn.Linear(dims[i], dims[i + 1])); if (i + 2 < dims.length) layers.push(new nn.ReLU()); }
const model = new nn.Sequential(...layers);
// ranks other than 0 start from different weights: the broadcast from rank 0 must fix that
if (pg && pg.rank !== 0) for (const p of model.parameters()) p.data.fill(0.5);
let ddp = null;
try {
  ddp = pg ? await nn.DistributedDataParallel.create(model, pg, { bucketCapMB: Number(a.bucket) }) : null;
} catch (e) {
  process.stderr.write(`rank ${pg.rank}: ${e.message}\n`);
  await pg.destroy();
  process.exit(3);
}
const params = model.parameters();
const lr = a.opt === 'sgd' ? 0.05 : 1e-3;
const opt = a.opt === 'sgd' ? new optim.SGD(params, { lr, momentum: 0.9 })
  : a.opt === 'adam' ? new optim.Adam(params, { lr }) : new optim.AdamW(params, { lr, weightDecay: 0.01 });

// the data: its own generator, the same on every rank
manualSeed(99 + Number(a.seed));
const N = pg ? pg.worldSize : 1, r = pg ? pg.rank : 0;
const rows = (x, w) => { const out = new Float32Array((x.length / B) * (B / N)); const k = x.length / B;
  for (let i = 0, j = r; j < B; i++, j += N) out.set(x.subarray(j * k, (j + 1) * k), i * k); return new Tensor(out, w); };
const losses = [];
for (let s = 0; s < steps; s++) {
  const xg = randn([B, dims[0]]);
  const yg = a.model === 'W3' ? tensor(Array.from({ length: B }, (_, i) => (i * 7 + s) % 10)) : randn([B, 1]);
  const x = rows(xg.data, [B / N, dims[0]]);
  const y = a.model === 'W3' ? rows(yg.data, [B / N]) : rows(yg.data, [B / N, 1]);
  if (pg && s === Number(a['die-at']) && pg.rank === Number(a['die-rank'])) {
    if (a.stamp) writeFileSync(a.stamp, String(Date.now()));
    process.kill(process.pid, 'SIGKILL');
  }
  opt.zeroGrad();
  const lossOf = (xs, ys) => { const out = (ddp ?? model).forward(xs); return a.model === 'W3' ? F.crossEntropy(out, ys) : F.mseLoss(out, ys); };
  const K = Number(a.accumulate);
  if (K === 1) {
    const loss = lossOf(x, y);
    if (ddp) await ddp.backward(loss); else loss.backward();
    losses.push(loss.item());
  } else {
    // K micro-batches of this rank's rows, each loss / K: the same gradient as the whole rows' mean loss
    const m = x.shape[0] / K, part = (t, k) => t.narrow(0, k * m, m).contiguous();
    const micro = (k) => lossOf(part(x, k), part(y, k)).div(K);
    let sum = 0;
    const local = () => { for (let k = 0; k < K - 1; k++) { const l = micro(k); l.backward(); sum += l.item(); } };
    if (ddp) ddp.noSync(local); else local();
    const l = micro(K - 1);
    if (ddp) await ddp.backward(l); else l.backward();
    losses.push(sum + l.item());
  }
  opt.step();
}
if (pg) {
  // the mean loss over ranks is the one-process loss
  const l = new Float32Array(losses);
  await pg.allReduce(l, 'avg');
  losses.splice(0, losses.length, ...l);
}
if ((!pg || pg.rank === 0) && a.out) {
  writeFileSync(a.out, JSON.stringify({ worldSize: N, sharedMemory: ddp?.sharedMemory ?? false, losses, params: Object.fromEntries(model.namedParameters().map(([n, p]) => [n, Array.from(p.data)])) }));
}
if (pg) await pg.destroy();
