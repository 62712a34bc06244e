/** embedding: rows of a weight table picked by integer indices (forward), the rows' gradients summed back (backward), as F.embedding. */
import { result } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { options } from '../options.js';

export interface EmbeddingOptions { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean }
const KEYS = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq'] as const;

/** Indices as an Int32Array and their shape: a Tensor of integer values, an Int32Array or a number[]. */
export function indicesOf(op: string, input: Tensor | Int32Array | readonly number[], n: number): { idx: Int32Array; shape: number[] } {
  let src: ArrayLike<number>, shape: number[];
  if (input instanceof Tensor) { src = input.data; shape = input.shape.slice(); }
  else if (input instanceof Int32Array || Array.isArray(input)) { src = input as ArrayLike<number>; shape = [input.length]; }
  else throw new TypeError(`${op}: indices must be a Tensor of integers, an Int32Array or a number[], got ${input === null ? 'null' : typeof input}`);
  const idx = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new RangeError(`${op}: index ${v} at position ${i} is out of range for ${n} embeddings`);
    idx[i] = v;
  }
  return { idx, shape };
}

/** The normType-norm of a row, as a float32 (PyTorch's row.norm()). */
function rowNorm(w: Float32Array, o: number, d: number, p: number): number {
  let acc = 0;
  if (p === Infinity) { for (let j = 0; j < d; j++) acc = Math.max(acc, Math.abs(w[o + j])); return Math.fround(acc); }
  if (p === 2) { for (let j = 0; j < d; j++) acc += w[o + j] * w[o + j]; return Math.fround(Math.sqrt(acc)); }
  for (let j = 0; j < d; j++) acc += Math.abs(w[o + j]) ** p;
  return Math.fround(acc ** (1 / p));
}

/**
 * weight[input]: shape [...input.shape, D]. paddingIdx: that row gets no gradient. maxNorm:
 * the rows looked up whose norm exceeds it are rescaled in place first (PyTorch's
 * embedding_renorm_). scaleGradByFreq: each row's gradient divided by its count in the batch.
 * Repeated indices accumulate their gradients.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const w = tensor([[0, 0], [1, 1], [2, 2]]);
 * console.log(F.embedding([2, 1], w).toArray()); // [ [ 2, 2 ], [ 1, 1 ] ]  (F.embedding(idx, w))
 * ```
 */
export function embedding(input: Tensor | Int32Array | readonly number[], weight: Tensor, opts?: EmbeddingOptions): Tensor {
  const op = 'embedding';
  const o = options<EmbeddingOptions>(op, opts, KEYS, ['sparse']);
  if (!(weight instanceof Tensor) || weight.ndim !== 2) throw new TypeError(`${op}: weight must be a 2-D Tensor [numEmbeddings, dim], got ${weight instanceof Tensor ? fmtShape(weight.shape) : typeof weight}`);
  const [N, D] = weight.shape;
  let pad = o.paddingIdx ?? null;
  if (pad !== null) {
    if (!Number.isInteger(pad) || pad < -N || pad >= N) throw new RangeError(`${op}: paddingIdx must be within numEmbeddings (${N}), got ${pad}`);
    if (pad < 0) pad += N;
  }
  const normType = o.normType ?? 2;
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`${op}: normType must be a positive number, got ${String(normType)}`);
  const scale = o.scaleGradByFreq ?? false;
  if (typeof scale !== 'boolean') throw new TypeError(`${op}: scaleGradByFreq must be a boolean`);
  const { idx, shape } = indicesOf(op, input, N);
  const w = weight.data;
  if (o.maxNorm !== undefined && o.maxNorm !== null) {
    const maxNorm = o.maxNorm;
    if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new RangeError(`${op}: maxNorm must be a number >= 0, got ${String(maxNorm)}`);
    for (const r of new Set(idx)) {
      const norm = rowNorm(w, r * D, D, normType);
      if (norm > maxNorm) {
        const s = Math.fround(maxNorm / (norm + 1e-7));
        for (let j = 0; j < D; j++) w[r * D + j] *= s;
      }
    }
  }
  const y = new Float32Array(idx.length * D);
  for (let i = 0; i < idx.length; i++) y.set(w.subarray(idx[i] * D, idx[i] * D + D), i * D);
  return result(y, [...shape, D], op, [weight], (g) => {
    const gw = new Float32Array(N * D);
    let counts: Int32Array | null = null;
    if (scale) { counts = new Int32Array(N); for (const r of idx) counts[r]++; }
    for (let i = 0; i < idx.length; i++) {
      const r = idx[i];
      if (r === pad) continue;
      const o2 = r * D, og = i * D;
      if (counts) { const c = counts[r]; for (let j = 0; j < D; j++) gw[o2 + j] += g[og + j] / c; }
      else for (let j = 0; j < D; j++) gw[o2 + j] += g[og + j];
    }
    return [gw];
  }, { inputs: [] });
}
