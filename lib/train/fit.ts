/**
 * fit(): train a model on {x, y}, a dataset, a DataLoader or a stream of batches without
 * holding the event loop, with validation and early stopping at epoch ends. The calling
 * thread always drives (reads the data, decides at each epoch end); the steps run either in
 * a worker thread, which gets the batches streamed to it (built-in models, optimizers and
 * losses, or your own model class given by its file), or on the calling thread in slices of
 * a few milliseconds. Both run the same steps on the same batches in the same order, and meet
 * at every epoch end, so the same options, data and seed give the same weights and history.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { resolve as resolvePath } from 'node:path';
import { backend } from '../backend/index.js';
import { checkPrecision, getFloat32MatmulPrecision, withFloat32MatmulPrecision, type Float32MatmulPrecision } from '../precision.js';
import { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import * as lrScheduler from '../optim/lr-scheduler.js';
import { options } from '../options.js';
import { seedOrDraw } from '../data/sampler.js';
import { activationListenerCount } from '../ops/activations.js';
import { spawnLibWorker, workerUnavailable } from '../worker/spawn.js';
import { applyState, describeModel, setTrainingFlags, snapshotState, trainingFlags } from '../worker/spec.js';
import { LOSSES, lossName, type LossName } from './losses.js';
import { Trainer, type LossCall, type LoopOptions, type StepHooks, type WireBatch } from './loop.js';
import { describeOptimizer, importState, stateBuffers, type OptimizerSpec } from './optim-spec.js';
import type { MainMessage, ModelSource, Running, StartMessage, Sync, WorkerMessage } from './protocol.js';
import { isFitData, makeSource, wireBatch, type Source } from './source.js';
import { isDataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import { Tensor } from '../tensor.js';
import { getRngState } from '../random.js';
import { readFileSync } from '../io/fsutil.js';
import { checkpointFromBuffer, peekCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { claim, isBusy } from './busy.js';
import { DistributedDataParallel, type Collectives } from '../distributed/ddp.js';
import { RankSync, checkGroup, wrap } from './ranks.js';
import * as trace from './trace.js';
import type { EarlyStopping, EpochStats, FitCheckpoint, FitHistory, FitOptions, FitProgress, FitSource } from './types.js';

/** Work done per event-loop turn on the calling thread (whole steps; a longer step is one turn). */
const SLICE_MS = 4;
/** Batches per message to the worker, bytes per message, and messages in flight. */
const GROUP_BATCHES = 32;
const GROUP_BYTES = 1 << 20;
const WINDOW = 3;

