/** The CLI's data preparation: a seeded train/test split and standardisation with training statistics. */
import { Tensor } from '../tensor.js';
import { uniform } from '../random.js';

export interface Split { xTrain: Tensor; yTrain: Int32Array; xTest: Tensor; yTest: Int32Array }

/** Shuffle rows with the seeded generator, then hold out round(n·fraction) of them. */
export function trainTestSplit(x: Tensor, y: Int32Array, fraction: number): Split {
  const [n, d] = x.shape;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(uniform() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const nTest = Math.round(n * fraction);
  const take = (rows: Int32Array): [Tensor, Int32Array] => {
    const xs = new Float32Array(rows.length * d);
    const ys = new Int32Array(rows.length);
    rows.forEach((r, k) => { xs.set(x.data.subarray(r * d, (r + 1) * d), k * d); ys[k] = y[r]; });
    return [new Tensor(xs, [rows.length, d]), ys];
  };
  const [xTest, yTest] = take(order.subarray(0, nTest));
  const [xTrain, yTrain] = take(order.subarray(nTest));
  return { xTrain, yTrain, xTest, yTest };
}

export interface Standardizer { mean: Float32Array; std: Float32Array }

/** Per-column mean and standard deviation (1 for constant columns, so they map to 0, not NaN). */
export function fitStandardizer(x: Tensor): Standardizer {
  const [n, d] = x.shape;
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) sq[c] += (x.data[r * d + c] - mean[c]) ** 2;
  const std = Float32Array.from(sq, (s) => { const v = Math.sqrt(s / n); return v > 1e-8 ? v : 1; });
  return { mean: Float32Array.from(mean), std };
}

export function standardize(x: Tensor, s: Standardizer): Tensor {
  const [n, d] = x.shape;
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) out[r * d + c] = (x.data[r * d + c] - s.mean[c]) / s.std[c];
  return new Tensor(out, [n, d]);
}
