// One rank of the scaling benchmark (bench/distributed/run.mjs): W3 (784-512-512-10, ReLU,
// cross-entropy, SGD momentum 0.9) at per-rank batch --batch, timed over --steps steps after 5
// warm-up steps. Under mpirun it trains through DistributedDataParallel; with --plain it is one
// process without MPI. Rank 0 prints one JSON line: samples/s over all ranks, and per step the
// all-reduce time and the share of it hidden behind backward (medians). With --fit the same
// training goes through fit(model, { x, y }, { distributed: pg }) (2 epochs of `steps` steps per
// rank, the first one the warm-up; samples/s from the second epoch's combined statistics).
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { nn, optim, F, manualSeed, randn, tensor, distributed, fit } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const { values: a } = parseArgs({ options: { steps: { type: 'string', default: '30' }, batch: { type: 'string', default: '128' }, plain: { type: 'boolean', default: false }, fit: { type: 'boolean', default: false } } });
const steps = Number(a.steps), B = Number(a.batch);
const pg = a.plain ? null : await distributed.init();
manualSeed(1);
const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
const ddp = pg ? await nn.DistributedDataParallel.create(model, pg) : null;
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const med = (v) => { const s = [...v].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
if (a.fit) {
  const N = pg ? pg.worldSize : 1;
  const n = steps * B * N;
  const x = randn([n, 784]), y = Array.from({ length: n }, (_, j) => j % 10);
  const ar = [], hidden = [], exposed = [];
  const h = await fit(ddp ?? model, { x, y }, {
    epochs: 2, batchSize: B, optimizer: opt, loss: F.crossEntropy, seed: 1, worker: false, progressIntervalMs: 0, ...(pg ? { distributed: pg } : {}),
    onProgress: (p) => { if (ddp && p.epoch === 2 && !p.epochEnd) { ar.push(ddp.lastStats.allReduceSeconds * 1e3); hidden.push(ddp.lastStats.hiddenShare); exposed.push(ddp.lastStats.exposedSeconds * 1e3); } },
  });
  if (!pg || pg.rank === 0) {
    console.log(JSON.stringify({ ranks: N, batch: B, fit: true, samplesPerSec: h.epochs[1].samplesPerSec,
      allReduceMs: ar.length ? med(ar) : null, exposedMs: exposed.length ? med(exposed) : null, hiddenShare: hidden.length ? med(hidden) : null }));
  }
  if (pg) await pg.destroy();
  process.exit(0);
}
const batches = Array.from({ length: 4 }, (_, i) => ({ x: randn([B, 784]), y: tensor(Array.from({ length: B }, (_, j) => (i + j) % 10)) }));
const ar = [], hidden = [], exposed = [];
let t0 = 0;
for (let s = 0; s < steps + 5; s++) {
  if (s === 5) { if (pg) await pg.barrier(); t0 = performance.now(); }
  const { x, y } = batches[s % 4];
  opt.zeroGrad();
  const loss = F.crossEntropy((ddp ?? model).forward(x), y);
  if (ddp) {
    await ddp.backward(loss);
    if (s >= 5) { ar.push(ddp.lastStats.allReduceSeconds * 1e3); hidden.push(ddp.lastStats.hiddenShare); exposed.push(ddp.lastStats.exposedSeconds * 1e3); }
  } else loss.backward();
  opt.step();
}
if (pg) await pg.barrier();
const sec = (performance.now() - t0) / 1000;
const N = pg ? pg.worldSize : 1;
if (!pg || pg.rank === 0) {
  console.log(JSON.stringify({ ranks: N, batch: B, samplesPerSec: (N * B * steps) / sec,
    allReduceMs: ar.length ? med(ar) : null, exposedMs: exposed.length ? med(exposed) : null, hiddenShare: hidden.length ? med(hidden) : null }));
}
if (pg) await pg.destroy();
