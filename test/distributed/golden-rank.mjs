// One rank of fit(model, data, { distributed: pg }) on the PyTorch DDP golden's setup
// (test/fixtures/ddp-golden: MLP 8-32-32-4, the golden's data and initial weights, batch 8 per rank,
// no shuffling, 3 epochs): writes, from rank 0, the per-step loss averaged over the ranks and the
// final parameters as JSON, for test/mpi/distributed.mpi.test.ts to compare with golden.json.
//   mpirun -n 2 node golden-rank.mjs sgd|adam out.json
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { nn, optim, F, Tensor, distributed, fit } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const [optName, out] = process.argv.slice(2);
const g = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'ddp-golden', 'golden.json'), 'utf8'));

const pg = await distributed.init();
const model = new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 4));
for (const [k, p] of model.namedParameters()) p.data.set(g.init[k]);
const opt = optName === 'sgd' ? new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) : new optim.Adam(model.parameters(), { lr: 0.01 });
// per-step losses of this rank, from fit's running (sample-weighted) mean reported after every step
const losses = [];
let prev = { sum: 0, seen: 0, epoch: 0 };
const B = g.batchPerRank;
await fit(model, { x: new Tensor(Float32Array.from(g.x), [g.y.length, 8]), y: g.y }, {
  epochs: g.epochs, batchSize: B, shuffle: false, optimizer: opt, loss: F.crossEntropy, distributed: pg, worker: false, progressIntervalMs: 0,
  onProgress: (p) => {
    if (p.epochEnd) return;
    if (p.epoch !== prev.epoch) prev = { sum: 0, seen: 0, epoch: p.epoch };
    const seen = p.step * B, sum = p.loss * seen;
    losses.push((sum - prev.sum) / (seen - prev.seen));
    prev = { sum, seen, epoch: p.epoch };
  },
});
const l = new Float32Array(losses);
await pg.allReduce(l, 'avg');
if (pg.rank === 0) writeFileSync(out, JSON.stringify({ losses: Array.from(l), params: Object.fromEntries(model.namedParameters().map(([k, p]) => [k, Array.from(p.data)])) }));
await pg.destroy();
