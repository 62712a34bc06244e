/**
 * What fit() trains and validates on, whatever form it came in ({x, y} tensors, a dataset, a
 * DataLoader, an (async) iterable of batches or a function of the epoch returning one), as one
 * thing: a source that opens each epoch's batches, and the conversion of a batch to plain
 * arrays (class indices checked) that a step or a worker thread takes.
 */
import { Tensor, fmtShape } from '../tensor.js';
import { options } from '../options.js';
import { type Batch, type Column, type Dataset, TensorDataset, isDataset, rowsOf } from '../data/dataset.js';
import { DataLoader, asBatch } from '../data/loader.js';
import { RandomSampler, SequentialSampler, type Sampler } from '../data/sampler.js';
import { DistributedSampler, EvalShardSampler } from '../distributed/sampler.js';
import type { WireBatch } from './loop.js';
import type { FitData, FitSource } from './types.js';

export interface Source {
  /** Batches per epoch when known. */
  stepsPerEpoch: number | null;
  /** Batches are fresh storage nobody else holds (transfer them to a worker instead of copying). */
  fresh: boolean;
  /** This epoch's batches. */
  open(epoch: number): Iterator<unknown> | AsyncIterator<unknown>;
}

export function isFitData(d: unknown): d is FitData {
  return d !== null && typeof d === 'object' && !Array.isArray(d) && (d as FitData).x instanceof Tensor && Object.getPrototypeOf(d) === Object.prototype;
}