function positiveInt(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`fit: ${name} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** What fit rejects with when aborted: the history so far (the same shape as on success) and the steps the model holds. */
export type FitAbortError = DOMException & { history: FitHistory; steps: number };

function abortError(signal: AbortSignal | undefined, history: FitHistory, steps: number): FitAbortError {
  const e = new DOMException('fit: aborted', 'AbortError') as FitAbortError;
  Object.defineProperty(e, 'cause', { value: signal?.reason, configurable: true, writable: true });
  e.history = history;
  e.steps = steps;
  return e;
}

const FIT_KEYS = ['epochs', 'batchSize', 'optimizer', 'loss', 'shuffle', 'seed', 'signal', 'onProgress', 'progressIntervalMs', 'worker',
  'scheduler', 'schedulerStep', 'clipGradNorm', 'validationData', 'earlyStopping', 'moduleFile', 'moduleArgs', 'precision',
  'checkpoint', 'resumeFrom', 'distributed'] as const;
/** Options of other training loops (Keras, Lightning) that fit() does not implement yet: an error, not a silent no-op. */
const FIT_NOT_YET = ['validationSplit', 'callbacks', 'gradClip'] as const;
const ES_KEYS = ['monitor', 'patience', 'minDelta', 'restoreBest'] as const;
const MONITORS = ['valLoss', 'valAccuracy', 'loss', 'accuracy'] as const;

interface Stopper { monitor: typeof MONITORS[number]; patience: number; minDelta: number; restoreBest: boolean }

function stopper(o: EarlyStopping | undefined, hasVal: boolean): Stopper | null {
  if (o === undefined) return null;
  const es = options<EarlyStopping>('fit: earlyStopping', o, ES_KEYS, ['mode', 'baseline', 'startFromEpoch', 'verbose']);
  const monitor = es.monitor ?? 'valLoss';
  if (!MONITORS.includes(monitor)) throw new RangeError(`fit: earlyStopping.monitor must be one of ${MONITORS.join(', ')}, got ${JSON.stringify(monitor)}`);
  if (monitor.startsWith('val') && !hasVal) throw new TypeError(`fit: earlyStopping monitors '${monitor}', which needs validationData`);
  const patience = es.patience ?? 0;
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`fit: earlyStopping.patience must be a non-negative integer, got ${String(patience)}`);
  const minDelta = es.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0)) throw new RangeError(`fit: earlyStopping.minDelta must be a number >= 0, got ${String(minDelta)}`);
  if (es.restoreBest !== undefined && typeof es.restoreBest !== 'boolean') throw new TypeError('fit: earlyStopping.restoreBest must be a boolean');
  return { monitor, patience, minDelta, restoreBest: es.restoreBest ?? false };
}

/**
 * fit's scheduler and when it steps: after every epoch (default) or every batch.
 * ReduceLROnPlateau gets the epoch's validation loss (else its mean training loss) or the batch's loss.
 */
function checkScheduler(opts: FitOptions): StepHooks | null {
  const s = opts.scheduler;
  const when = opts.schedulerStep ?? 'epoch';
  if (when !== 'epoch' && when !== 'batch') throw new TypeError(`fit: schedulerStep must be 'epoch' or 'batch', got ${JSON.stringify(when)}`);
  if (s === undefined) {
    if (opts.schedulerStep !== undefined) throw new TypeError('fit: schedulerStep is given without a scheduler');
    return null;
  }
  const { LRScheduler, SequentialLR, ChainedScheduler, ReduceLROnPlateau } = lrScheduler;
  if (!(s instanceof LRScheduler || s instanceof SequentialLR || s instanceof ChainedScheduler || s instanceof ReduceLROnPlateau)) {
    throw new TypeError('fit: scheduler must be an optim.lrScheduler scheduler (StepLR, OneCycleLR, ...)');
  }
  if (s.optimizer !== opts.optimizer) throw new TypeError('fit: the scheduler drives another optimizer than fit\'s');
  const step = (metric: number): void => { if (s instanceof ReduceLROnPlateau) s.step(metric); else s.step(); };
  return {
    batch: (loss) => { if (when === 'batch') step(loss); },
    epoch: (stats) => { if (when === 'epoch') step(stats.valLoss ?? stats.loss); },
  };
}

/** Why a model of the user's own class cannot be built in a worker from its file, or null. */
function fileModelReason(model: Module): string | null {
  if (activationListenerCount() > 0) return 'activation listeners (diagnostics) are watching this thread';
  if (model.modules().some((m) => m.hasForwardHooks())) return 'the model has a forward hook (hooks run in the thread that owns them)';
  const paramEntries = Object.keys(model.stateDict()).length - model.namedBuffers().length;
  if (paramEntries !== model.parameters().length) return 'the model shares a parameter between modules';
  return null;
}

function moduleUrl(f: unknown): string {
  if (f instanceof URL) {
    if (f.protocol !== 'file:') throw new TypeError(`fit: moduleFile must be a file path or a file: URL, got ${f.href}`);
    return f.href;
  }
  if (typeof f !== 'string' || f === '') throw new TypeError('fit: moduleFile must be a file path or a file: URL');
  return f.startsWith('file:') ? f : pathToFileURL(resolvePath(f)).href;
}

/** Where a run stands at an epoch end: what a checkpoint keeps and a resume starts from. */
interface RunState {
  /** Epochs done. */
  epoch: number;
  globalStep: number;
  /** The run's own generator (dropout), not the global one. */
  rng: number[];
  history: EpochStats[];
  best: number;
  bestEpoch: number | null;
  wait: number;
  stopped: boolean;
  /** restoreBest's weights (snapshotState order), or null. */
  bestState: Float32Array[] | null;
}

/** fit's part of a checkpoint (CheckpointInput.fit), as JSON; restoreBest's weights go in the tensors `fit.best.<i>`. */
interface FitState {
  format: 'neurite-fit/1';
  epoch: number;
  globalStep: number;
  seed: number;
  rng: (number | null)[];
  history: EpochStats[];
  /** The built-in loss's name, null for a function of your own. */
  loss: LossName | null;
  stepsPerEpoch: number | null;
  /** The shuffling seed of a DataLoader given as data, else null. */
  dataSeed: number | null;
  earlyStopping: Stopper | null;
  stop: { best: number | null; bestEpoch: number | null; wait: number; stopped: boolean; bestTensors: number };
  scheduler: string | null;
}

const FIT_STATE = 'neurite-fit/1';

interface CheckpointPlan { path: string; every: number; extra: unknown }

function checkpointOption(c: FitOptions['checkpoint']): CheckpointPlan | null {
  if (c === undefined) return null;
  if (typeof c === 'string') {
    if (c === '') throw new TypeError('fit: checkpoint must be a file path or { path, every, extra }, got an empty string');
    return { path: c, every: 1, extra: undefined };
  }
  if (c === null || typeof c !== 'object') throw new TypeError('fit: checkpoint must be a file path or { path, every, extra }');
  const o = options<FitCheckpoint>('fit: checkpoint', c, ['path', 'every', 'extra'], ['monitor', 'saveBestOnly', 'saveTopK']);
  if (typeof o.path !== 'string' || o.path === '') throw new TypeError('fit: checkpoint.path must be a file path');
  return { path: o.path, every: o.every === undefined ? 1 : positiveInt('checkpoint.every', o.every), extra: o.extra };
}

/** The shuffling seed of a DataLoader given as data (its own or its RandomSampler's), else null. */
function loaderSeed(data: FitSource): number | null {
  if (!(data instanceof DataLoader)) return null;
  if (!Number.isNaN(data.seed)) return data.seed;
  const s = (data.sampler as { seed?: unknown } | null)?.seed;
  return typeof s === 'number' ? s : null;
}

interface Resume { path: string; buf: Buffer; state: FitState }

/** The io layer's errors about resumeFrom's file, said as fit's (same class, `fit: resumeFrom: PATH: ...`). */
function asResume<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const prefix = `loadCheckpoint: ${path}`;
    if (e instanceof Error && e.message.startsWith(prefix)) e.message = `fit: resumeFrom: ${path}${e.message.slice(prefix.length)}`;
    throw e;
  }
}

/** Read resumeFrom's checkpoint and its fit state; nothing is restored yet. */
function readResume(path: unknown): Resume {
  if (typeof path !== 'string' || path === '') throw new TypeError(`fit: resumeFrom must be a checkpoint's file path, got ${typeof path === 'string' ? 'an empty string' : typeof path}`);
  const buf = readFileSync(path, 'fit: resumeFrom');
  const peek = asResume(path, () => peekCheckpoint(buf, path));
  const st = peek.fit as FitState | undefined;
  if (!st || typeof st !== 'object' || st.format !== FIT_STATE) {
    throw new TypeError(`fit: resumeFrom: ${path} was not written by fit's checkpoint option (it holds no fit state); restore it with io.loadCheckpoint and a loop of your own`);
  }
  return { path, buf, state: st };
}

