/** Dropout: zero each element with probability p, scale survivors by 1/(1-p); identity in eval. */
import { result } from '../autograd.js';
import { uniform } from '../random.js';
import { Tensor } from '../tensor.js';

/**
 * Zero each element with probability p and scale the rest by 1/(1-p) when training (F.dropout; p default 0.5, training default true).
 * @example
 * ```js
 * import { F, ones } from 'neurite';
 * const y = F.dropout(ones(1000), 0.5, true); // F.dropout(x, p=0.5, training=True): kept values scaled by 1/(1-p)
 * console.log(y.max().item(), F.dropout(ones(3), 0.5, false).toArray()); // 2 [ 1, 1, 1 ] (identity when not training)
 * ```
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(typeof p === 'number') || !(p >= 0 && p <= 1)) {
    throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  }
  if (!training || p === 0) return x;
  const n = x.size;
  const scale = p === 1 ? 0 : Math.fround(1 / (1 - p));
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = uniform() >= p ? scale : 0;
  const y = new Float32Array(n);
  const xd = x.data;
  for (let i = 0; i < n; i++) y[i] = xd[i] * mask[i];
  return result(y, x.shape, 'dropout', [x], (g) => {
    const gx = new Float32Array(n);
    for (let i = 0; i < n; i++) gx[i] = g[i] * mask[i];
    return [gx];
  });
}
