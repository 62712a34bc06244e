/**
 * DataLoader: batches from a map-style dataset (through a sampler) or from a stream of row
 * blocks (a streaming dataset such as CsvDataset, or any (async) iterable of `[x, y]` /
 * `{ x, y }` blocks), iterable with `for ... of` (map-style) and `for await ... of` (both).
 * A stream is rebatched to `batchSize` rows; `shuffle` on a stream mixes rows through a
 * bounded buffer of `shuffleBuffer` rows (memory: that many rows, never the file).
 */
import { Tensor, fmtShape } from '../tensor.js';
import { RandomStream } from '../random.js';
import { options } from '../options.js';
import { type Batch, type Column, type Dataset, Subset, TensorDataset, fetchBatch, isDataset, rowsOf } from './dataset.js';
import { RandomSampler, SequentialSampler, type Sampler, checkEpoch, seedOrDraw } from './sampler.js';

/** DataLoader's options, as PyTorch's: batchSize (batch_size, 1), shuffle (false), dropLast (drop_last, false), seed, and the keys below. */
export interface DataLoaderOptions {
  /** Samples per batch. PyTorch: `batch_size`. @defaultValue 1 */
  batchSize?: number;
  /** Reshuffle every epoch: a seeded RandomSampler, or a shuffle buffer on a stream. PyTorch: `shuffle`. @defaultValue false */
  shuffle?: boolean;
  /** Drop the last batch of an epoch when it is smaller than batchSize. PyTorch: `drop_last`. @defaultValue false */
  dropLast?: boolean;
  /** Seed of the shuffling. PyTorch: a seeded `generator`. @defaultValue drawn from the global generator, so manualSeed fixes it */
  seed?: number;
  /** Your own Sampler (map-style datasets; not with shuffle). PyTorch: `sampler`. @defaultValue SequentialSampler, or RandomSampler with shuffle */
  sampler?: Sampler;
  /** Rows held by a stream's shuffle buffer (as tf.data's shuffle; PyTorch has none for iterable datasets). @defaultValue 10000 */
  shuffleBuffer?: number;
}

const KEYS = ['batchSize', 'shuffle', 'dropLast', 'seed', 'sampler', 'shuffleBuffer'] as const;
const NOT_YET = ['numWorkers', 'collateFn', 'pinMemory', 'batchSampler', 'timeout', 'workerInitFn', 'generator', 'prefetchFactor', 'persistentWorkers'];

/** A source of row blocks: anything (async) iterable that is not a map-style dataset. */
export type BlockStream = AsyncIterable<unknown> | Iterable<unknown>;

/** A batch the user handed over as `[x, y, ...]` or `{ x, y }`, checked: equal rows, known column types. */
export function asBatch(v: unknown, fn: string): Batch {
  let cols: unknown[];
  if (Array.isArray(v)) cols = v;
  else if (v !== null && typeof v === 'object' && 'x' in v) {
    options(`${fn}: a batch`, v, ['x', 'y']);
    const o = v as { x: unknown; y?: unknown };
    cols = o.y === undefined ? [o.x] : [o.x, o.y];
  } else throw new TypeError(`${fn}: a batch must be [x, y] or { x, y }, got ${v === null ? 'null' : typeof v}`);
  if (cols.length === 0) throw new TypeError(`${fn}: a batch has no columns`);
  const out = cols.map((c, k): Column => {
    if (c instanceof Tensor) {
      if (c.ndim === 0) throw new RangeError(`${fn}: batch column ${k} is a scalar; it needs a first dim of rows`);
      return c;
    }
    if (c instanceof Int32Array) return c;
    if (Array.isArray(c) && c.every((x) => Number.isInteger(x) && x >= 0)) return Int32Array.from(c);
    throw new TypeError(`${fn}: batch column ${k} must be a Tensor or class indices (Int32Array, number[])`);
  });
  const n = rowsOf(out[0]);
  for (let k = 1; k < out.length; k++) {
    if (rowsOf(out[k]) !== n) throw new RangeError(`${fn}: batch columns differ in rows: ${n} and ${rowsOf(out[k])} (column ${k})`);
  }
  return out;
}