/** A resume that cannot continue the checkpoint's run as it was is an error naming what differs. */
function checkResume(r: Resume, o: { epochs: number; loss: LossName | null; stepsPerEpoch: number | null; dataSeed: number | null; stop: Stopper | null; scheduler: FitOptions['scheduler'] }): void {
  const st = r.state;
  const at = `fit: resumeFrom: ${r.path}`;
  if (st.epoch > o.epochs) throw new RangeError(`${at} holds ${st.epoch} epochs, more than epochs: ${o.epochs} (epochs is the run's total, not the epochs to add)`);
  if (st.loss !== o.loss) throw new TypeError(`${at}: the run trained with the loss ${st.loss ?? 'a function of your own'}, this fit has ${o.loss ?? 'a function of your own'}`);
  if (st.stepsPerEpoch !== null && o.stepsPerEpoch !== null && st.stepsPerEpoch !== o.stepsPerEpoch) {
    throw new RangeError(`${at}: the run had ${st.stepsPerEpoch} batches per epoch, this data gives ${o.stepsPerEpoch} (other data or another batchSize?)`);
  }
  if (st.dataSeed !== null && o.dataSeed !== null && st.dataSeed !== o.dataSeed) {
    throw new RangeError(`${at}: the run's DataLoader shuffled with seed ${st.dataSeed}, this one with ${o.dataSeed}: build it with { seed: ${st.dataSeed} }`);
  }
  if (JSON.stringify(st.earlyStopping) !== JSON.stringify(o.stop)) {
    throw new TypeError(`${at}: the run's earlyStopping was ${JSON.stringify(st.earlyStopping)}, this fit's is ${JSON.stringify(o.stop)}`);
  }
  if (st.scheduler !== null && o.scheduler === undefined) throw new TypeError(`${at}: the run had a scheduler (${st.scheduler}): pass one of the same kind as scheduler`);
  if (st.scheduler === null && o.scheduler !== undefined) throw new TypeError(`${at}: the run had no scheduler, this fit has a ${o.scheduler.constructor.name}`);
}

/** Restore model, optimizer, scheduler and the global generator from the checkpoint; the run's state to start from. */
function restore(r: Resume, model: Module, opts: FitOptions): RunState {
  if (isBusy(model) || isBusy(opts.optimizer)) throw new Error('fit: this model or optimizer is already being trained by another fit(); await it first');
  const got = asResume(r.path, () => checkpointFromBuffer(r.buf, { model, optimizer: opts.optimizer, ...(opts.scheduler ? { scheduler: opts.scheduler } : {}) }, r.path));
  const st = r.state;
  let bestState: Float32Array[] | null = null;
  if (st.stop.bestTensors > 0) {
    bestState = [];
    for (let i = 0; i < st.stop.bestTensors; i++) {
      const t = got.tensors?.[`fit.best.${i}`];
      if (!t) throw new TypeError(`fit: resumeFrom: ${r.path}: the best epoch's weights (fit.best.${i}) are missing`);
      bestState.push(t.data);
    }
  }
  return {
    epoch: st.epoch, globalStep: st.globalStep, rng: st.rng.map((x) => (x === null ? NaN : x)),
    history: st.history.map((e) => ({ ...e, loss: e.loss ?? NaN })),
    best: st.stop.best ?? Infinity, bestEpoch: st.stop.bestEpoch, wait: st.stop.wait, stopped: st.stop.stopped, bestState,
  };
}

/**
 * Write fit's checkpoint for the run at an epoch end (atomically: the previous file survives a crash mid-write).
 * The one place fit writes checkpoints (a distributed run calls it on rank 0 only).
 */
async function writeFitCheckpoint(ctx: Ctx, run: RunState): Promise<void> {
  const { opts, model } = ctx;
  const fitState: FitState = {
    format: FIT_STATE, epoch: run.epoch, globalStep: run.globalStep, seed: ctx.seed, rng: run.rng.map((x) => (Number.isNaN(x) ? null : x)),
    history: run.history, loss: ctx.lossName, stepsPerEpoch: ctx.train.stepsPerEpoch, dataSeed: ctx.dataSeed, earlyStopping: ctx.stop,
    stop: { best: Number.isFinite(run.best) ? run.best : null, bestEpoch: run.bestEpoch, wait: run.wait, stopped: run.stopped, bestTensors: run.bestState?.length ?? 0 },
    scheduler: opts.scheduler ? opts.scheduler.constructor.name : null,
  };
  const tensors: Record<string, Tensor> = {};
  run.bestState?.forEach((a, i) => { tensors[`fit.best.${i}`] = new Tensor(a, [a.length]); });
  await saveCheckpoint(ctx.checkpoint!.path, {
    model, optimizer: opts.optimizer, step: run.globalStep, epoch: run.epoch, rng: getRngState(), fit: fitState, extra: ctx.checkpoint!.extra,
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}), ...(run.bestState ? { tensors } : {}),
  });
}

interface Ctx {
  model: Module;
  /** Distributed training: the collectives fit runs between the ranks besides DDP's. */
  sync: RankSync | null;
  opts: FitOptions;
  epochs: number;
  train: Source;
  val: Source | null;
  indices: boolean;
  stop: Stopper | null;
  seed: number;
  progressIntervalMs: number;
  lossName: LossName | null;
  dataSeed: number | null;
  checkpoint: CheckpointPlan | null;
  /** The run to continue (resumeFrom), or null. */
  start: RunState | null;
}

/** An epoch's statistics, the steps so far and the run's generator state after it. */
interface EpochEnd { stats: EpochStats; globalStep: number; rng: number[] }

