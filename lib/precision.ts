/**
 * The float32 matmul precision switch, with PyTorch 2's names (torch.set_float32_matmul_precision):
 * 'highest' (default) = fp32 products, bit-identical to before; 'medium' = both inputs of every
 * matrix product (matmul, Linear forward and backward) rounded to bf16 (round to nearest even),
 * products accumulated in fp32, fp32 outputs; 'high' = the bf16x3 split (x = hi + lo, both bf16;
 * hi*hi + hi*lo + lo*hi), near-fp32 accuracy. Everything outside the products (activations,
 * losses, reductions, optimizer state, master weights) stays fp32, as PyTorch's CPU autocast.
 * The setting belongs to this thread (each worker_thread has its own) and applies to every backend.
 */
import { setMatmulPrecisionId } from './backend/index.js';
import { MatmulPrecision } from './backend/types.js';

/** `'highest'` (float32 products, the default), `'high'` or `'medium'` (bf16 products where the CPU has them), as torch.set_float32_matmul_precision. */
export type Float32MatmulPrecision = keyof typeof MatmulPrecision;

let current: Float32MatmulPrecision = 'highest';

/** Checks a precision name; `fn` names the caller in the error. */
export function checkPrecision(fn: string, p: unknown): Float32MatmulPrecision {
  if (typeof p !== 'string' || !Object.prototype.hasOwnProperty.call(MatmulPrecision, p)) {
    throw new RangeError(`${fn}: precision must be 'highest', 'high' or 'medium', got ${typeof p === 'string' ? `'${p}'` : String(p)}`);
  }
  return p as Float32MatmulPrecision;
}

/**
 * Sets the precision of float32 matrix products on this thread (PyTorch 2's names).
 * @example
 * ```js
 * import { getFloat32MatmulPrecision, setFloat32MatmulPrecision } from 'neurite';
 * setFloat32MatmulPrecision('medium'); // torch.set_float32_matmul_precision('medium'): bf16 products where the CPU has them
 * console.log(getFloat32MatmulPrecision()); // 'medium'
 * setFloat32MatmulPrecision('highest');
 * ```
 */
export function setFloat32MatmulPrecision(precision: Float32MatmulPrecision): void {
  const p = checkPrecision('setFloat32MatmulPrecision', precision);
  setMatmulPrecisionId(MatmulPrecision[p]);
  current = p;
}

/**
 * The precision of float32 matrix products on this thread.
 * @example
 * ```js
 * import { getFloat32MatmulPrecision } from 'neurite';
 * console.log(getFloat32MatmulPrecision()); // 'highest' (the default; torch.get_float32_matmul_precision())
 * ```
 */
export function getFloat32MatmulPrecision(): Float32MatmulPrecision {
  return current;
}

/**
 * Runs fn with the given precision and restores the previous one when fn returns, throws, or
 * (for a Promise) settles. Other code that runs while an async fn awaits sees the setting too.
 * @example
 * ```js
 * import { matmul, randn, withFloat32MatmulPrecision } from 'neurite';
 * const a = randn(64, 64);
 * const y = withFloat32MatmulPrecision('medium', () => matmul(a, a)); // restored afterwards
 * console.log(y.shape); // [ 64, 64 ]
 * ```
 */
export function withFloat32MatmulPrecision<T>(precision: Float32MatmulPrecision, fn: () => T): T {
  const p = checkPrecision('withFloat32MatmulPrecision', precision);
  if (typeof fn !== 'function') throw new TypeError('withFloat32MatmulPrecision: fn must be a function');
  const prev = current;
  setFloat32MatmulPrecision(p);
  let r: T;
  try {
    r = fn();
  } catch (e) {
    setFloat32MatmulPrecision(prev);
    throw e;
  }
  if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
    return (r as unknown as Promise<unknown>).finally(() => setFloat32MatmulPrecision(prev)) as unknown as T;
  }
  setFloat32MatmulPrecision(prev);
  return r;
}
