/**
 * Training checkpoints: one safetensors file holding the model (`model.<name>`), the optimizer
 * state (`optimizer.<param index>.<name>`), the data order (`data.order`, I32), more tensors
 * (`extra.<name>`) and, in the metadata, the step, epoch, RNG state, optimizer scalars and
 * hyper-parameters, the scheduler and fit's own state. Written
 * atomically, so a crash mid-save keeps the previous checkpoint; restoring weights, optimizer
 * and RNG makes a resumed run continue bit for bit.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer.js';
import { Tensor, fmtShape } from '../tensor.js';
import { getRngState, setRngState } from '../random.js';
import { decodeToFloat32, encodeFromFloat32 } from './dtypes.js';
import { encodeRaw, parseSafetensors, type ParsedSafetensors, type RawEntry } from './safetensors.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import { readFile, readFileSync } from './fsutil.js';
import { options } from '../options.js';
import { ChainedScheduler, LRScheduler, ReduceLROnPlateau, SequentialLR, type Scheduler } from '../optim/lr-scheduler.js';

const isScheduler = (s: unknown): s is Scheduler =>
  s instanceof LRScheduler || s instanceof SequentialLR || s instanceof ChainedScheduler || s instanceof ReduceLROnPlateau;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

/** Where the data stream stands: the sample order of the current epoch and the next position in it. */
export interface DataState { order?: ArrayLike<number>; position?: number }

/** What saveCheckpoint writes: model, step (required), optimizer, epoch, rng (default: the generator's state now), data position, scheduler, extra JSON. */
export interface CheckpointInput {
  model: Module;
  optimizer?: AnyOptimizer;
  /** Optimizer steps taken so far. */
  step: number;
  epoch?: number;
  /** The random generator's state; default: its state now (getRngState()). */
  rng?: readonly number[];
  data?: DataState;
  /** A learning-rate scheduler (optim.lrScheduler): its stateDict() is saved, loadCheckpoint restores it. */
  scheduler?: Scheduler;
  /** Anything JSON can hold (the run's configuration...). */
  extra?: unknown;
  /** More tensors to keep (an EMA of the weights, fit's best-epoch weights...), saved as `extra.<name>`; loadCheckpoint returns them as `tensors`. */
  tensors?: Record<string, Tensor>;
  /** fit's own state (epoch, history, early stopping, the run's generator), written by fit's `checkpoint` option for `resumeFrom`. */
  fit?: unknown;
}

/** What loadCheckpoint returns besides restoring: step, epoch, rng state, data `{ order, position }`, extra. */
export interface LoadedCheckpoint {
  step: number;
  epoch?: number;
  rng: number[];
  data?: { order?: Int32Array; position?: number };
  extra?: unknown;
  /** The checkpoint's `tensors` (float32), when it holds any. */
  tensors?: Record<string, Tensor>;
  /** fit's own state, when fit wrote the checkpoint. */
  fit?: unknown;
}

/** What loadCheckpoint restores into: model (required), optimizer, scheduler, restoreRng (default true). */
export interface LoadOptions {
  model: Module;
  optimizer?: AnyOptimizer;
  /** A scheduler of the same kind as the saved one, restored so the learning rates continue exactly. */
  scheduler?: Scheduler;
  /** Set the global random generator to the saved state (as torch.set_rng_state). @defaultValue true */
  restoreRng?: boolean;
}

const FORMAT = 'neurite-checkpoint/1';

interface StateJson {
  step: number;
  epoch?: number;
  rng: (number | null)[];
  position?: number;
  extra?: unknown;
  fit?: unknown;
  optimizer?: { type: string; paramGroups: unknown[]; scalars: Record<string, Record<string, number>> };
  scheduler?: { type: string; state: Record<string, unknown> };
}