/** Where the steps run: the calling thread or a worker; the driver does not know which. */
interface Engine {
  readonly mode: FitHistory['mode'];
  /** Batches are handed over (copied unless fresh) rather than used in place. */
  readonly own: boolean;
  /** Called with the running statistics at most every progressIntervalMs within an epoch. */
  onRunning: ((epoch: number, r: Running) => void) | null;
  /** Ask the steps to stop soon (the driver then calls abort). */
  requestStop(): void;
  /** Start epoch `epoch` (0-based). */
  begin(epoch: number): Promise<void>;
  /**
   * The event-loop turn the next step would take first (the calling thread's time slicing), taken now: distributed
   * fit takes it while the step's agreement is in flight rather than after it (undefined: the engine takes none).
   */
  turn?(): Promise<void>;
  train(b: WireBatch): Promise<void>;
  evaluate(b: WireBatch): Promise<void>;
  /** The epoch's statistics (the model then holds the epoch-end weights), or null when a stop request got there first. */
  endEpoch(): Promise<EpochEnd | null>;
  /** Stop; the model then holds the weights of the last completed step. Returns the steps done. */
  abort(): Promise<number>;
  close(): void;
}

/**
 * Train model for `epochs` on `{ x, y }` tensors, a Dataset, a DataLoader or your own batches, in a worker thread when the
 * model allows it (else time-sliced on the calling thread), with progress, validation, early stopping, cancellation (signal),
 * a scheduler and gradient clipping (PyTorch has no fit: this is the loop you would write). Resolves to the per-epoch history.
 * @example
 * ```js
 * import { F, fit, manualSeed, nn, optim, randn, tensor } from 'neurite';
 * manualSeed(0);
 * const x = randn(64, 4);
 * const y = Int32Array.from({ length: 64 }, (_, i) => (x.data[i * 4] > 0 ? 1 : 0));
 * const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 2));
 * const optimizer = new optim.Adam(model.parameters(), { lr: 1e-2 });
 * const history = await fit(model, { x, y }, { epochs: 3, batchSize: 16, optimizer, loss: F.crossEntropy, worker: false });
 * console.log(history.loss.length, history.accuracy.length); // 3 3 (one entry per epoch)
 * ```
 */
export async function fit(given: Module, data: FitSource, opts: FitOptions): Promise<FitHistory> {
  if (!(given instanceof Module)) throw new TypeError('fit: model must be an nn.Module');
  if (!opts || typeof opts !== 'object') throw new TypeError('fit: options {epochs, batchSize, optimizer, loss} are required');
  options('fit', opts, FIT_KEYS, FIT_NOT_YET);
  const pg: Collectives | null = opts.distributed === undefined ? null : checkGroup(opts.distributed);
  if (given instanceof DistributedDataParallel && !pg) {
    throw new TypeError('fit: the model is a DistributedDataParallel: pass its process group as fit\'s { distributed: pg } option');
  }
  // the model whose steps run (a DDP model's module; its wrapper only adds the gradient all-reduce)
  const model = given instanceof DistributedDataParallel ? given.module : given;
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
  if (opts.batchSize !== undefined) positiveInt('batchSize', opts.batchSize);
  if (!(opts.optimizer instanceof Optimizer)) throw new TypeError('fit: optimizer must be an optim optimizer (SGD, Adam, ...)');
  const name: LossName | null = typeof opts.loss === 'string' ? opts.loss : lossName(opts.loss);
  if (typeof opts.loss === 'string' && !(opts.loss in LOSSES)) {
    throw new RangeError(`fit: unknown loss '${opts.loss}' (expected ${Object.keys(LOSSES).join(', ')} or a function)`);
  }
  if (typeof opts.loss !== 'function' && name === null) throw new TypeError('fit: loss must be a function such as F.crossEntropy');
  const lossFn = (name ? LOSSES[name] : opts.loss) as unknown as LossCall;
  if (opts.moduleArgs !== undefined && !Array.isArray(opts.moduleArgs)) throw new TypeError('fit: moduleArgs must be an array (the constructor\'s arguments)');
  if (opts.moduleArgs !== undefined && opts.moduleFile === undefined) throw new TypeError('fit: moduleArgs needs moduleFile (the file exporting your model\'s class)');
  if (opts.moduleFile !== undefined && opts.worker === false) throw new TypeError('fit: moduleFile is for a worker thread; with worker: false it would go unused');
  const mode = opts.worker ?? 'auto';
  const signal = opts.signal;
  const ckpt = checkpointOption(opts.checkpoint);
  const resume = opts.resumeFrom === undefined ? null : readResume(opts.resumeFrom);
  if (resume && opts.seed !== undefined && opts.seed !== resume.state.seed) {
    throw new RangeError(`fit: resumeFrom: ${resume.path}: the run's seed was ${resume.state.seed}, this fit's is ${opts.seed} (leave seed out to take the checkpoint's)`);
  }
  // a resumed run takes its seed from the checkpoint, without drawing from the global generator
  const seed = resume ? resume.state.seed : seedOrDraw('fit', opts.seed);
  const indices = name === 'crossEntropy' || name === 'nllLoss';
  // distributed: each rank takes its share of the samples (batchSize per rank, as PyTorch)
  const shard = (pad: boolean) => (pg ? { shard: { rank: pg.rank, worldSize: pg.worldSize, pad } } : {});
  const train = makeSource(data, { batchSize: opts.batchSize, shuffle: opts.shuffle, seed, ...shard(true) }, 'data');
  const vd = opts.validationData;
  // {x, y} and datasets are evaluated in batches of batchSize (256 when the training data brings its own)
  const val = vd === undefined ? null
    : makeSource(vd, { batchSize: isFitData(vd) || isDataset(vd) ? (opts.batchSize ?? 256) : undefined, shuffle: isFitData(vd) || isDataset(vd) ? false : undefined, seed, ...shard(false) }, 'validationData');
  const stop = stopper(opts.earlyStopping, val !== null);
  let clip: number | undefined;
  if (opts.clipGradNorm !== undefined) {
    if (!(typeof opts.clipGradNorm === 'number' && opts.clipGradNorm > 0)) throw new RangeError(`fit: clipGradNorm must be a number > 0 (the max norm), got ${String(opts.clipGradNorm)}`);
    clip = opts.clipGradNorm;
  }
  const sched = checkScheduler(opts);
  const progressIntervalMs = opts.progressIntervalMs ?? 100;
  const dataSeed = loaderSeed(data);
  if (resume) checkResume(resume, { epochs, loss: name, stepsPerEpoch: train.stepsPerEpoch, dataSeed, stop, scheduler: opts.scheduler });
  if (signal?.aborted) throw abortError(signal, makeHistory([], performance.now(), 'main', seed, 0, null, null), 0);
  // everything is checked: restore the run (model, optimizer, scheduler, global generator) before the steps take their copies
  const start = resume ? restore(resume, model, opts) : null;

  let why: string | null = null;
  let modelSrc: ModelSource | null = null;
  const described = describeModel(model);
  const optSpec = describeOptimizer(opts.optimizer, model.parameters());
  if (described.spec) modelSrc = { kind: 'spec', spec: described.spec };
  else if (opts.moduleFile !== undefined) {
    why = fileModelReason(model);
    if (!why) modelSrc = { kind: 'file', url: moduleUrl(opts.moduleFile), exportName: model.constructor.name, args: opts.moduleArgs ?? [] };
  } else why = `${described.reason} (give moduleFile, the file exporting the model's class, to train it in a worker)`;
  if (!why && typeof optSpec === 'string') why = optSpec;
  else if (!why && name === null) why = 'the loss is a custom function';
  else if (!why && sched) why = 'a learning-rate scheduler steps on the calling thread';
  if (!why && mode !== false) why = workerUnavailable('train/train-worker');
  if (pg && mode === 'auto') {
    // distributed: the calling thread unless worker: true (the steps there all-reduce DDP's buckets in place)
    if (why === null && pg.rank === 0) warnDistributedMain();
    why = DIST_MAIN;
  }
  if (mode === true && why) throw new TypeError(`fit: cannot train in a worker thread: ${why}`);

  const ctx: Ctx = { model, sync: pg ? new RankSync(pg) : null, opts, epochs, train, val, indices, stop, seed, progressIntervalMs, lossName: name, dataSeed, checkpoint: ckpt, start };
  const loop: LoopOptions = { seed, loss: name, ...(clip !== undefined ? { clipGradNorm: clip } : {}),
    ...(start ? { resume: { epoch: start.epoch, globalStep: start.globalStep, rng: start.rng } } : {}) };
  const { step, release } = claim(model, opts.optimizer);
  try {
    const dist = pg ? await wrap(given, pg) : null;
    try {
      const engine = mode !== false && why === null
        ? new WorkerEngine(model, opts, { type: 'start', backend: backend(), precision, model: modelSrc!, state: snapshotState(model),
          optimizer: optSpec as OptimizerSpec, loop, progressIntervalMs, abort: new SharedArrayBuffer(8), handshake: opts.onProgress !== undefined,
          dist: pg ? { rank: pg.rank, worldSize: pg.worldSize, scaled: pg.allReduceScaled !== undefined } : null },
          pg && ctx.sync ? { pg, sync: ctx.sync } : null)
        : new LocalEngine(model, new Trainer(model, model.parameters(), step, lossFn, loop, sched ?? undefined), progressIntervalMs, precision,
          dist && ctx.sync ? { ddp: dist.ddp, sync: ctx.sync } : null);
      trace.begin();
      try {
        return await drive(ctx, engine);
      } finally {
        trace.write('main', engine.mode);
        engine.close();
      }
    } finally {
      if (dist?.own) dist.ddp.detachHooks();
    }
  } finally {
    release();
  }
}

