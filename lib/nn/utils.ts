/** nn.utils: gradient clipping and flat parameter vectors, as torch.nn.utils (PyTorch 1.13). */
import { bumpVersion } from '../autograd.js';
import { Tensor } from '../tensor.js';

function tensorsOf(fn: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${fn}: parameters must be a Tensor or an iterable of Tensors, got ${parameters === null ? 'null' : typeof parameters}`);
  }
  const ps = [...parameters];
  ps.forEach((p, i) => { if (!(p instanceof Tensor)) throw new TypeError(`${fn}: parameters[${i}] is not a Tensor`); });
  return ps;
}

/** The p-norm of a list of values, in double (p = Infinity: max |x|; p = 0: count of non-zeros). */
function pNorm(xs: ArrayLike<number>, p: number): number {
  let acc = 0;
  if (p === Infinity) { for (let i = 0; i < xs.length; i++) { const a = Math.abs(xs[i]); if (a > acc || Number.isNaN(a)) acc = a; } return acc; }
  if (p === 0) { for (let i = 0; i < xs.length; i++) if (xs[i] !== 0) acc++; return acc; }
  if (p === 2) { for (let i = 0; i < xs.length; i++) acc += xs[i] * xs[i]; return Math.sqrt(acc); }
  if (p === 1) { for (let i = 0; i < xs.length; i++) acc += Math.abs(xs[i]); return acc; }
  for (let i = 0; i < xs.length; i++) acc += Math.abs(xs[i]) ** p;
  return acc ** (1 / p);
}

/**
 * Scale the gradients in place so that their total normType-norm (the norm of the per-tensor
 * norms) is at most maxNorm: g *= min(1, maxNorm / (total + 1e-6)). Returns the total norm
 * before clipping as a one-element tensor, as PyTorch. normType: a positive number, 0 or
 * Infinity (also 'inf'). errorIfNonfinite: throw when the total norm is NaN or infinite.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const fc = new nn.Linear(4, 1);
 * fc.forward(randn(8, 4)).sum().mul(100).backward();
 * const total = nn.utils.clipGradNorm_(fc.parameters(), 1.0); // nn.utils.clip_grad_norm_(params, max_norm=1.0)
 * console.log(total.item() > 1); // true: the norm before clipping
 * ```
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType: number | 'inf' = 2, errorIfNonfinite = false): Tensor {
  const fn = 'clipGradNorm_';
  const ps = tensorsOf(fn, parameters);
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`${fn}: maxNorm must be a number, got ${String(maxNorm)}`);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p >= 0)) throw new RangeError(`${fn}: normType must be a non-negative number or Infinity, got ${String(normType)}`);
  if (typeof errorIfNonfinite !== 'boolean') throw new TypeError(`${fn}: errorIfNonfinite must be a boolean, got ${String(errorIfNonfinite)}`);
  const grads = ps.filter((t) => t.grad).map((t) => t.grad!.data);
  if (grads.length === 0) return new Tensor(new Float32Array(1), []);
  // float32 per-tensor norms, then the norm of those (torch.norm(torch.stack([...])))
  const norms = Float32Array.from(grads.map((g) => pNorm(g, p)));
  const total = Math.fround(pNorm(norms, p));
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(`${fn}: the total norm of order ${p} for gradients from parameters is non-finite, so it cannot be clipped. `
      + 'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite to false');
  }
  const coef = Math.min(Math.fround(maxNorm / Math.fround(total + 1e-6)), 1); // NaN stays NaN, as torch.clamp
  for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= coef;
  return new Tensor(Float32Array.of(total), []);
}

/**
 * Clamp every gradient element to [-clipValue, clipValue] in place.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const fc = new nn.Linear(4, 1);
 * fc.forward(randn(8, 4)).sum().mul(100).backward();
 * nn.utils.clipGradValue_(fc.parameters(), 0.5); // nn.utils.clip_grad_value_(params, 0.5)
 * console.log(fc.weight.grad.abs().max().item() <= 0.5); // true
 * ```
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const fn = 'clipGradValue_';
  const ps = tensorsOf(fn, parameters);
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`${fn}: clipValue must be a number, got ${String(clipValue)}`);
  const c = Math.abs(clipValue);
  for (const t of ps) {
    if (!t.grad) continue;
    const g = t.grad.data;
    for (let i = 0; i < g.length; i++) g[i] = g[i] < -c ? -c : g[i] > c ? c : g[i];
  }
}

/**
 * Every parameter's values, flattened and concatenated in order (a copy).
 * @example
 * ```js
 * import { nn } from 'neurite';
 * console.log(nn.utils.parametersToVector(new nn.Linear(4, 2).parameters()).shape); // [ 10 ]
 * ```
 */
export function parametersToVector(parameters: Tensor | Iterable<Tensor>): Tensor {
  const ps = tensorsOf('parametersToVector', parameters);
  const out = new Float32Array(ps.reduce((n, t) => n + t.size, 0));
  let o = 0;
  for (const t of ps) { out.set(t.data, o); o += t.size; }
  return new Tensor(out, [out.length]);
}

/**
 * Copy consecutive slices of vec into the parameters (in place), the inverse of parametersToVector.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const fc = new nn.Linear(4, 2);
 * nn.utils.vectorToParameters(zeros(10), fc.parameters());
 * console.log(fc.weight.abs().sum().item()); // 0
 * ```
 */
export function vectorToParameters(vec: Tensor, parameters: Tensor | Iterable<Tensor>): void {
  const fn = 'vectorToParameters';
  if (!(vec instanceof Tensor)) throw new TypeError(`${fn}: expected a Tensor, but got: ${vec === null ? 'null' : typeof vec}`);
  const ps = tensorsOf(fn, parameters);
  const n = ps.reduce((k, t) => k + t.size, 0);
  if (vec.size !== n) throw new RangeError(`${fn}: vec has ${vec.size} elements, the parameters ${n}`);
  ps.forEach((t, i) => { if (!t.isContiguous()) throw new RangeError(`${fn}: parameters[${i}] is a non-contiguous view; write into a contiguous tensor`); });
  const v = vec.data;
  let o = 0;
  for (const t of ps) { t.data.set(v.subarray(o, o + t.size)); bumpVersion(t, fn); o += t.size; }
}
