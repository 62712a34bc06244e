/**
 * fit(): train a model on {x, y} without holding the event loop. Built-in models,
 * optimizers and losses train in a worker thread (the calling thread only receives weights at
 * epoch ends); anything else trains on the calling thread in slices of a few milliseconds,
 * one or more whole steps per event-loop turn. the README (In Node services) says which applies when.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { Tensor, fmtShape } from '../tensor.js';
import { uniform } from '../random.js';
import { backend } from '../backend/index.js';
import { checkPrecision, getFloat32MatmulPrecision, withFloat32MatmulPrecision, type Float32MatmulPrecision } from '../precision.js';
import { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import { options } from '../options.js';
import { spawnLibWorker, workerUnavailable } from '../worker/spawn.js';
import { applyState, describeModel, setTrainingFlags, snapshotState, trainingFlags } from '../worker/spec.js';
import { claim } from './busy.js';
import { LOSSES, accuracyKind, lossName, type LossName } from './losses.js';
import { Trainer, type LossCall, type LoopOptions, type TrainArrays } from './loop.js';
import { describeOptimizer, importState, stateBuffers } from './optim-spec.js';
import type { StartMessage, WorkerMessage } from './protocol.js';
import type { EpochStats, FitData, FitHistory, FitOptions, FitProgress } from './types.js';

/** Work done per event-loop turn on the calling thread (whole steps; a longer step is one turn). */
const SLICE_MS = 4;

function positiveInt(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`fit: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** Copies of x and y as plain arrays (the rule: fit's inputs are copied when it is called). */
function copyData(data: FitData, indicesLoss: boolean): TrainArrays {
  if (!data || !(data.x instanceof Tensor)) throw new TypeError('fit: data.x must be a Tensor of samples [N, ...]');
  const { x } = data;
  let { y } = data;
  if (x.ndim < 1 || x.shape[0] === 0) throw new RangeError(`fit: data.x must hold at least one sample, got shape ${fmtShape(x.shape)}`);
  const N = x.shape[0];
  if (y instanceof Tensor && indicesLoss && y.ndim === 1) y = y.data as unknown as number[];
  if (y instanceof Tensor) {
    if (y.ndim < 1 || y.shape[0] !== N) throw new RangeError(`fit: data.y ${fmtShape(y.shape)} must have N = ${N} rows like data.x ${fmtShape(x.shape)}`);
    return { x: x.data.slice(), xShape: x.shape.slice(), y: y.data.slice(), yShape: y.shape.slice() };
  }
  if (!(y instanceof Int32Array) && !Array.isArray(y) && !(y instanceof Float32Array)) {
    throw new TypeError('fit: data.y must be class indices (number[] or Int32Array) or a Tensor of targets');
  }
  if (y.length !== N) throw new RangeError(`fit: data.y has ${y.length} class indices, data.x ${fmtShape(x.shape)} has ${N} samples`);
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fit: data.y[${i}] = ${v} is not a class index (a non-negative integer)`);
    idx[i] = v;
  }
  return { x: x.data.slice(), xShape: x.shape.slice(), y: idx, yShape: null };
}

/** What fit rejects with when aborted: the epochs completed and the steps the model holds. */
export type FitAbortError = DOMException & { history: EpochStats[]; steps: number };

function abortError(signal: AbortSignal | undefined, history: EpochStats[], steps: number): FitAbortError {
  const e = new DOMException('fit: aborted', 'AbortError') as FitAbortError;
  Object.defineProperty(e, 'cause', { value: signal?.reason, configurable: true, writable: true });
  e.history = history;
  e.steps = steps;
  return e;
}

function makeHistory(epochs: EpochStats[], t0: number, mode: FitHistory['mode'], seed: number, steps: number, acc: boolean): FitHistory {
  const durationMs = performance.now() - t0;
  const samples = epochs.reduce((n, e) => n + e.samples, 0);
  return {
    epochs, loss: epochs.map((e) => e.loss), accuracy: acc ? epochs.map((e) => e.accuracy as number) : null,
    samplesPerSec: samples / (durationMs / 1000), steps, durationMs, mode, seed,
  };
}