/** Why distributed fit runs its steps on the calling thread unless asked otherwise. */
const DIST_MAIN = 'distributed training runs its steps on the calling thread unless worker: true (there DDP all-reduces its buckets where backward wrote them; a worker thread relays its collectives through the calling thread)';
let warnedDistMain = false;
/** Said once per process, on rank 0, when fit would otherwise have picked a worker thread. */
function warnDistributedMain(): void {
  if (warnedDistMain) return;
  warnedDistMain = true;
  process.emitWarning(`fit: ${DIST_MAIN}; history.mode is 'main'. Pass worker: false to say so and silence this, or worker: true for a worker thread.`, { code: 'NEURITE_FIT_DISTRIBUTED_MAIN' });
}

function makeHistory(epochs: EpochStats[], t0: number, mode: FitHistory['mode'], seed: number, steps: number,
  stop: { best: number | null; stopped: boolean } | null, resumedFrom: number | null): FitHistory {
  const durationMs = performance.now() - t0;
  // samples per second of this call: the epochs it trained
  const samples = epochs.slice(resumedFrom ?? 0).reduce((n, e) => n + e.samples, 0);
  const col = (k: 'accuracy' | 'valLoss' | 'valAccuracy'): number[] | null => (epochs.length && epochs.every((e) => e[k] !== null) ? epochs.map((e) => e[k] as number) : null);
  return {
    epochs, loss: epochs.map((e) => e.loss), accuracy: col('accuracy'), valLoss: col('valLoss'), valAccuracy: col('valAccuracy'),
    bestEpoch: stop?.best ?? null, stoppedEarly: stop?.stopped ?? false,
    samplesPerSec: samples > 0 ? samples / (durationMs / 1000) : 0, steps, durationMs, mode, seed, resumedFrom,
  };
}

async function next(it: Iterator<unknown> | AsyncIterator<unknown>): Promise<IteratorResult<unknown>> {
  const r = it.next();
  return r instanceof Promise ? await r : (r as IteratorResult<unknown>);
}

