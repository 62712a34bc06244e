/** `neurite train`: data, split, standardise, MLP, fit, test accuracy, diagnostics, files. */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import '../ops/index.js'; // installs the Tensor methods (t.add, t.backward...) the library relies on
import { Tensor } from '../tensor.js';
import { manualSeed } from '../random.js';
import { noGrad } from '../autograd.js';
import { setBackend, backend } from '../backend/index.js';
import { withFloat32MatmulPrecision } from '../precision.js';
import { Linear, Sequential, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, ELU } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { saveSafetensorsSync } from '../io/safetensors.js';
import { peekCheckpoint } from '../io/checkpoint.js';
import { readFileSync } from '../io/fsutil.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { diagnose, summary, html } from '../diagnostics/index.js';
import { fit } from '../train/fit.js';
import { UsageError } from './errors.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import type { ActivationFlag, TrainConfig } from './args.js';
import { classLabels, fitStandardizer, readCsv, standardize, trainTestSplit } from './dataset.js';

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

/** A run stopped because the loss stopped being a number: one line, exit code 3, nothing written. */
export class DivergedError extends UsageError {
  constructor(message: string) { super(message, 3); }
}

/** The flags a resumed run must repeat unchanged (--epochs may grow; --out, --backend, --no-progress are free). */
const RESUME_KEYS = ['data', 'labelColumn', 'delimiter', 'hidden', 'activation', 'optimizer', 'lr', 'momentum', 'weightDecay',
  'batchSize', 'seed', 'testSplit', 'valSplit', 'precision'] as const;

