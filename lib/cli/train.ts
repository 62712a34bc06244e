/** `neurite train`: data, split, standardise, MLP, fit, test accuracy, diagnostics, files. */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '../ops/index.js'; // installs the Tensor methods (t.add, t.backward...) the library relies on
import { Tensor } from '../tensor.js';
import { manualSeed } from '../random.js';
import { noGrad } from '../autograd.js';
import { setBackend, backend } from '../backend/index.js';
import { Linear, Sequential, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, ELU } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { loadCsvSync } from '../io/csv.js';
import { saveSafetensorsSync } from '../io/safetensors.js';
import { saveCheckpointSync } from '../io/checkpoint.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { diagnose, summary, html } from '../diagnostics/index.js';
import { fit } from '../train/fit.js';
import { UsageError } from './errors.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import type { ActivationFlag, TrainConfig } from './args.js';
import { fitStandardizer, standardize, trainTestSplit } from './dataset.js';

export interface TrainIo { stdout: ProgressStream; stderr: ProgressStream; root: string; cwd?: string }

export interface TrainResult { testAccuracy: number; files: string[] }

function activationModule(a: ActivationFlag): Module {
  switch (a) {
    case 'relu': return new ReLU();
    case 'leaky-relu': return new LeakyReLU();
    case 'gelu': return new GELU();
    case 'gelu-tanh': return new GELU({ approximate: 'tanh' });
    case 'sigmoid': return new Sigmoid();
    case 'tanh': return new Tanh();
    case 'elu': return new ELU();
  }
}

export function buildMlp(inputs: number, hidden: number[], classes: number, act: ActivationFlag): Sequential {
  const layers: Module[] = [];
  let prev = inputs;
  for (const h of hidden) { layers.push(new Linear(prev, h), activationModule(act)); prev = h; }
  layers.push(new Linear(prev, classes));
  return new Sequential(...layers);
}

function buildOptimizer(model: Module, c: TrainConfig): Optimizer<{ lr: number }> {
  const params = model.parameters();
  if (c.optimizer === 'sgd') return new SGD(params, { lr: c.lr, momentum: c.momentum, weightDecay: c.weightDecay ?? 0 });
  if (c.optimizer === 'adamw') return new AdamW(params, { lr: c.lr, weightDecay: c.weightDecay ?? 0.01 });
  return new Adam(params, { lr: c.lr, weightDecay: c.weightDecay ?? 0 });
}

/** The labels as class indices 0..K-1, or a UsageError saying why they are not. */
function classLabels(y: Int32Array | Tensor | null, source: string): { y: Int32Array; classes: number } {
  if (!(y instanceof Int32Array)) {
    const bad = y instanceof Tensor ? Array.from(y.data).find((v) => !(Number.isInteger(v) && v >= 0)) : undefined;
    throw new UsageError(`${source}: the last column must hold class indices 0..K-1 (found ${bad})`);
  }
  let classes = 0;
  for (const v of y) classes = Math.max(classes, v + 1);
  if (classes < 2) throw new UsageError(`${source}: the labels hold ${classes} class(es); classification needs at least 2`);
  return { y, classes };
}