/** The one training loop over epochs and batches, for both engines. */
async function drive(ctx: Ctx, engine: Engine): Promise<FitHistory> {
  const { model, opts, epochs, train, val, indices, stop, sync } = ctx;
  const { signal, onProgress } = opts;
  const t0 = performance.now();
  const start = ctx.start;
  const history: EpochStats[] = start ? start.history.slice() : [];
  let userError: unknown = null;
  let globalStep = start?.globalStep ?? 0;
  let best = start?.best ?? Infinity;
  let bestEpoch: number | null = start?.bestEpoch ?? null;
  let bestState: Float32Array[] | null = start?.bestState ?? null;
  let wait = start?.wait ?? 0;
  let stopped = start?.stopped ?? false;
  // a shorter run whose last epoch used up the patience: with more epochs it would have stopped there
  if (start && stop && start.epoch < epochs && wait >= Math.max(1, stop.patience)) stopped = true;
  const stopRequested = (): boolean => userError !== null || signal?.aborted === true;
  const totalSteps = train.stepsPerEpoch === null ? null : train.stepsPerEpoch * epochs;
  const report = (p: FitProgress): void => {
    if (!onProgress || stopRequested()) return; // no callback once a stop was asked for
    try { onProgress(p); } catch (e) { userError = e; engine.requestStop(); }
  };
  const progress = (epoch: number, r: Running): void => report({
    epoch, epochs, step: r.step, stepsPerEpoch: train.stepsPerEpoch, globalStep: r.globalStep, totalSteps,
    loss: r.loss, accuracy: r.accuracy, valLoss: null, valAccuracy: null, samplesPerSec: r.samplesPerSec, epochEnd: false,
  });
  const hist = (): FitHistory => makeHistory(history.slice(), t0, engine.mode, ctx.seed, globalStep, stop ? { best: bestEpoch, stopped } : null, start?.epoch ?? null);
  const halt = async (it?: Iterator<unknown> | AsyncIterator<unknown>, others?: number[]): Promise<never> => {
    await it?.return?.();
    const steps = await engine.abort();
    globalStep = steps;
    if (userError !== null) throw userError;
    if (others && signal?.aborted !== true) {
      // another rank stopped: this one stops at the same step, with the same error's shape
      const e = abortError(undefined, hist(), steps);
      e.cause = new Error(`fit: rank ${others.join(', ')} stopped (aborted, or its onProgress threw); every rank stops at the same step`);
      throw e;
    }
    throw abortError(signal, hist(), steps);
  };
  engine.onRunning = progress;
  for (let e = start?.epoch ?? 0; e < epochs && !stopped; e++) {
    if (!sync && stopRequested()) await halt(); // distributed: at the next step's agreement, on every rank
    await engine.begin(e);
    const it = train.open(e);
    let n = 0;
    for (;;) {
      trace.mark('start');
      if (!sync && stopRequested()) await halt(it);
      const r = await next(it);
      trace.mark('data');
      if (sync) {
        // every rank takes a step, or none does: so a rank never waits alone in an all-reduce
        const agreeing = sync.agree(stopRequested(), !r.done);
        if (engine.turn) {
          agreeing.catch(() => {}); // awaited below: not an unhandled rejection while the turn runs
          await engine.turn();
        }
        const a = await agreeing;
        if (a.stopping.length > 0) await halt(it, a.stopping);
        if (a.withBatch !== 0 && a.withBatch !== sync.pg.worldSize) {
          await it.return?.();
          throw new RangeError(`fit: the ranks' data gave different numbers of batches in epoch ${e + 1}: at step ${n + 1}, ` +
            `${sync.pg.worldSize - a.withBatch} of ${sync.pg.worldSize} ranks had none (this is rank ${sync.pg.rank}, ${r.done ? 'without' : 'with'} one). ` +
            'Under distributed, every rank must give the same number of batches per epoch ({x, y}, datasets and DataLoaders over one are shared out evenly)');
        }
        if (a.withBatch === 0) break;
        trace.mark('agree');
      } else if (r.done) break;
      await engine.train(wireBatch(r.value, indices, train.fresh, engine.own, 'data'));
      trace.endStep();
      n++;
    }
    if (n === 0) {
      throw new RangeError(`fit: the data gave no batches in epoch ${e + 1}${e > 0 ? ' (a generator can be read only once: pass a function (epoch) => generator, or a DataLoader)' : ''}`);
    }
    if (val) {
      const vit = val.open(0);
      let m = 0;
      for (;;) {
        const r = await next(vit);
        if (r.done) break;
        await engine.evaluate(wireBatch(r.value, indices, val.fresh, engine.own, 'validationData'));
        m++;
      }
      if (m === 0 && !sync) throw new RangeError(`fit: validationData gave no batches at the end of epoch ${e + 1}`); // a rank's share may be empty
    }
    const end = await engine.endEpoch();
    if (!end) await halt();
    const { stats, globalStep: gs, rng } = end!;
    globalStep = gs;
    history.push(stats);
    if (stop) {
      const v = stats[stop.monitor];
      if (v === null) throw new TypeError(`fit: earlyStopping monitors '${stop.monitor}', which this loss does not report`);
      const score = stop.monitor.endsWith('ccuracy') ? -v : v;
      if (score < best - stop.minDelta) {
        best = score;
        bestEpoch = stats.epoch;
        wait = 0;
        if (stop.restoreBest) bestState = snapshotState(model);
      } else if (++wait >= stop.patience) { // as Keras and Lightning: patience 0 and 1 both stop at the first epoch without improvement
        stopped = e + 1 < epochs;
      }
    }
    report({
      epoch: stats.epoch, epochs, step: train.stepsPerEpoch ?? n, stepsPerEpoch: train.stepsPerEpoch, globalStep, totalSteps,
      loss: stats.loss, accuracy: stats.accuracy, valLoss: stats.valLoss, valAccuracy: stats.valAccuracy, samplesPerSec: stats.samplesPerSec, epochEnd: true,
    });
    // distributed: a stop before the last epoch's end waits for the next step's agreement (the other ranks are headed there)
    if (stopRequested() && (!sync || stopped || e + 1 === epochs)) await halt();
    // after onProgress, so a run it stops (a diverged loss) leaves the previous checkpoint; distributed: rank 0
    // writes it (every rank holds the same weights, optimizer state and generators), every rank reads it to resume
    if (ctx.checkpoint && !stopRequested() && (!sync || sync.pg.rank === 0) && ((e + 1) % ctx.checkpoint.every === 0 || e + 1 === epochs || stopped)) {
      await writeFitCheckpoint(ctx, { epoch: e + 1, globalStep, rng, history: history.slice(), best, bestEpoch, wait, stopped, bestState });
    }
  }
  if (bestState) applyState(model, bestState);
  return hist();
}