const FIT_KEYS = ['epochs', 'batchSize', 'optimizer', 'loss', 'shuffle', 'seed', 'signal', 'onProgress', 'progressIntervalMs', 'worker', 'precision'] as const;
/** Options of other training loops (Keras, Lightning) that fit() does not implement yet: an error, not a silent no-op. */
const FIT_NOT_YET = ['validationData', 'validationSplit', 'callbacks', 'scheduler', 'gradClip', 'clipGradNorm'] as const;

export async function fit(model: Module, data: FitData, opts: FitOptions): Promise<FitHistory> {
  if (!(model instanceof Module)) throw new TypeError('fit: model must be an nn.Module');
  if (!opts || typeof opts !== 'object') throw new TypeError('fit: options {epochs, batchSize, optimizer, loss} are required');
  options('fit', opts, FIT_KEYS, FIT_NOT_YET);
  if (data !== null && typeof data === 'object' && !(data instanceof Tensor)) options('fit: data', data, ['x', 'y']);
  if (opts.shuffle !== undefined && typeof opts.shuffle !== 'boolean') throw new TypeError(`fit: shuffle must be a boolean, got ${typeof opts.shuffle}`);
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new TypeError('fit: signal must be an AbortSignal (new AbortController().signal)');
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new TypeError('fit: onProgress must be a function');
  if (opts.worker !== undefined && opts.worker !== true && opts.worker !== false && opts.worker !== 'auto') {
    throw new TypeError(`fit: worker must be true, false or 'auto', got ${JSON.stringify(opts.worker)}`);
  }
  if (opts.progressIntervalMs !== undefined && !(typeof opts.progressIntervalMs === 'number' && opts.progressIntervalMs >= 0)) {
    throw new RangeError(`fit: progressIntervalMs must be a number >= 0, got ${opts.progressIntervalMs}`);
  }
  const precision = opts.precision === undefined ? getFloat32MatmulPrecision() : checkPrecision('fit', opts.precision);
  const epochs = positiveInt('epochs', opts.epochs);
  const batchSize = positiveInt('batchSize', opts.batchSize);
  if (!(opts.optimizer instanceof Optimizer)) throw new TypeError('fit: optimizer must be an optim optimizer (SGD, Adam, ...)');
  const name: LossName | null = typeof opts.loss === 'string' ? opts.loss : lossName(opts.loss);
  if (typeof opts.loss === 'string' && !(opts.loss in LOSSES)) {
    throw new RangeError(`fit: unknown loss '${opts.loss}' (expected ${Object.keys(LOSSES).join(', ')} or a function)`);
  }
  if (typeof opts.loss !== 'function' && name === null) throw new TypeError('fit: loss must be a function such as F.crossEntropy');
  const lossFn = (name ? LOSSES[name] : opts.loss) as unknown as LossCall;
  const mode = opts.worker ?? 'auto';
  const signal = opts.signal;
  if (signal?.aborted) throw abortError(signal, [], 0);
  const arrays = copyData(data, name === 'crossEntropy' || name === 'nllLoss');
  const seed = opts.seed ?? Math.floor(uniform() * 2 ** 32);
  if (!Number.isFinite(seed)) throw new RangeError(`fit: seed must be a finite number, got ${seed}`);
  const loop: LoopOptions = { epochs, batchSize, shuffle: opts.shuffle ?? true, seed, accuracy: accuracyKind(name, arrays.yShape === null) };
  const progressIntervalMs = opts.progressIntervalMs ?? 100;

  let why: string | null = null;
  const described = describeModel(model);
  const optSpec = describeOptimizer(opts.optimizer, model.parameters());
  if (described.reason) why = described.reason;
  else if (typeof optSpec === 'string') why = optSpec;
  else if (name === null) why = 'the loss is a custom function';
  else if (mode !== false) why = workerUnavailable('train/train-worker');
  if (mode === true && why) throw new TypeError(`fit: cannot train in a worker thread: ${why}`);

  const { step, release } = claim(model, opts.optimizer);
  try {
    if (mode !== false && why === null) {
      const start: StartMessage = {
        type: 'start', backend: backend(), precision, spec: described.spec!, state: snapshotState(model), optimizer: optSpec as Exclude<typeof optSpec, string>,
        loss: name!, data: arrays, loop, progressIntervalMs, abort: new SharedArrayBuffer(4),
      };
      return await inWorker(model, opts, start);
    }
    return await onThisThread(model, opts, step, lossFn, arrays, loop, progressIntervalMs, precision);
  } finally {
    release();
  }
}