function checkOptimizer(op: string, opt: unknown): void {
  if (opt === undefined) return;
  const o = opt as { params?: unknown; state?: unknown };
  if (opt === null || typeof opt !== 'object' || !Array.isArray(o.params) || !(o.state instanceof Map)) {
    throw new TypeError(`${op}: optimizer must be an optim optimizer (SGD, Adam, ...)`);
  }
}

function count(op: string, name: string, v: unknown, optional: boolean): void {
  if (v === undefined && optional) return;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new RangeError(`${op}: ${name} must be a non-negative integer, got ${String(v)}`);
}

/**
 * Encode a checkpoint (taken now: training may go on while it is written).
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * const model = new nn.Linear(2, 1);
 * const buf = io.checkpointToBuffer({ model, step: 5 }); // the bytes saveCheckpoint writes
 * console.log(io.checkpointFromBuffer(buf, { model }).step); // 5
 * ```
 */
export function checkpointToBuffer(input: CheckpointInput): Buffer {
  const op = 'saveCheckpoint';
  if (!input || typeof input !== 'object' || typeof input.model?.stateDict !== 'function') throw new TypeError(`${op}: expected {model, optimizer?, step, ...}`);
  options(op, input, ['model', 'optimizer', 'scheduler', 'step', 'epoch', 'rng', 'data', 'extra', 'tensors', 'fit']);
  checkOptimizer(op, input.optimizer);
  if (input.data !== undefined) options(`${op}: data`, input.data, ['order', 'position']);
  count(op, 'step', input.step, false);
  count(op, 'epoch', input.epoch, true);
  count(op, 'data.position', input.data?.position, true);
  const rng = input.rng ?? getRngState();
  if (rng.length !== 5) throw new RangeError(`${op}: rng must be 5 numbers (getRngState()), got ${rng.length}`);
  const raw: RawEntry[] = [];
  for (const [k, t] of Object.entries(input.model.stateDict())) {
    const dtype = /(^|\.)num_batches_tracked$/.test(k) ? 'I64' : 'F32';
    raw.push({ key: `model.${k}`, dtype, shape: t.shape, bytes: encodeFromFloat32(dtype, t.data, k) });
  }
  const state: StateJson = { step: input.step, epoch: input.epoch, rng: rng.map((x) => (Number.isNaN(x) ? null : x)),
    position: input.data?.position, extra: input.extra, fit: input.fit };
  if (input.tensors !== undefined) {
    if (input.tensors === null || typeof input.tensors !== 'object') throw new TypeError(`${op}: tensors must be an object of named Tensors`);
    for (const [k, t] of Object.entries(input.tensors)) {
      if (!(t instanceof Tensor)) throw new TypeError(`${op}: tensors.${k} must be a Tensor`);
      raw.push({ key: `extra.${k}`, dtype: 'F32', shape: t.shape, bytes: encodeFromFloat32('F32', t.data, k) });
    }
  }
  if (input.optimizer) {
    const opt = input.optimizer;
    const scalars: Record<string, Record<string, number>> = {};
    // what Optimizer.stateDict() holds, read from the live Float32Arrays (stateDict's number[] copies are slow for big models)
    opt.params.forEach((p, i) => {
      for (const [name, v] of Object.entries(opt.state.get(p) ?? {})) {
        if (typeof v === 'number') (scalars[i] ??= {})[name] = v;
        else raw.push({ key: `optimizer.${i}.${name}`, dtype: 'F32', shape: p.shape, bytes: encodeFromFloat32('F32', v, name) });
      }
    });
    state.optimizer = { type: opt.constructor.name, paramGroups: opt.paramGroupsDict(), scalars };
  }
  if (input.scheduler !== undefined) {
    if (!isScheduler(input.scheduler)) throw new TypeError(`${op}: scheduler must be an optim.lrScheduler scheduler (StepLR, OneCycleLR, ...)`);
    state.scheduler = { type: input.scheduler.constructor.name, state: input.scheduler.stateDict() };
  }
  if (input.data?.order !== undefined) {
    const order = Int32Array.from(input.data.order);
    raw.push({ key: 'data.order', dtype: 'I32', shape: [order.length], bytes: new Uint8Array(order.buffer) });
  }
  let json: string;
  try {
    json = JSON.stringify(state);
  } catch (e) {
    throw new TypeError(`${op}: extra must be JSON-serialisable (${(e as Error).message})`);
  }
  return encodeRaw(raw, { format: 'pt', 'neurite.format': FORMAT, 'neurite.state': json });
}