/** Steps on the calling thread, a few milliseconds of them per event-loop turn. */
class LocalEngine implements Engine {
  readonly mode = 'main' as const;
  readonly own = false;
  onRunning: ((epoch: number, r: Running) => void) | null = null;
  private flags: boolean[] | null = null;
  private sliceStart = performance.now();
  private lastReport = performance.now();

  constructor(private readonly model: Module, private readonly t: Trainer, private readonly interval: number,
    private readonly precision: Float32MatmulPrecision,
    private readonly dist: { ddp: DistributedDataParallel; sync: RankSync } | null = null) {}

  /** Between slices the model is as the caller left it (forwardAsync may run). */
  private leave(): void {
    if (this.flags) setTrainingFlags(this.model, this.flags);
    this.flags = null;
  }

  turn(): Promise<void> {
    return this.yieldTurn();
  }

  private async yieldTurn(): Promise<void> {
    if (performance.now() - this.sliceStart < SLICE_MS) return;
    this.leave();
    await tick();
    this.sliceStart = performance.now();
  }

  async begin(): Promise<void> {
    this.t.beginEpoch();
    this.lastReport = performance.now();
    await this.yieldTurn();
  }

  async train(b: WireBatch): Promise<void> {
    await this.yieldTurn();
    trace.mark('yield');
    if (!this.flags) { this.flags = trainingFlags(this.model); this.model.train(); }
    // the precision holds inside the step only: code between slices keeps its own
    if (this.dist) {
      const ddp = this.dist.ddp;
      await this.t.trainBatchSynced(b, () => ddp.syncGradients(), (f) => withFloat32MatmulPrecision(this.precision, f));
    } else withFloat32MatmulPrecision(this.precision, () => this.t.trainBatch(b));
    if (this.onRunning && performance.now() - this.lastReport >= this.interval) {
      this.lastReport = performance.now();
      this.onRunning(this.t.epoch + 1, { ...this.t.running(), globalStep: this.t.globalStep });
    }
  }

  async evaluate(b: WireBatch): Promise<void> {
    this.leave();
    await this.yieldTurn();
    withFloat32MatmulPrecision(this.precision, () => this.t.evalBatch(b));
  }

  async endEpoch(): Promise<EpochEnd> {
    this.leave();
    // distributed: the statistics of every rank's samples, the same on every rank
    const combined = this.dist ? await this.dist.sync.combine(this.t.epochSums()) : undefined;
    return { stats: this.t.endEpoch(combined), globalStep: this.t.globalStep, rng: this.t.rngState() };
  }

  requestStop(): void {}

  async abort(): Promise<number> {
    this.leave();
    return this.t.globalStep;
  }

  close(): void {
    this.leave();
  }
}

/** Steps in a worker thread: batches streamed to it in groups, a few groups in flight. */
class WorkerEngine implements Engine {
  readonly mode = 'worker' as const;
  readonly own = true;
  onRunning: ((epoch: number, r: Running) => void) | null = null;
  private readonly w;
  private readonly abortFlag: Int32Array;
  private group: WireBatch[] = [];
  private groupPhase: 'train' | 'val' = 'train';
  private groupBytes = 0;
  private inFlight = 0;
  private failure: Error | null = null;
  private waiters: (() => void)[] = [];
  private epochReply: ({ stats: EpochStats } & Sync) | null = null;
  private abortReply: Sync | null = null;
  private epoch = 0;
  private readonly signal: AbortSignal | undefined;
  private readonly onSignal = (): void => this.requestStop();
  // distributed: the worker's model is wrapped; steps posted and synchronised; its epoch sums
  private ready = false;
  private posted = 0;
  private synced = 0;
  private sumsReply: number[] | null = null;

  /**
   * `dist`: distributed training. The worker's collectives come here ('coll') and run on `pg` in the worker's order;
   * each step is posted alone and awaited until its gradients are synchronised, so the collectives of the calling
   * thread (fit's agreement, the epoch's statistics) and the worker's keep one order on every rank.
   */
  constructor(private readonly model: Module, private readonly opts: FitOptions, start: StartMessage,
    private readonly dist: { pg: Collectives; sync: RankSync } | null = null) {
    this.abortFlag = new Int32Array(start.abort);
    this.signal = opts.signal;
    // distributed: an abort stops every rank at the next agreement (fit's loop), not this worker alone
    if (!dist) this.signal?.addEventListener('abort', this.onSignal, { once: true });
    this.w = spawnLibWorker('train/train-worker');
    this.w.on('message', (m: WorkerMessage) => this.onMessage(m));
    this.w.on('error', (e) => this.fail(e));
    this.w.on('exit', (code) => this.fail(new Error(`fit: the training worker stopped (exit code ${code}) before finishing`)));
    this.w.postMessage(start, [...start.state.map((s) => s.buffer), ...stateBuffers(start.optimizer.state)] as ArrayBuffer[]);
  }

