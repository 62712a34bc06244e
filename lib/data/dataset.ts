/**
 * Map-style datasets (PyTorch's Dataset, TensorDataset, Subset, random_split) and the batch
 * form every loader yields: an array of columns, each with the samples along its first dim.
 */
import { Tensor, fmtShape } from '../tensor.js';
import { permutation, uniform } from '../random.js';
import { options } from '../options.js';

/** One column of a batch: a float Tensor [rows, ...] or class indices (Int32Array, one per row). */
export type Column = Tensor | Int32Array;
/** A batch (or a block of rows from a stream): columns with the same number of rows, as `[x, y]`. */
export type Batch = Column[];

/**
 * A map-style dataset: `length` samples, `get(i)` one sample as an array of columns (PyTorch's
 * `__getitem__`). `getBatch(indices)`, when present, gathers many rows at once (what the
 * built-in datasets do); otherwise the loader stacks `get(i)` results.
 */
export interface Dataset {
  readonly length: number;
  get(i: number): (Tensor | number)[];
  getBatch?(indices: Int32Array): Batch;
}

/** Rows of a column. */
export function rowsOf(c: Column): number {
  return c instanceof Tensor ? (c.ndim === 0 ? 0 : c.shape[0]) : c.length;
}

/** Rows `idx` of a column, gathered into fresh storage. */
export function gatherRows(c: Column, idx: ArrayLike<number>): Column {
  if (!(c instanceof Tensor)) {
    const out = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = c[idx[i]];
    return out;
  }
  const row = c.shape[0] === 0 ? 0 : c.size / c.shape[0];
  const src = c.data;
  const out = new Float32Array(idx.length * row);
  if (row === 1) for (let i = 0; i < idx.length; i++) out[i] = src[idx[i]];
  else for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i] * row, (idx[i] + 1) * row), i * row);
  return new Tensor(out, [idx.length, ...c.shape.slice(1)]);
}

