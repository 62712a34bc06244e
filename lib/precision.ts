/**
 * The float32 matmul precision switch, with PyTorch 2's names (torch.set_float32_matmul_precision):
 * 'highest' (default) = fp32 products, bit-identical to before; 'medium' = both inputs of every
 * matrix product (matmul, Linear forward and backward) rounded to bf16 (round to nearest even),
 * products accumulated in fp32, fp32 outputs; 'high' = the bf16x3 split (x = hi + lo, both bf16;
 * hi*hi + hi*lo + lo*hi), near-fp32 accuracy. Everything outside the products (activations,
 * losses, reductions, optimizer state, master weights) stays fp32, as PyTorch's CPU autocast.
 * The setting belongs to this thread (each worker_thread has its own) and applies to every backend.
 */
import { nativeBackend, setMatmulPrecisionId } from './backend/index.js';
import { options } from './options.js';
import { withinScope } from './scope.js';
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
  return withinScope(fn, () => setFloat32MatmulPrecision(prev));
}

/** What {@link packedWeightCache} reports about the packed-weight cache of the bf16 products. */
export interface PackedWeightCacheInfo {
  /** Packed weights held. */
  entries: number;
  /** Bytes they take. */
  bytes: number;
  /** The byte bound (least recently used weights go first); 0: the cache is off (or there is no native addon). */
  limitBytes: number;
  /** Products that found their weight packed, since the process started. */
  hits: number;
  /** Products that packed their weight (and kept it when it fits the bound). */
  misses: number;
}

/** Options of {@link packedWeightCache}. */
export interface PackedWeightCacheOptions {
  /**
   * A new byte bound for the cache (an integer >= 0; 0 turns it off and frees it; entries over
   * the bound are freed at once, least recently used first).
   * @defaultValue 67108864 (64 MiB) until set
   */
  limitBytes?: number;
}

const CACHE_KEYS = ['limitBytes'] as const;
const cacheStats = new Float64Array(5);

/**
 * The packed-weight cache of the bf16 products ('medium' and 'high' on AMX / AVX512-BF16, native
 * backend): a Linear weight that no backward will update (inference, or a frozen weight) is
 * converted to bf16 and packed once per version of its storage, and later products read the
 * packed copy. Any in-place write (an optimizer step, `copy_`, `loadStateDict`) makes a new
 * version, so the next product packs again; writes through `.data` do not count (as in PyTorch):
 * call {@link dropPackedWeights} after them. Returns the cache's state, after applying `opts`.
 * No PyTorch equivalent (oneDNN's weight prepacking is an explicit step there).
 * @example
 * ```js
 * import { packedWeightCache } from 'neurite';
 * const info = packedWeightCache({ limitBytes: 32 * 1024 * 1024 });
 * console.log(info.limitBytes); // 33554432 (0 when the native addon is not built: no cache)
 * ```
 */
export function packedWeightCache(opts?: PackedWeightCacheOptions): PackedWeightCacheInfo {
  const o = options<PackedWeightCacheOptions>('packedWeightCache', opts, CACHE_KEYS);
  const nb = nativeBackend();
  if (o.limitBytes !== undefined) {
    const v = o.limitBytes;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`packedWeightCache: limitBytes must be an integer >= 0, got ${String(v)}`);
    }
    nb?.packCacheLimit(v);
  }
  if (nb === null) return { entries: 0, bytes: 0, limitBytes: 0, hits: 0, misses: 0 };
  nb.packCacheStats(cacheStats);
  const [entries, bytes, limitBytes, hits, misses] = cacheStats;
  return { entries, bytes, limitBytes, hits, misses };
}

/**
 * Frees every packed weight of the bf16 products' cache (see {@link packedWeightCache}); the
 * next product of each weight packs it again. Needed only after writing weights through `.data`.
 * @example
 * ```js
 * import { dropPackedWeights, packedWeightCache } from 'neurite';
 * dropPackedWeights();
 * console.log(packedWeightCache().entries); // 0
 * ```
 */
export function dropPackedWeights(): void {
  nativeBackend()?.packCacheDrop();
}
