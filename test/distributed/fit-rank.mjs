// One rank of fit(model, data, { distributed: pg }) (test/mpi/distributed.mpi.test.ts runs it under
// mpirun; with --plain it is one process without MPI): W3 (784-512-512-10, cross-entropy) or W4
// (10-64-64-1, MSE) on `samples` seeded rows, shuffled, `epochs` epochs at a global batch of
// `batch` rows (batch / N per rank). Every rank writes its final parameters and fit's history as
// JSON to `--out` with `.rank<r>` appended (the plain run: `--out` itself).
//   node fit-rank.mjs --model W4 --opt adam --batch 32 --samples 256 --epochs 2 --out f.json [--plain] [--data dataset|loader|xy]
//     [--checkpoint file] [--resume file] [--die-in-epoch k]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { nn, optim, F, manualSeed, randn, distributed, fit, data } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);

const { values: a } = parseArgs({ options: {
  model: { type: 'string', default: 'W4' }, opt: { type: 'string', default: 'sgd' }, epochs: { type: 'string', default: '2' },
  batch: { type: 'string', default: '32' }, samples: { type: 'string', default: '256' }, out: { type: 'string' },
  plain: { type: 'boolean', default: false }, data: { type: 'string', default: 'xy' }, worker: { type: 'string', default: 'false' },
  checkpoint: { type: 'string' }, resume: { type: 'string' }, 'die-in-epoch': { type: 'string', default: '0' },
} });
const B = Number(a.batch), n = Number(a.samples);

manualSeed(1234);
const dims = a.model === 'W3' ? [784, 512, 512, 10] : [10, 64, 64, 1];
const pg = a.plain ? null : await distributed.init();
const N = pg ? pg.worldSize : 1;
const layers = [];
for (let i = 0; i + 1 < dims.length; i++) { layers.push(new nn.Linear(dims[i], dims[i + 1])); if (i + 2 < dims.length) layers.push(new nn.ReLU()); }
const model = new nn.Sequential(...layers);
if (pg && pg.rank !== 0) for (const p of model.parameters()) p.data.fill(0.5); // the broadcast from rank 0 must fix this
const params = model.parameters();
const opt = a.opt === 'sgd' ? new optim.SGD(params, { lr: 0.05, momentum: 0.9 })
  : a.opt === 'adam' ? new optim.Adam(params, { lr: 1e-3 }) : new optim.AdamW(params, { lr: 1e-3, weightDecay: 0.01 });

manualSeed(99); // the data: the same on every rank
const x = randn([n, dims[0]]);
const y = a.model === 'W3' ? Array.from({ length: n }, (_, i) => (i * 7) % 10) : randn([n, 1]);
const ds = new data.TensorDataset(x, Array.isArray(y) ? Int32Array.from(y) : y);
const per = B / N;
const src = a.data === 'dataset' ? ds : a.data === 'loader' ? new data.DataLoader(ds, { batchSize: per, shuffle: true, seed: 7 }) : { x, y };
const history = await fit(model, src, {
  epochs: Number(a.epochs), ...(a.data === 'loader' ? {} : { batchSize: per }), seed: 7, optimizer: opt,
  loss: a.model === 'W3' ? F.crossEntropy : F.mseLoss, worker: a.worker === 'auto' ? 'auto' : a.worker === 'true',
  ...(pg ? { distributed: pg } : {}), ...(a.checkpoint ? { checkpoint: a.checkpoint } : {}), ...(a.resume ? { resumeFrom: a.resume } : {}),
  // --die-in-epoch k: rank 1 is killed (SIGKILL) at step 2 of epoch k, after rank 0 wrote epoch k-1's checkpoint
  ...(a['die-in-epoch'] !== '0' && pg?.rank === 1 ? { progressIntervalMs: 0, onProgress: (p) => { if (p.epoch === Number(a['die-in-epoch']) && p.step === 2) process.kill(process.pid, 'SIGKILL'); } } : {}),
});
const out = a.plain ? a.out : `${a.out}.rank${pg.rank}`;
writeFileSync(out, JSON.stringify({ worldSize: N, history: { loss: history.loss, accuracy: history.accuracy, samples: history.epochs.map((e) => e.samples), mode: history.mode, steps: history.steps },
  params: Object.fromEntries(model.namedParameters().map(([k, p]) => [k, Array.from(p.data)])) }));
if (pg) await pg.destroy();
