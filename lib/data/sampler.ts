/**
 * Samplers: which dataset indices an epoch visits, and in what order (PyTorch's Sampler).
 * An order is a pure function of (seed, epoch): `setEpoch(e)` picks epoch e's order, and each
 * pass over a RandomSampler advances the epoch by one, so a loader built with the same seed
 * repeats the same sequence of orders. A distributed sampler implements the same interface
 * (rank r takes every N-th index of the epoch's permutation).
 */
import { permutation, uniform } from '../random.js';
import { options } from '../options.js';

/** The order in which a DataLoader visits a map-style dataset's indices (torch.utils.data.Sampler). */
export interface Sampler {
  /** Indices per epoch. */
  readonly length: number;
  /** The indices of the next pass, in order (advances a RandomSampler's epoch). */
  indices(): ArrayLike<number>;
  /** Use epoch `e`'s order for the next pass (PyTorch's DistributedSampler.set_epoch). */
  setEpoch?(epoch: number): void;
}

function count(fn: string, n: unknown): number {
  const len = typeof n === 'number' ? n : (n as { length?: unknown })?.length;
  if (!Number.isInteger(len) || (len as number) < 0) throw new TypeError(`${fn}: expected a dataset or a sample count, got ${String(len)}`);
  return len as number;
}

/** A seed given by the user, or one drawn from the global generator (so manualSeed fixes it). */
export function seedOrDraw(fn: string, seed: unknown): number {
  if (seed === undefined) return Math.floor(uniform() * 2 ** 32);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new RangeError(`${fn}: seed must be a finite number, got ${String(seed)}`);
  return seed;
}

export function checkEpoch(fn: string, e: unknown): number {
  if (!Number.isInteger(e) || (e as number) < 0) throw new RangeError(`${fn}: epoch must be a non-negative integer, got ${String(e)}`);
  return e as number;
}

/**
 * 0, 1, ..., n-1 every pass.
 * @example
 * ```js
 * import { data } from 'neurite';
 * console.log(new data.SequentialSampler(4).indices()); // Int32Array(4) [ 0, 1, 2, 3 ]
 * ```
 */
export class SequentialSampler implements Sampler {
  readonly length: number;
  constructor(dataset: { length: number } | number) {
    this.length = count('SequentialSampler', dataset);
  }
  indices(): Int32Array {
    return Int32Array.from({ length: this.length }, (_v, i) => i);
  }
}

/**
 * A fresh seeded permutation every pass (epoch 0, 1, ... unless setEpoch says otherwise).
 * @example
 * ```js
 * import { data } from 'neurite';
 * const s = new data.RandomSampler(5, { seed: 1 });
 * s.setEpoch(0);
 * console.log([...s.indices()].sort()); // [ 0, 1, 2, 3, 4 ]: a seeded permutation per epoch
 * ```
 */
export class RandomSampler implements Sampler {
  readonly length: number;
  readonly seed: number;
  epoch = 0;

  constructor(dataset: { length: number } | number, opts?: { seed?: number }) {
    const o = options<{ seed?: number }>('RandomSampler', opts, ['seed'], ['generator', 'replacement', 'numSamples']);
    this.length = count('RandomSampler', dataset);
    this.seed = seedOrDraw('RandomSampler', o.seed);
  }

  setEpoch(epoch: number): void {
    this.epoch = checkEpoch('RandomSampler.setEpoch', epoch);
  }

  indices(): Int32Array {
    return permutation(this.length, this.seed, this.epoch++);
  }
}