/**
 * Save a checkpoint atomically: the previous file at `path` survives a crash mid-save.
 * @example
 * ```js
 * import { io, nn, optim } from 'neurite';
 * const model = new nn.Linear(4, 1);
 * const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * await io.saveCheckpoint('run.ckpt', { model, optimizer, step: 100, epoch: 2, extra: { note: 'warm-up done' } });
 * const ck = await io.loadCheckpoint('run.ckpt', { model, optimizer }); // restores model, optimizer and the generator
 * console.log(ck.step, ck.epoch, ck.extra); // 100 2 { note: 'warm-up done' }
 * ```
 */
export async function saveCheckpoint(path: string, input: CheckpointInput): Promise<void> {
  await writeFileAtomic(path, checkpointToBuffer(input));
}

/**
 * saveCheckpoint, synchronously: one atomic safetensors file with the model, optimizer, scheduler, RNG and data position.
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * const model = new nn.Linear(4, 1);
 * io.saveCheckpointSync('run.ckpt', { model, step: 1 });
 * console.log(io.loadCheckpointSync('run.ckpt', { model }).step); // 1
 * ```
 */
export function saveCheckpointSync(path: string, input: CheckpointInput): void {
  writeFileAtomicSync(path, checkpointToBuffer(input));
}

function readCheckpoint(buf: Uint8Array, op: string, source: string): ParsedSafetensors & { state: StateJson } {
  const parsed = parseSafetensors(buf, source);
  const { metadata } = parsed;
  if (metadata['neurite.format'] !== FORMAT) {
    throw new TypeError(`${op}: not a neurite checkpoint (metadata neurite.format is ${JSON.stringify(metadata['neurite.format'])}, expected '${FORMAT}'); a plain state dict loads with loadSafetensors`);
  }
  let state: StateJson;
  try {
    state = JSON.parse(metadata['neurite.state']);
  } catch {
    throw new TypeError(`${op}: the checkpoint state in the metadata is not valid JSON`);
  }
  count(op, 'step', state?.step, false);
  if (!Array.isArray(state.rng) || state.rng.length !== 5) throw new TypeError(`${op}: the saved RNG state is malformed`);
  return { ...parsed, state };
}

/** A checkpoint's step, epoch and fit state without restoring anything (fit checks a resume against them first). */
export function peekCheckpoint(buf: Uint8Array, source = 'buffer'): { step: number; epoch?: number; fit?: unknown; extra?: unknown } {
  const { state } = readCheckpoint(buf, `loadCheckpoint: ${source}`, source);
  return { step: state.step, epoch: state.epoch, fit: state.fit, extra: state.extra };
}

/**
 * Restore a checkpoint into `model` (and `optimizer`, and the RNG). Everything is checked
 * before anything changes: a checkpoint of another architecture or optimizer changes nothing.
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * const a = new nn.Linear(2, 1), b = new nn.Linear(2, 1);
 * io.checkpointFromBuffer(io.checkpointToBuffer({ model: a, step: 1 }), { model: b });
 * console.log(b.weight.toArray().join() === a.weight.toArray().join()); // true
 * ```
 */