function checkIndex(fn: string, i: number, n: number): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${fn}: index ${i} is out of range for ${n} samples`);
  return i < 0 ? n + i : i;
}

/** One sample of a column: a Tensor of the row's shape, or a class index. */
function sampleOf(c: Column, i: number): Tensor | number {
  if (!(c instanceof Tensor)) return c[i];
  const row = c.size / c.shape[0];
  return new Tensor(c.data.slice(i * row, (i + 1) * row), c.shape.slice(1));
}

/**
 * PyTorch's TensorDataset: samples are rows of the given columns (Tensors [N, ...], or class
 * indices as an Int32Array or number[]), which must all have N rows. Contiguous tensors are not
 * copied (an in-place change to them is seen by the dataset); a strided view is copied once.
 * @example
 * ```js
 * import { data, randn } from 'neurite';
 * const ds = new data.TensorDataset(randn(10, 3), [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]); // TensorDataset(x, y)
 * const [x0, y0] = ds.get(0);
 * console.log(ds.length, x0.shape, y0); // 10 [ 3 ] 0
 * ```
 */
export class TensorDataset implements Dataset {
  readonly tensors: Column[];

  constructor(...tensors: (Tensor | Int32Array | readonly number[])[]) {
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor');
    this.tensors = tensors.map((t, k) => {
      if (t instanceof Tensor) {
        if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${k} is a scalar; each needs a first dim of samples`);
        return t.isContiguous() ? t : new Tensor(t.data, t.shape); // a strided view: one contiguous copy, not one per batch
      }
      if (t instanceof Int32Array) return t;
      if (Array.isArray(t)) {
        t.forEach((v, i) => { if (!Number.isInteger(v) || v < 0) throw new RangeError(`TensorDataset: tensor ${k}[${i}] = ${v} is not a class index (a non-negative integer)`); });
        return Int32Array.from(t);
      }
      throw new TypeError(`TensorDataset: argument ${k} must be a Tensor, an Int32Array or a number[] of class indices`);
    });
    const n = rowsOf(this.tensors[0]);
    this.tensors.forEach((t, k) => {
      if (rowsOf(t) !== n) {
        const shape = t instanceof Tensor ? fmtShape(t.shape) : `[${t.length}]`;
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensor 0 has ${n} rows, tensor ${k} ${shape} has ${rowsOf(t)}`);
      }
    });
  }

  get length(): number {
    return rowsOf(this.tensors[0]);
  }

  get(i: number): (Tensor | number)[] {
    const r = checkIndex('TensorDataset.get', i, this.length);
    return this.tensors.map((t) => sampleOf(t, r));
  }

  getBatch(indices: Int32Array): Batch {
    return this.tensors.map((t) => gatherRows(t, indices));
  }
}

/**
 * PyTorch's Subset: the samples of `dataset` at `indices`, in that order (nothing copied).
 * @example
 * ```js
 * import { data, randn } from 'neurite';
 * const ds = new data.TensorDataset(randn(10, 3));
 * const sub = new data.Subset(ds, [0, 2, 4]); // torch.utils.data.Subset(ds, [0, 2, 4])
 * console.log(sub.length); // 3
 * ```
 */
export class Subset implements Dataset {
  readonly indices: Int32Array;

  constructor(readonly dataset: Dataset, indices: ArrayLike<number>) {
    if (!isDataset(dataset)) throw new TypeError('Subset: dataset must be a map-style Dataset (length and get(i))');
    const n = dataset.length;
    this.indices = Int32Array.from(indices, (i) => checkIndex('Subset', i, n));
  }

  get length(): number {
    return this.indices.length;
  }

  get(i: number): (Tensor | number)[] {
    return this.dataset.get(this.indices[checkIndex('Subset.get', i, this.length)]);
  }

  getBatch(indices: Int32Array): Batch {
    const inner = Int32Array.from(indices, (i) => this.indices[i]);
    return fetchBatch(this.dataset, inner);
  }
}

/** True for a map-style dataset (a `length` and a `get`). */
export function isDataset(d: unknown): d is Dataset {
  return d !== null && typeof d === 'object' && typeof (d as Dataset).get === 'function' && Number.isInteger((d as Dataset).length);
}

/**
 * Stack single samples into a batch (PyTorch's default_collate for tensors and numbers).
 * @example
 * ```js
 * import { data, tensor } from 'neurite';
 * const [x, y] = data.collate([[tensor([1, 2]), 0], [tensor([3, 4]), 1]]); // default_collate
 * console.log(x.toArray(), y); // [ [ 1, 2 ], [ 3, 4 ] ] Int32Array(2) [ 0, 1 ]
 * ```
 */
export function collate(samples: readonly (readonly (Tensor | number)[])[], fn = 'DataLoader'): Batch {
  if (samples.length === 0) throw new RangeError(`${fn}: cannot collate an empty batch`);
  const k = samples[0].length;
  const out: Batch = [];
  for (let c = 0; c < k; c++) {
    const first = samples[0][c];
    if (typeof first === 'number') {
      const vals = samples.map((s) => s[c] as number);
      out.push(vals.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31) ? Int32Array.from(vals) : new Tensor(Float32Array.from(vals), [vals.length]));
      continue;
    }
    if (!(first instanceof Tensor)) throw new TypeError(`${fn}: a sample's field ${c} is neither a Tensor nor a number`);
    const data = new Float32Array(samples.length * first.size);
    samples.forEach((s, i) => {
      const t = s[c];
      if (!(t instanceof Tensor) || t.size !== first.size || fmtShape(t.shape) !== fmtShape(first.shape)) {
        throw new RangeError(`${fn}: samples differ in field ${c}: ${fmtShape(first.shape)} and ${t instanceof Tensor ? fmtShape(t.shape) : typeof t}`);
      }
      data.set(t.data, i * first.size);
    });
    out.push(new Tensor(data, [samples.length, ...first.shape]));
  }
  return out;
}

/** The rows `indices` of a dataset as one batch. */
export function fetchBatch(ds: Dataset, indices: Int32Array): Batch {
  if (ds.getBatch) return ds.getBatch(indices);
  return collate(Array.from(indices, (i) => ds.get(i)));
}

/**
 * PyTorch's random_split: `lengths` are counts summing to the dataset's length, or fractions
 * summing to 1 (floors, then one more sample to each split in turn until all are used).
 * The permutation comes from `seed` (default: drawn from the global generator).
 * @example
 * ```js
 * import { data, randn } from 'neurite';
 * const [train, val] = data.randomSplit(new data.TensorDataset(randn(100, 3)), [80, 20], { seed: 0 }); // random_split(ds, [80, 20])
 * console.log(train.length, val.length); // 80 20
 * ```
 */
export function randomSplit(dataset: Dataset, lengths: readonly number[], opts?: { seed?: number }): Subset[] {
  const o = options<{ seed?: number }>('randomSplit', opts, ['seed'], ['generator']);
  if (!isDataset(dataset)) throw new TypeError('randomSplit: dataset must be a map-style Dataset (length and get(i))');
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((l) => typeof l !== 'number' || !(l >= 0))) {
    throw new TypeError(`randomSplit: lengths must be a non-empty array of non-negative numbers, got ${JSON.stringify(lengths)}`);
  }
  const n = dataset.length;
  let counts: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) < 1e-9 && lengths.every((l) => l <= 1)) {
    counts = lengths.map((f) => Math.floor(n * f));
    let left = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; left > 0; i = (i + 1) % counts.length, left--) counts[i]++;
  } else {
    if (!lengths.every(Number.isInteger) || total !== n) {
      throw new RangeError(`randomSplit: lengths ${JSON.stringify(lengths)} must be counts summing to the dataset's ${n} samples, or fractions summing to 1`);
    }
    counts = lengths.slice();
  }
  const seed = o.seed ?? Math.floor(uniform() * 2 ** 32);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new RangeError(`randomSplit: seed must be a finite number, got ${String(seed)}`);
  const perm = permutation(n, seed);
  const out: Subset[] = [];
  let at = 0;
  for (const c of counts) { out.push(new Subset(dataset, perm.subarray(at, at + c))); at += c; }
  return out;
}