function inWorker(model: Module, opts: FitOptions, start: StartMessage): Promise<FitHistory> {
  const t0 = performance.now();
  const { signal, onProgress } = opts;
  const epochs: EpochStats[] = [];
  const abortFlag = new Int32Array(start.abort);
  const w = spawnLibWorker('train/train-worker');
  let userError: unknown = null;
  const stop = (): void => { Atomics.store(abortFlag, 0, 1); };
  const report = (p: FitProgress): void => {
    if (!onProgress || userError) return;
    try { onProgress(p); } catch (e) { userError = e; stop(); }
  };
  return new Promise<FitHistory>((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, h?: FitHistory): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      void w.terminate();
      if (err) reject(err); else resolve(h!);
    };
    signal?.addEventListener('abort', stop, { once: true });
    w.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'progress': report(m.p); break;
        case 'epoch':
        case 'aborted':
          applyState(model, m.state);
          importState(opts.optimizer, m.optState);
          if (m.type === 'aborted') { finish(userError ?? abortError(signal, epochs, m.p.globalStep)); break; }
          epochs.push(m.stats);
          report(m.p);
          break;
        case 'done':
          finish(userError, makeHistory(epochs, t0, 'worker', start.loop.seed, epochs.length * Math.ceil(start.data.xShape[0] / start.loop.batchSize), start.loop.accuracy !== null));
          break;
        case 'error': {
          const C = m.name === 'TypeError' ? TypeError : m.name === 'RangeError' ? RangeError : Error;
          const e = new C(m.message);
          if (m.stack) e.stack = m.stack;
          finish(e);
          break;
        }
      }
    });
    w.on('error', (e) => finish(e));
    w.on('exit', (code) => finish(new Error(`fit: the training worker stopped (exit code ${code}) before finishing`)));
    const transfer = [start.data.x.buffer, start.data.y.buffer, ...start.state.map((s) => s.buffer), ...stateBuffers(start.optimizer.state)];
    w.postMessage(start, transfer as ArrayBuffer[]);
  });
}

async function onThisThread(model: Module, opts: FitOptions, step: () => void, loss: LossCall, data: TrainArrays,
  loop: LoopOptions, progressIntervalMs: number, precision: Float32MatmulPrecision): Promise<FitHistory> {
  const t0 = performance.now();
  const { signal, onProgress } = opts;
  const t = new Trainer(model, model.parameters(), step, loss, data, loop);
  let lastReport = performance.now();
  while (!t.done) {
    await tick();
    if (signal?.aborted) throw abortError(signal, t.history.slice(), t.globalStep);
    const sliceStart = performance.now();
    const flags = trainingFlags(model);
    model.train();
    let stats: EpochStats | null = null;
    try {
      // the precision holds inside the slice only: code between slices keeps its own
      stats = withFloat32MatmulPrecision(precision, () => {
        let st: EpochStats | null;
        do st = t.step(); while (!st && !t.done && performance.now() - sliceStart < SLICE_MS);
        return st;
      });
    } finally {
      setTrainingFlags(model, flags); // between slices the model is as the caller left it (forwardAsync may run)
    }
    if (onProgress && (stats || performance.now() - lastReport >= progressIntervalMs)) {
      onProgress(t.progress(stats !== null));
      lastReport = performance.now();
    }
  }
  return makeHistory(t.history.slice(), t0, 'main', loop.seed, t.globalStep, loop.accuracy !== null);
}