export function checkpointFromBuffer(buf: Uint8Array, opts: LoadOptions, source = 'buffer'): LoadedCheckpoint {
  const op = `loadCheckpoint: ${source}`;
  if (!opts || typeof opts.model?.loadStateDict !== 'function') throw new TypeError('loadCheckpoint: expected {model, optimizer?}');
  options('loadCheckpoint', opts, ['model', 'optimizer', 'scheduler', 'restoreRng']);
  checkOptimizer('loadCheckpoint', opts.optimizer);
  if (opts.restoreRng !== undefined && typeof opts.restoreRng !== 'boolean') throw new TypeError('loadCheckpoint: restoreRng must be a boolean');
  const { entries, data, state } = readCheckpoint(buf, op, source);
  const model = new Map<string, Tensor>();
  const optArrays = new Map<string, Record<string, Float32Array>>();
  let order: Int32Array | undefined;
  const tensors: Record<string, Tensor> = {};
  let anyTensors = false;
  for (const [key, e] of entries) {
    const bytes = data.subarray(e.begin, e.end);
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (key.startsWith('model.')) model.set(key.slice(6), new Tensor(decodeToFloat32(e.dtype, bytes, n, true), e.shape)); // views: copied into the model below
    else if (key.startsWith('optimizer.')) {
      const m = /^optimizer\.(\d+)\.(.+)$/.exec(key);
      if (!m) throw new TypeError(`${op}: unexpected tensor name '${key}'`);
      (optArrays.get(m[1]) ?? optArrays.set(m[1], {}).get(m[1])!)[m[2]] = decodeToFloat32(e.dtype, bytes, n, true);
    } else if (key.startsWith('extra.')) {
      tensors[key.slice(6)] = new Tensor(decodeToFloat32(e.dtype, bytes, n, false), e.shape);
      anyTensors = true;
    } else if (key === 'data.order' && e.dtype === 'I32') {
      order = new Int32Array(n);
      new Uint8Array(order.buffer).set(bytes);
    } else throw new TypeError(`${op}: unexpected tensor name '${key}'`);
  }
  checkModelFits(opts.model, model, op);
  const opt = opts.optimizer;
  let optSd: OptimizerStateDict | null = null;
  if (opt) {
    const saved = state.optimizer;
    if (!saved) throw new RangeError(`${op}: the checkpoint holds no optimizer state, but an optimizer was given`);
    if (saved.type !== opt.constructor.name) throw new TypeError(`${op}: the checkpoint holds ${saved.type} state, the optimizer is ${opt.constructor.name}`);
    const st: OptimizerStateDict['state'] = {};
    for (const i of new Set([...Object.keys(saved.scalars ?? {}), ...optArrays.keys()])) {
      const p = opt.params[Number(i)];
      if (!p) throw new RangeError(`${op}: optimizer state for parameter ${i}, but the optimizer has ${opt.params.length} parameters`);
      const arrays = optArrays.get(i) ?? {};
      for (const [name, a] of Object.entries(arrays)) {
        if (a.length !== p.size) throw new RangeError(`${op}: optimizer '${name}' of parameter ${i} has ${a.length} values, the parameter has ${p.size}`);
      }
      // Float32Array where the state dict type says number[]: loadStateDict copies with Float32Array.from either way
      st[Number(i)] = { ...(saved.scalars?.[i] ?? {}), ...(arrays as unknown as Record<string, number[]>) };
    }
    if (!Array.isArray(saved.paramGroups)) throw new TypeError(`${op}: malformed optimizer param groups`);
    if (saved.paramGroups.length !== opt.paramGroups.length) {
      throw new RangeError(`${op}: the checkpoint's optimizer has ${saved.paramGroups.length} parameter groups, this one ${opt.paramGroups.length}`);
    }
    saved.paramGroups.forEach((g, gi) => {
      const ids = (g as { params?: unknown })?.params;
      if (ids !== undefined && (!Array.isArray(ids) || ids.length !== opt.paramGroups[gi].params.length)) {
        throw new RangeError(`${op}: the checkpoint's optimizer group ${gi} has ${Array.isArray(ids) ? ids.length : '?'} parameters, this one ${opt.paramGroups[gi].params.length}`);
      }
    });
    optSd = { state: st, param_groups: saved.paramGroups as OptimizerStateDict['param_groups'] };
  }
  const sch = opts.scheduler;
  if (sch !== undefined) {
    if (!isScheduler(sch)) throw new TypeError(`${op}: scheduler must be an optim.lrScheduler scheduler (StepLR, OneCycleLR, ...)`);
    if (!state.scheduler) throw new RangeError(`${op}: the checkpoint holds no scheduler state, but a scheduler was given`);
    if (state.scheduler.type !== sch.constructor.name) throw new TypeError(`${op}: the checkpoint holds ${state.scheduler.type} state, the scheduler is ${sch.constructor.name}`);
    sch.loadStateDict(state.scheduler.state); // checks its keys before changing anything; the model and optimizer are untouched yet
  }
  // both checked above, so neither of these throws half way
  opts.model.loadStateDict(model);
  if (opt && optSd) opt.loadStateDict(optSd);
  const rng = state.rng.map((x) => (x === null ? NaN : x));
  if (opts.restoreRng ?? true) setRngState(rng);
  const out: LoadedCheckpoint = { step: state.step, rng };
  if (state.epoch !== undefined) out.epoch = state.epoch;
  if (order !== undefined || state.position !== undefined) out.data = { order, position: state.position };
  if (state.extra !== undefined) out.extra = state.extra;
  if (anyTensors) out.tensors = tensors;
  if (state.fit !== undefined) out.fit = state.fit;
  return out;
}