/** --resume: the checkpoint's path and epochs done, after checking it is a neurite train run with these flags. */
function checkResume(file: string, shown: string, c: TrainConfig, data: string | null): number {
  let peek;
  try {
    peek = peekCheckpoint(readFileSync(file, '--resume'), file);
  } catch (e) {
    throw new UsageError((e as Error).message.startsWith('--resume') ? (e as Error).message : `--resume ${shown}: ${(e as Error).message}`);
  }
  const saved = (peek.extra as { config?: Record<string, unknown> } | undefined)?.config;
  if (!saved || peek.fit === undefined) throw new UsageError(`--resume ${shown}: not a checkpoint of a 'neurite train' run`);
  const now: Record<string, unknown> = { ...c, data };
  for (const k of RESUME_KEYS) {
    if (JSON.stringify(saved[k]) !== JSON.stringify(now[k])) {
      const flag = `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
      const show = (v: unknown): string => (v === null || v === undefined ? '(default)' : Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v));
      throw new UsageError(`--resume ${shown}: the run had ${flag} ${show(saved[k])}, this one ${show(now[k])}; a resumed run repeats its flags (only --epochs may grow)`);
    }
  }
  const done = peek.epoch ?? 0;
  if (done > c.epochs) throw new UsageError(`--resume ${shown}: the run already did ${done} epochs, more than --epochs ${c.epochs} (the total, not the epochs to add)`);
  return done;
}

export function runTrain(c: TrainConfig, io: TrainIo): Promise<TrainResult> {
  // the whole run (training, evaluation, the report) computes its products at --precision
  return withFloat32MatmulPrecision(c.precision, () => trainAt(c, io));
}

async function trainAt(c: TrainConfig, io: TrainIo): Promise<TrainResult> {
  if (c.backend) {
    try { setBackend(c.backend); } catch (e) { throw new UsageError(`--backend ${c.backend}: ${(e as Error).message}`); }
  }

  const path = c.data ? resolve(io.cwd ?? process.cwd(), c.data) : join(io.root, 'data', 'digits.csv.gz');
  const shown = c.data ?? 'digits (bundled)';
  const csv = readCsv(path, c.data ?? path, c.labelColumn, c.delimiter);
  const { y, classes } = classLabels(csv, c.data ?? path, (msg) => io.stderr.write(`neurite: warning: ${msg}\n`));
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
  // the validation rows come out of the training rows (the test rows stay untouched until the end)
  const nVal = Math.round(split.yTrain.length * c.valSplit);
  if (c.valSplit > 0 && (nVal < 1 || split.yTrain.length - nVal < 1)) {
    throw new UsageError(`--val-split ${c.valSplit} leaves ${split.yTrain.length - nVal} training and ${nVal} validation rows of ${split.yTrain.length}; use --val-split 0 for none`);
  }
  const tv = nVal > 0 ? trainTestSplit(split.xTrain, split.yTrain, c.valSplit) : null;
  const xTrainRaw = tv ? tv.xTrain : split.xTrain;
  const yTrain = tv ? tv.yTrain : split.yTrain;
  const stdz = fitStandardizer(xTrainRaw);
  const xTrain = standardize(xTrainRaw, stdz);
  const xTest = standardize(split.xTest, stdz);
  const val = tv ? { x: standardize(tv.xTest, stdz), y: tv.yTest } : null;
  const model = buildMlp(d, c.hidden, classes, c.activation);
  const optimizer = buildOptimizer(model, c);
  const arch = { inputs: d, hidden: c.hidden, classes, activation: c.activation };
  const ckpt = join(outDir, 'checkpoint.safetensors');
  const dataPath = c.data ? path : null;
  const resumeFile = c.resume === null ? null : c.resume === '' ? ckpt : resolve(io.cwd ?? process.cwd(), c.resume);
  const resumed = resumeFile === null ? 0 : checkResume(resumeFile, c.resume || join(c.out, 'checkpoint.safetensors'), c, dataPath);
  io.stderr.write(`neurite train: ${shown}: ${n} rows, ${d} features, ${classes} classes; MLP ${[d, ...c.hidden, classes].join('-')} `
    + `(${c.activation}), ${c.optimizer} lr ${c.lr}, ${c.epochs} epochs, batch ${c.batchSize}, ${backend()} backend, matmul precision ${c.precision}; `
    + `${yTrain.length} training, ${val ? val.y.length : 0} validation, ${split.yTest.length} test rows\n`);
  if (resumeFile !== null) {
    io.stderr.write(resumed >= c.epochs ? `neurite train: ${resumeFile} already holds all ${c.epochs} epochs: nothing to train\n`
      : `neurite train: resuming from ${resumeFile} after epoch ${resumed} of ${c.epochs}\n`);
  }

  const bar = new ProgressBar(io.stderr, c.progress);
  const t0 = performance.now();
  const stop = new AbortController();
  let diverged: string | null = null;
  let history;
  try {
    // worker: false: a CLI has no event loop to keep free, so the steps run here, in fit's time slices
    history = await fit(model, { x: xTrain, y: yTrain }, {
      epochs: c.epochs, batchSize: c.batchSize, optimizer, loss: 'crossEntropy', seed: c.seed, worker: false,
      progressIntervalMs: 100, signal: stop.signal, ...(val ? { validationData: val } : {}),
      // rewritten at every epoch end (after onProgress, so a diverged epoch is never saved): --resume continues from it
      checkpoint: { path: ckpt, extra: { config: { ...c, data: dataPath }, architecture: arch } },
      ...(resumeFile !== null ? { resumeFrom: resumeFile } : {}),
      onProgress: (p) => {
        if (diverged) return;
        if (!Number.isFinite(p.loss)) {
          diverged = `the training loss became ${p.loss} in epoch ${p.epoch} (step ${p.step} of ${p.stepsPerEpoch})`;
          stop.abort();
          return;
        }
        // a finite loss 1000x an untrained model's (ln K) is a divergence too: the weights are garbage
        if (p.epochEnd && p.loss > 1000 * Math.log(classes)) {
          diverged = `the training loss reached ${p.loss.toExponential(2)} in epoch ${p.epoch} (an untrained model scores about ${Math.log(classes).toFixed(2)})`;
          stop.abort();
          return;
        }
        const v = p.epochEnd && p.valLoss !== null ? { loss: p.valLoss, accuracy: p.valAccuracy ?? NaN } : null;
        if (v && !Number.isFinite(v.loss)) { diverged = `the validation loss became ${v.loss} after epoch ${p.epoch}`; stop.abort(); return; }
        bar.update({ ...p, val: v });
      },
    });
  } catch (e) {
    // the checkpoint's disk full or gone: the environment's problem, one line, exit 2
    if (!diverged && (e as NodeJS.ErrnoException).code) throw new UsageError((e as Error).message);
    if (!diverged) throw e;
  } finally {
    bar.done();
  }
  if (diverged || !history || model.parameters().some((t) => t.data.some((v) => !Number.isFinite(v)))) {
    throw new DivergedError(`training diverged: ${diverged ?? 'the weights are no longer finite'}; try a lower --lr (now ${c.lr}, e.g. ${c.lr / 10})`
      + `${c.data ? ' or check the inputs for extreme values (they are standardised per column)' : ''}; no model written`);
  }
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
  const rows = Math.min(512, yTrain.length);
  const report = diagnose(model, new Tensor(xTrain.data.slice(0, rows * d), [rows, d]),
    { target: yTrain.subarray(0, rows), loss: 'crossEntropy', atInit: false });
  io.stdout.write(`diagnostics (${rows} training rows):\n${summary(report).replace(/^/gm, '  ')}\n`);

  const files: string[] = [];
  try {
    const weights = join(outDir, 'model.safetensors');
    saveSafetensorsSync(weights, model.stateDict(), {
      format: 'pt',
      'neurite.architecture': JSON.stringify(arch),
      'neurite.standardize': JSON.stringify({ mean: Array.from(stdz.mean), std: Array.from(stdz.std) }),
    });
    files.push(weights);
    files.push(ckpt); // written by fit at the last epoch end
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