function isStream(d: unknown): d is BlockStream {
  return d !== null && typeof d === 'object' && (typeof (d as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
    || typeof (d as Iterable<unknown>)[Symbol.iterator] === 'function');
}

/** Whether a dataset's batches are fresh storage (safe to transfer to a worker). */
function freshBatches(ds: Dataset): boolean {
  if (ds instanceof TensorDataset) return true;
  if (ds instanceof Subset) return freshBatches(ds.dataset);
  return !ds.getBatch;
}

/** Column layout of a stream, fixed by its first block. */
interface Layout { float: boolean[]; row: number[]; rowShape: number[][] }

function layoutOf(b: Batch): Layout {
  return {
    float: b.map((c) => c instanceof Tensor),
    row: b.map((c) => (c instanceof Tensor ? c.shape.slice(1).reduce((a, d) => a * d, 1) : 1)),
    rowShape: b.map((c) => (c instanceof Tensor ? c.shape.slice(1) : [])),
  };
}

function checkLayout(l: Layout, b: Batch, fn: string): void {
  if (b.length !== l.float.length) throw new RangeError(`${fn}: a block has ${b.length} columns, the first had ${l.float.length}`);
  b.forEach((c, k) => {
    const f = c instanceof Tensor;
    if (f !== l.float[k] || (f && fmtShape((c as Tensor).shape.slice(1)) !== fmtShape(l.rowShape[k]))) {
      throw new RangeError(`${fn}: column ${k} of a block is ${f ? `a Tensor ${fmtShape((c as Tensor).shape)}` : 'class indices'}; the first block's was ${l.float[k] ? `a Tensor [rows,${l.rowShape[k].join(',')}]` : 'class indices'}`);
    }
  });
}

/** Rows held in preallocated column arrays (a batch being filled, or a shuffle buffer). */
class Rows {
  readonly cols: (Float32Array | Int32Array)[];
  n = 0;
  constructor(readonly l: Layout, readonly cap: number) {
    this.cols = l.float.map((f, k) => (f ? new Float32Array(cap * l.row[k]) : new Int32Array(cap)));
  }
  /** Copy rows [r, r+k) of block b to slot `at`. */
  put(at: number, b: Batch, r: number, k = 1): void {
    for (let c = 0; c < b.length; c++) {
      const w = this.l.row[c];
      const src = b[c] instanceof Tensor ? (b[c] as Tensor).data : (b[c] as Int32Array);
      if (w === 1 && k === 1) this.cols[c][at] = src[r];
      else this.cols[c].set(src.subarray(r * w, (r + k) * w), at * w);
    }
  }
  /** Copy slot `from` of another Rows to slot `at`. */
  copyFrom(o: Rows, from: number, at: number): void {
    for (let c = 0; c < this.cols.length; c++) {
      const w = this.l.row[c];
      if (w === 1) this.cols[c][at] = o.cols[c][from];
      else this.cols[c].set(o.cols[c].subarray(from * w, (from + 1) * w), at * w);
    }
  }
  /** The first n rows as a batch (the storage is handed over: do not reuse this Rows). */
  batch(n = this.n): Batch {
    return this.cols.map((a, c) => {
      const d = n === this.cap ? a : a.slice(0, n * this.l.row[c]);
      return this.l.float[c] ? new Tensor(d as Float32Array, [n, ...this.l.rowShape[c]]) : (d as Int32Array);
    });
  }
}

/**
 * Batches of a Dataset or a stream, shuffled per epoch with a seed (torch.utils.data.DataLoader): batchSize (1), shuffle (false),
 * dropLast (false), seed, sampler. Iterate with `for await (const { x, y } of loader)`; fit takes it as its data.
 * @example
 * ```js
 * import { data, randn } from 'neurite';
 * const ds = new data.TensorDataset(randn(10, 3), randn(10));
 * const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 0, dropLast: false }); // DataLoader(ds, batch_size=4, shuffle=True)
 * const shapes = [];
 * for (const [x] of loader) shapes.push(x.shape[0]);
 * console.log(loader.length, shapes); // 3 [ 4, 4, 2 ]
 * ```
 */
export class DataLoader {
  readonly dataset: Dataset | BlockStream;
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly shuffle: boolean;
  /** The sampler (map-style datasets), else null. */
  readonly sampler: Sampler | null;
  /** Seed of a stream's shuffle buffer. */
  readonly seed: number;
  readonly shuffleBuffer: number;
  /** True when the dataset is a stream of row blocks (async iteration only, length unknown). */
  readonly streaming: boolean;
  /** Batches are always fresh storage: fit may transfer them to its worker. */
  readonly freshBatches: boolean;
  private epoch = 0;

  constructor(dataset: Dataset | BlockStream, opts?: DataLoaderOptions) {
    const o = options<DataLoaderOptions>('DataLoader', opts, KEYS, NOT_YET);
    const bs = o.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs <= 0) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${String(o.batchSize)}`);
    for (const k of ['shuffle', 'dropLast'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new TypeError(`DataLoader: ${k} must be a boolean, got ${typeof o[k]}`);
    }
    this.dataset = dataset;
    this.batchSize = bs;
    this.dropLast = o.dropLast ?? false;
    this.shuffle = o.shuffle ?? false;
    const sb = o.shuffleBuffer ?? 10000;
    if (!Number.isInteger(sb) || sb <= 0) throw new RangeError(`DataLoader: shuffleBuffer must be a positive integer, got ${String(o.shuffleBuffer)}`);
    this.shuffleBuffer = sb;
    if (isDataset(dataset)) {
      this.streaming = false;
      if (o.shuffleBuffer !== undefined) throw new TypeError('DataLoader: shuffleBuffer is for streams; a map-style dataset shuffles whole (shuffle: true)');
      if (o.sampler !== undefined) {
        if (this.shuffle) throw new TypeError('DataLoader: sampler and shuffle are mutually exclusive (as in PyTorch)');
        if (o.seed !== undefined) throw new TypeError('DataLoader: seed is the sampler\'s business when a sampler is given');
        const s = o.sampler;
        if (s === null || typeof s !== 'object' || typeof s.indices !== 'function' || !Number.isInteger(s.length)) {
          throw new TypeError('DataLoader: sampler must have a length and an indices() method (see data.RandomSampler)');
        }
        this.sampler = s;
        this.seed = NaN;
      } else {
        this.seed = seedOrDraw('DataLoader', o.seed);
        this.sampler = this.shuffle ? new RandomSampler(dataset.length, { seed: this.seed }) : new SequentialSampler(dataset.length);
      }
      this.freshBatches = freshBatches(dataset);
    } else if (isStream(dataset)) {
      if (o.sampler !== undefined) throw new TypeError('DataLoader: a stream has no indices to sample; use shuffle (with shuffleBuffer) instead of sampler');
      this.streaming = true;
      this.sampler = null;
      this.seed = seedOrDraw('DataLoader', o.seed);
      this.freshBatches = true;
    } else {
      throw new TypeError('DataLoader: dataset must be a map-style Dataset (length and get(i)), a streaming dataset, or an (async) iterable of [x, y] / { x, y } blocks');
    }
  }

  /** Batches per epoch (PyTorch's len(loader)); null for a stream, whose length is unknown. */
  get length(): number | null {
    if (!this.sampler) return null;
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Samples per epoch, when known. */
  get samples(): number | null {
    if (!this.sampler) return null;
    return this.dropLast ? this.length! * this.batchSize : this.sampler.length;
  }

  /** Use epoch e's order for the next pass; each pass then advances it by one. */
  setEpoch(epoch: number): void {
    this.epoch = checkEpoch('DataLoader.setEpoch', epoch);
    this.sampler?.setEpoch?.(epoch);
  }

  [Symbol.iterator](): Iterator<Batch> {
    if (!this.sampler) throw new TypeError('DataLoader: a stream is read asynchronously: use for await (const [x, y] of loader)');
    const idx = this.sampler.indices();
    return this.mapBatches(idx instanceof Int32Array ? idx : Int32Array.from(idx));
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (this.sampler) {
      const it = this[Symbol.iterator]();
      return { next: async () => it.next(), return: async () => it.return?.() ?? { done: true, value: undefined } };
    }
    return this.streamBatches(this.epoch++);
  }

  private *mapBatches(idx: Int32Array): Generator<Batch> {
    this.epoch++;
    const ds = this.dataset as Dataset;
    const bs = this.batchSize;
    for (let at = 0; at < idx.length; at += bs) {
      const end = Math.min(at + bs, idx.length);
      if (end - at < bs && this.dropLast) return;
      yield fetchBatch(ds, idx.subarray(at, end));
    }
  }

  private async *streamBatches(epoch: number): AsyncGenerator<Batch> {
    const src = this.dataset as BlockStream;
    const it = typeof (src as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
      ? (src as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (src as Iterable<unknown>)[Symbol.iterator]();
    const bs = this.batchSize;
    let layout: Layout | null = null;
    let cur: Rows | null = null;
    let buf: Rows | null = null;
    const rng = this.shuffle ? new RandomStream(this.seed + epoch * 2654435761) : null;
    const ready: Batch[] = [];
    /** One row from buffer slot j (shuffling) into the batch being filled. */
    const emitSlot = (j: number): void => {
      cur!.copyFrom(buf!, j, cur!.n++);
      if (cur!.n === bs) { ready.push(cur!.batch()); cur = new Rows(layout!, bs); }
    };
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        const b = asBatch(r.value, 'DataLoader');
        if (!layout) { layout = layoutOf(b); cur = new Rows(layout, bs); if (rng) buf = new Rows(layout, this.shuffleBuffer); }
        else checkLayout(layout, b, 'DataLoader');
        const n = rowsOf(b[0]);
        if (!rng) {
          for (let at = 0; at < n;) {
            const k = Math.min(n - at, bs - cur!.n);
            cur!.put(cur!.n, b, at, k);
            cur!.n += k;
            at += k;
            if (cur!.n === bs) { ready.push(cur!.batch()); cur = new Rows(layout, bs); }
          }
        } else {
          for (let at = 0; at < n; at++) {
            if (buf!.n < buf!.cap) { buf!.put(buf!.n++, b, at); continue; }
            const j = Math.floor(rng.uniform() * buf!.cap);
            emitSlot(j);
            buf!.put(j, b, at);
          }
        }
        while (ready.length) yield ready.shift()!;
      }
      if (buf && rng) {
        for (let i = buf.n - 1; i >= 0; i--) {
          const j = Math.floor(rng.uniform() * (i + 1));
          emitSlot(j);
          if (j !== i) buf.copyFrom(buf, i, j);
        }
        while (ready.length) yield ready.shift()!;
      }
      if (cur && cur.n > 0 && !this.dropLast) yield cur.batch();
    } finally {
      await it.return?.();
    }
  }
}