function checkIterable(v: unknown, what: string): void {
  if (v !== null && typeof v === 'object' && (typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    || typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function')) return;
  throw new TypeError(`fit: ${what} must be {x, y}, a dataset, a DataLoader, an (async) iterable of batches or a function (epoch) => iterable`);
}

function iteratorOf(v: unknown, what: string): Iterator<unknown> | AsyncIterator<unknown> {
  checkIterable(v, what);
  return typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    ? (v as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (v as Iterable<unknown>)[Symbol.iterator]();
}

/** {x, y}: checked and copied (the rule: fit's {x, y} inputs are copied when it is called). */
function copyFitData(data: FitData, what: string): TensorDataset {
  options(`fit: ${what}`, data, ['x', 'y']);
  const { x, y } = data;
  if (x.ndim < 1 || x.shape[0] === 0) throw new RangeError(`fit: ${what}.x must hold at least one sample, got shape ${fmtShape(x.shape)}`);
  const N = x.shape[0];
  const xc = new Tensor(x.data.slice(), x.shape);
  if (y instanceof Tensor) {
    if (y.ndim < 1 || y.shape[0] !== N) throw new RangeError(`fit: ${what}.y ${fmtShape(y.shape)} must have N = ${N} rows like ${what}.x ${fmtShape(x.shape)}`);
    return new TensorDataset(xc, new Tensor(y.data.slice(), y.shape));
  }
  if (!(y instanceof Int32Array) && !Array.isArray(y) && !(y instanceof Float32Array)) {
    throw new TypeError(`fit: ${what}.y must be class indices (number[] or Int32Array) or a Tensor of targets`);
  }
  if (y.length !== N) throw new RangeError(`fit: ${what}.y has ${y.length} class indices, ${what}.x ${fmtShape(x.shape)} has ${N} samples`);
  const idx = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`fit: ${what}.y[${i}] = ${v} is not a class index (a non-negative integer)`);
    idx[i] = v;
  }
  return new TensorDataset(xc, idx);
}

function loaderSource(l: DataLoader): Source {
  return {
    stepsPerEpoch: l.length, fresh: l.freshBatches,
    open: (epoch) => { l.setEpoch(epoch); return l.sampler ? l[Symbol.iterator]() : l[Symbol.asyncIterator](); },
  };
}

/**
 * Under distributed training, which share of the data this rank takes: training data as
 * PyTorch's DistributedSampler (padded so every rank gets as many samples), validation data
 * every N-th sample without padding (`pad: false`: each sample evaluated once).
 */
export interface Shard { rank: number; worldSize: number; pad: boolean }

function shardSampler(n: number, sh: Shard, shuffle: boolean, seed: number): Sampler {
  return sh.pad ? new DistributedSampler(n, sh, { shuffle, seed }) : new EvalShardSampler(n, sh);
}

/** A DataLoader over a map-style dataset, made to take this rank's share (a stream is each rank's own). */
function shardLoader(l: DataLoader, sh: Shard, what: string): DataLoader {
  const s = l.sampler;
  if (s === null) return l;
  if (s instanceof DistributedSampler || s instanceof EvalShardSampler) {
    const N = s instanceof DistributedSampler ? s.numReplicas : s.pg.worldSize;
    const r = s instanceof DistributedSampler ? s.rank : s.pg.rank;
    if (N !== sh.worldSize || r !== sh.rank) {
      throw new RangeError(`fit: ${what}'s DistributedSampler is for rank ${r} of ${N}; this is rank ${sh.rank} of ${sh.worldSize}`);
    }
    return l;
  }
  if (!(s instanceof RandomSampler || s instanceof SequentialSampler)) {
    throw new TypeError(`fit: ${what} is a DataLoader with a sampler of its own: under distributed, give it a distributed.DistributedSampler (or use shuffle)`);
  }
  const ds = l.dataset as Dataset;
  const shuffle = s instanceof RandomSampler;
  return new DataLoader(ds, { batchSize: l.batchSize, dropLast: l.dropLast, sampler: shardSampler(ds.length, sh, shuffle, shuffle ? s.seed : 0) });
}

/**
 * The source for `data`. batchSize/shuffle/seed batch an {x, y} or a dataset, and rebatch an
 * iterable (then a stream of rows); a DataLoader brings its own and takes none. With `shard`,
 * an {x, y}, a dataset and a DataLoader over one give this rank's share (batchSize per rank).
 */
export function makeSource(data: FitSource, o: { batchSize?: number; shuffle?: boolean; seed: number; shard?: Shard }, what: string): Source {
  const given = o.batchSize !== undefined;
  if (data instanceof DataLoader) {
    if (given || o.shuffle !== undefined) throw new TypeError(`fit: ${what} is a DataLoader: set batchSize and shuffle on the DataLoader, not in fit's options`);
    return loaderSource(o.shard ? shardLoader(data, o.shard, what) : data);
  }
  if (isFitData(data) || isDataset(data)) {
    if (!given) throw new TypeError(`fit: batchSize is required with ${isFitData(data) ? `{x, y} ${what}` : `a dataset as ${what}`}`);
    const ds = isFitData(data) ? copyFitData(data, what) : data;
    if (ds.length === 0) throw new RangeError(`fit: ${what} holds no samples`);
    if (o.shard) return loaderSource(new DataLoader(ds, { batchSize: o.batchSize, sampler: shardSampler(ds.length, o.shard, o.shuffle ?? true, o.seed) }));
    return loaderSource(new DataLoader(ds, { batchSize: o.batchSize, shuffle: o.shuffle ?? true, seed: o.seed }));
  }
  if (typeof data === 'function') {
    if (given || o.shuffle !== undefined) throw new TypeError(`fit: ${what} is a function giving batches: batchSize and shuffle do not apply (wrap it in a DataLoader to rebatch)`);
    return { stepsPerEpoch: null, fresh: false, open: (epoch) => iteratorOf((data as (e: number) => unknown)(epoch), `${what} (the function's result)`) };
  }
  checkIterable(data, what);
  if (given) return loaderSource(new DataLoader(data as AsyncIterable<unknown>, { batchSize: o.batchSize, shuffle: o.shuffle ?? false, seed: o.seed }));
  if (o.shuffle !== undefined) throw new TypeError(`fit: shuffle needs a batchSize when ${what} is an iterable (its rows are then rebatched through a shuffle buffer)`);
  return { stepsPerEpoch: null, fresh: false, open: () => iteratorOf(data, what) };
}

function targetOf(y: Column, indices: boolean, fn: string): { y: Int32Array | Float32Array; yShape: number[] | null; copied: boolean } {
  if (y instanceof Int32Array) {
    if (indices) return { y, yShape: null, copied: false };
    return { y: Float32Array.from(y), yShape: [y.length], copied: true };
  }
  if (indices && y.ndim === 1) {
    const out = new Int32Array(y.size);
    for (let i = 0; i < y.size; i++) {
      const v = y.data[i];
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: target ${v} at row ${i} of a batch is not a class index (a non-negative integer)`);
      out[i] = v;
    }
    return { y: out, yShape: null, copied: true };
  }
  return { y: y.data, yShape: y.shape.slice(), copied: false };
}

/**
 * A batch as plain arrays; with `own` the arrays are private to the result (copied unless
 * the batch is fresh, `fresh`), so their buffers can be transferred.
 */
export function wireBatch(v: unknown, indices: boolean, fresh: boolean, own: boolean, what: string): WireBatch {
  const b: Batch = asBatch(v, `fit: ${what}`);
  if (b.length !== 2) throw new TypeError(`fit: a batch of ${what} must have two columns (inputs, targets), got ${b.length}`);
  const x = b[0];
  if (!(x instanceof Tensor)) throw new TypeError(`fit: the inputs of a batch of ${what} must be a Tensor`);
  if (rowsOf(x) === 0) throw new RangeError(`fit: a batch of ${what} has no rows`);
  const t = targetOf(b[1], indices, `fit: ${what}`);
  const copy = own && !fresh;
  const whole = (a: Float32Array | Int32Array): boolean => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !(a.buffer instanceof SharedArrayBuffer);
  return {
    x: copy || (own && !whole(x.data)) ? x.data.slice() : x.data, xShape: x.shape.slice(),
    y: (copy && !t.copied) || (own && !whole(t.y)) ? t.y.slice() : t.y, yShape: t.yShape,
  };
}