/** Module.loadStateDict's checks without the copy, so the optimizer can be checked before either changes. */
function checkModelFits(model: Module, saved: Map<string, Tensor>, op: string): void {
  const own = model.stateDict();
  const missing = Object.keys(own).filter((k) => !saved.has(k));
  const unexpected = [...saved.keys()].filter((k) => !(k in own));
  if (missing.length || unexpected.length) {
    const parts = [];
    if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
    throw new RangeError(`${op}: the checkpoint does not fit the model: ${parts.join('; ')}`);
  }
  for (const [k, t] of Object.entries(own)) {
    const v = saved.get(k)!;
    if (v.size !== t.size || (v.shape.length !== t.shape.length && t.size !== 1) || (t.size !== 1 && v.shape.some((d, i) => d !== t.shape[i]))) {
      throw new RangeError(`${op}: size mismatch for '${k}': checkpoint has ${fmtShape(v.shape)}, model has ${fmtShape(t.shape)}`);
    }
  }
}

/**
 * Restore model, optimizer (and scheduler, RNG) from a saveCheckpoint file, checking everything before changing anything.
 * @example
 * ```js
 * import { io, nn, optim } from 'neurite';
 * const model = new nn.Linear(2, 1);
 * const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
 * await io.saveCheckpoint('run.ckpt', { model, optimizer, step: 7 });
 * const ck = await io.loadCheckpoint('run.ckpt', { model, optimizer, restoreRng: true });
 * console.log(ck.step, ck.rng.length > 0); // 7 true
 * ```
 */
export async function loadCheckpoint(path: string, opts: LoadOptions): Promise<LoadedCheckpoint> {
  return checkpointFromBuffer(await readFile(path, 'loadCheckpoint'), opts, path);
}

/**
 * loadCheckpoint, synchronously.
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * const model = new nn.Linear(2, 1);
 * io.saveCheckpointSync('a.ckpt', { model, step: 3, epoch: 1 });
 * console.log(io.loadCheckpointSync('a.ckpt', { model, restoreRng: false }).epoch); // 1
 * ```
 */
export function loadCheckpointSync(path: string, opts: LoadOptions): LoadedCheckpoint {
  return checkpointFromBuffer(readFileSync(path, 'loadCheckpoint'), opts, path);
}