export async function runTrain(c: TrainConfig, io: TrainIo): Promise<TrainResult> {
  if (c.backend) {
    try { setBackend(c.backend); } catch (e) { throw new UsageError(`--backend ${c.backend}: ${(e as Error).message}`); }
  }
  const path = c.data ? resolve(io.cwd ?? process.cwd(), c.data) : join(io.root, 'data', 'digits.csv.gz');
  const shown = c.data ?? 'digits (bundled)';
  let csv;
  try {
    csv = loadCsvSync(path);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { y, classes } = classLabels(csv.y, c.data ?? path);
  const [n, d] = csv.x.shape;
  const nTest = Math.round(n * c.testSplit);
  if (nTest < 1 || n - nTest < 1) throw new UsageError(`--test-split ${c.testSplit} leaves ${n - nTest} training and ${nTest} test rows of ${n}; both need at least one`);

  // before training, so a bad --out does not cost the run
  const outDir = resolve(io.cwd ?? process.cwd(), c.out);
  try {
    mkdirSync(outDir, { recursive: true });
    accessSync(outDir, constants.W_OK);
  } catch (e) {
    throw new UsageError(`--out ${c.out}: not a writable directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }

  manualSeed(c.seed);
  const split = trainTestSplit(csv.x, y, c.testSplit);
  const stdz = fitStandardizer(split.xTrain);
  const xTrain = standardize(split.xTrain, stdz);
  const xTest = standardize(split.xTest, stdz);
  const model = buildMlp(d, c.hidden, classes, c.activation);
  const optimizer = buildOptimizer(model, c);
  io.stderr.write(`neurite train: ${shown}: ${n} rows, ${d} features, ${classes} classes; MLP ${[d, ...c.hidden, classes].join('-')} `
    + `(${c.activation}), ${c.optimizer} lr ${c.lr}, ${c.epochs} epochs, batch ${c.batchSize}, ${backend()} backend\n`);

  const bar = new ProgressBar(io.stderr, c.progress);
  const t0 = performance.now();
  // worker: false: a CLI has no event loop to keep free, so the steps run here, in fit's time slices
  const history = await fit(model, { x: xTrain, y: split.yTrain }, {
    epochs: c.epochs, batchSize: c.batchSize, optimizer, loss: 'crossEntropy', seed: c.seed, worker: false,
    progressIntervalMs: 100, onProgress: (p) => bar.update(p),
  });
  bar.done();
  const seconds = (performance.now() - t0) / 1000;

  model.eval();
  const logits = noGrad(() => model.forward(xTest));
  let correct = 0;
  for (let r = 0; r < split.yTest.length; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits.data[r * classes + k] > logits.data[r * classes + best]) best = k;
    if (best === split.yTest[r]) correct++;
  }
  const acc = correct / split.yTest.length;
  io.stdout.write(`test accuracy: ${(100 * acc).toFixed(1)}%  (${correct}/${split.yTest.length} held-out rows; trained in ${seconds.toFixed(1)} s)\n`);

  // diagnostics of the trained model on (up to) 512 training rows: dead units, saturation, gradient flow
  const rows = Math.min(512, split.yTrain.length);
  const report = diagnose(model, new Tensor(xTrain.data.slice(0, rows * d), [rows, d]),
    { target: split.yTrain.subarray(0, rows), loss: 'crossEntropy', atInit: false });
  io.stdout.write(`diagnostics (${rows} training rows):\n${summary(report).replace(/^/gm, '  ')}\n`);

  const files: string[] = [];
  try {
    const arch = { inputs: d, hidden: c.hidden, classes, activation: c.activation };
    const weights = join(outDir, 'model.safetensors');
    saveSafetensorsSync(weights, model.stateDict(), {
      format: 'pt',
      'neurite.architecture': JSON.stringify(arch),
      'neurite.standardize': JSON.stringify({ mean: Array.from(stdz.mean), std: Array.from(stdz.std) }),
    });
    files.push(weights);
    const ckpt = join(outDir, 'checkpoint.safetensors');
    saveCheckpointSync(ckpt, { model, optimizer, step: history.steps, epoch: c.epochs, extra: { config: c, architecture: arch } });
    files.push(ckpt);
    const page = join(outDir, 'report.html');
    writeFileAtomicSync(page, Buffer.from(html({ report, epochs: history.epochs, title: `neurite train: ${shown}, test accuracy ${(100 * acc).toFixed(1)}%` })));
    files.push(page);
  } catch (e) {
    // a full disk or a vanished directory is the environment's problem, not a bug: one line, exit 2
    if ((e as NodeJS.ErrnoException).code) throw new UsageError((e as Error).message);
    throw e;
  }
  io.stdout.write(`wrote ${files.join(', ')}\n`);
  return { testAccuracy: acc, files };
}