  private onMessage(m: WorkerMessage): void {
    switch (m.type) {
      case 'coll': this.relay(m); return;
      case 'ready': this.ready = true; break;
      case 'stepSynced': this.synced++; break;
      case 'sums': this.sumsReply = m.sums; break;
      case 'credit': this.inFlight--; break;
      case 'progress':
        try {
          this.onRunning?.(this.epoch, m.r);
        } finally {
          // the worker waits for this before its next step (handshake): onProgress has had its say
          Atomics.store(this.abortFlag, 1, m.seq);
          Atomics.notify(this.abortFlag, 1);
        }
        break;
      case 'epoch': this.epochReply = m; break;
      case 'aborted': this.abortReply = m; break;
      case 'error': {
        const C = m.name === 'TypeError' ? TypeError : m.name === 'RangeError' ? RangeError : Error;
        const e = new C(m.message);
        if (m.stack) e.stack = m.stack;
        this.fail(e);
        return;
      }
    }
    this.wake();
  }

  /** A collective the worker asks for, on the process group, in the order asked; its result goes back. */
  private relay(m: Extract<WorkerMessage, { type: 'coll' }>): void {
    const pg = this.dist?.pg;
    let p: Promise<Float32Array>;
    if (!pg) p = Promise.reject(new Error('fit: no process group'));
    else if (m.op === 'allReduce') p = pg.allReduce(m.data, 'sum');
    else if ((m.op === 'allReduceScaled' || m.op === 'allReduceSharedScaled') && pg.allReduceScaled) p = pg.allReduceScaled(m.data, m.scale);
    else if (m.op === 'broadcast') p = pg.broadcast(m.data, m.root);
    else if (m.op === 'allGather') p = pg.allGather(m.data).then((t) => t.data);
    else p = Promise.reject(new Error(`fit: the process group has no ${m.op}`));
    p.then((d) => {
      // a bucket in the worker's SharedArrayBuffer: reduced in place
      if (m.op === 'allReduceSharedScaled') { this.post({ type: 'collDone', id: m.id, data: null, inPlace: true }); return; }
      const own = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
      this.post({ type: 'collDone', id: m.id, data: own }, [own.buffer as ArrayBuffer]);
    }, (e: unknown) => {
      this.post({ type: 'collDone', id: m.id, data: null, error: e instanceof Error ? e.message : String(e) });
    });
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    this.wake();
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  private async until(cond: () => boolean): Promise<void> {
    while (!cond()) {
      if (this.failure) throw this.failure;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.failure) throw this.failure;
  }

  private post(m: MainMessage, transfer: ArrayBuffer[] = []): void {
    this.w.postMessage(m, transfer);
  }

  private async flush(): Promise<void> {
    if (this.group.length === 0) return;
    const items = this.group;
    const transfer: ArrayBuffer[] = [];
    for (const b of items) transfer.push(b.x.buffer as ArrayBuffer, b.y.buffer as ArrayBuffer);
    this.group = [];
    this.groupBytes = 0;
    this.inFlight++;
    this.post({ type: 'batches', phase: this.groupPhase, items }, transfer);
    await this.until(() => this.inFlight < WINDOW);
  }

  private async push(phase: 'train' | 'val', b: WireBatch): Promise<void> {
    if (this.failure) throw this.failure;
    if (phase !== this.groupPhase) { await this.flush(); this.groupPhase = phase; }
    this.group.push(b);
    this.groupBytes += b.x.byteLength + b.y.byteLength;
    if (this.group.length >= GROUP_BATCHES || this.groupBytes >= GROUP_BYTES) await this.flush();
  }

  async begin(epoch: number): Promise<void> {
    this.epoch = epoch + 1;
    // distributed: the worker's DDP handshake first (its collectives), then fit's own
    if (this.dist) await this.until(() => this.ready);
    this.post({ type: 'begin' });
  }

  async train(b: WireBatch): Promise<void> {
    if (!this.dist) return this.push('train', b);
    // distributed: one step at a time, until its gradients are synchronised
    if (this.failure) throw this.failure;
    await this.flush();
    const want = ++this.posted;
    this.inFlight++;
    this.post({ type: 'batches', phase: 'train', items: [b] }, [b.x.buffer as ArrayBuffer, b.y.buffer as ArrayBuffer]);
    await this.until(() => this.synced >= want || this.abortReply !== null);
  }

  evaluate(b: WireBatch): Promise<void> {
    return this.push('val', b);
  }

  private take(s: Sync): void {
    applyState(this.model, s.state);
    importState(this.opts.optimizer, s.optState);
  }

  async endEpoch(): Promise<EpochEnd | null> {
    await this.flush();
    if (this.dist) {
      // the statistics of every rank's samples, the same on every rank (as on the calling thread)
      this.sumsReply = null;
      this.post({ type: 'sums' });
      await this.until(() => this.sumsReply !== null || this.abortReply !== null);
      if (this.sumsReply === null) return null;
      this.post({ type: 'endEpoch', combined: await this.dist.sync.combine(this.sumsReply) });
    } else this.post({ type: 'endEpoch' });
    await this.until(() => this.epochReply !== null || this.abortReply !== null);
    if (!this.epochReply) return null; // the worker stopped on the abort flag before the epoch's end
    const r = this.epochReply;
    this.epochReply = null;
    this.take(r);
    return { stats: r.stats, globalStep: r.globalStep, rng: r.rng };
  }

  requestStop(): void {
    Atomics.store(this.abortFlag, 0, 1);
  }

  async abort(): Promise<number> {
    this.requestStop();
    this.group = [];
    this.post({ type: 'abort' });
    await this.until(() => this.abortReply !== null);
    this.take(this.abortReply!);
    return this.abortReply!.globalStep;
  }

  close(): void {
    this.signal?.removeEventListener('abort', this.onSignal);
    this.failure ??= new Error('fit: closed');
    this.w.removeAllListeners('exit');
    Atomics.store(this.abortFlag, 1, 0x7fffffff); // release a worker waiting on a report handshake
    Atomics.notify(this.abortFlag, 1);
    void this.w.terminate();
  }
}
