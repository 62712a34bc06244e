/**
 * DistributedSampler: which sample indices each rank takes in an epoch, laid out as PyTorch's
 * torch.utils.data.DistributedSampler: the epoch's permutation (seeded by seed + epoch, the same
 * on every rank; 0..n-1 in order without shuffle) padded by its own head to a multiple of N
 * (or cut to one, with dropLast), and rank r takes every N-th index from position r. So N
 * ranks at batch B/N see exactly the samples one process sees at batch B, every sample once per
 * epoch. The permutation is the one a shuffling DataLoader (RandomSampler) with the same seed
 * draws for that epoch (neurite's generator, not PyTorch's), so one rank sees exactly what plain
 * `fit` sees, and N ranks together what one process sees at N times the batch.
 */
import { permutation } from '../random.js';
import { options } from '../options.js';

/** DistributedSampler's options, as PyTorch's: numReplicas (num_replicas), rank, shuffle (true), seed (0), dropLast (drop_last, false). */
export interface DistributedSamplerOptions {
  /** Number of ranks. PyTorch: `num_replicas`. @defaultValue the process group's worldSize */
  numReplicas?: number;
  /** This rank. PyTorch: `rank`. @defaultValue the process group's rank */
  rank?: number;
  /** A new permutation every epoch (seed + epoch, the same on every rank; call setEpoch). PyTorch: `shuffle`. @defaultValue true */
  shuffle?: boolean;
  /** Seed of the permutations. PyTorch: `seed`. @defaultValue 0 */
  seed?: number;
  /** Cut the tail that does not split evenly instead of padding with the head. PyTorch: `drop_last`. @defaultValue false */
  dropLast?: boolean;
}
const KEYS = ['numReplicas', 'rank', 'shuffle', 'seed', 'dropLast'] as const;

/**
 * Each rank's share of a dataset's indices, reshuffled per epoch with setEpoch (torch.utils.data.distributed.DistributedSampler):
 * numReplicas and rank (the process group's), shuffle (true), seed (0), dropLast (false).
 * @example
 * ```js
 * import { distributed } from 'neurite';
 * const s = new distributed.DistributedSampler(10, { rank: 1, worldSize: 2 }, { shuffle: false }); // DistributedSampler(ds, num_replicas=2, rank=1)
 * console.log(s.indices()); // [ 1, 3, 5, 7, 9 ]
 * ```
 */
export class DistributedSampler implements Iterable<number> {
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** Samples this rank takes per epoch. */
  readonly numSamples: number;
  readonly totalSize: number;
  private epoch = 0;

  constructor(readonly datasetLength: number, pg?: { rank: number; worldSize: number } | null, opts?: DistributedSamplerOptions) {
    const o = options<DistributedSamplerOptions>('DistributedSampler', opts, KEYS);
    if (!Number.isInteger(datasetLength) || datasetLength < 0) throw new RangeError(`DistributedSampler: dataset length must be a non-negative integer, got ${datasetLength}`);
    const N = o.numReplicas ?? pg?.worldSize;
    const r = o.rank ?? pg?.rank;
    if (N === undefined || r === undefined) throw new TypeError('DistributedSampler: give a process group or both numReplicas and rank');
    if (!Number.isInteger(N) || N < 1) throw new RangeError(`DistributedSampler: numReplicas must be a positive integer, got ${N}`);
    if (!Number.isInteger(r) || r < 0 || r >= N) throw new RangeError(`DistributedSampler: invalid rank ${r}, rank should be in the interval [0, ${N - 1}]`);
    this.numReplicas = N;
    this.rank = r;
    this.shuffle = o.shuffle ?? true;
    this.seed = o.seed ?? 0;
    this.dropLast = o.dropLast ?? false;
    if (!Number.isFinite(this.seed)) throw new RangeError(`DistributedSampler: seed must be a finite number, got ${this.seed}`);
    // as PyTorch: with dropLast, the tail that does not split evenly is dropped
    this.numSamples = this.dropLast && datasetLength % N !== 0 ? Math.ceil((datasetLength - N) / N) : Math.ceil(datasetLength / N);
    this.totalSize = this.numSamples * N;
  }

  /** Each epoch's permutation differs: call before each epoch (as PyTorch's set_epoch). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`DistributedSampler.setEpoch: epoch must be a non-negative integer, got ${epoch}`);
    this.epoch = epoch;
  }

  /** This rank's indices for the current epoch. */
  indices(): number[] {
    const n = this.datasetLength;
    let all: number[];
    if (this.shuffle) {
      all = Array.from(permutation(n, this.seed, this.epoch)); // the epoch's own generator: the global one is untouched
    } else {
      all = Array.from({ length: n }, (_, i) => i);
    }
    if (!this.dropLast) {
      const pad = this.totalSize - all.length;
      if (pad > 0 && all.length > 0) {
        const head = all.slice();
        for (let i = 0; all.length < this.totalSize; i++) all.push(head[i % head.length]);
      }
    } else {
      all = all.slice(0, this.totalSize);
    }
    const out: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) out.push(all[i]);
    return out;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.indices()[Symbol.iterator]();
  }

  get length(): number { return this.numSamples; }
}

/**
 * Rank r's indices r, r+N, r+2N, ... of 0..n-1 in order, without padding (ranks may get one
 * sample more than others): how fit shards validation data, so every sample is evaluated once.
 */
export class EvalShardSampler {
  readonly length: number;
  constructor(readonly datasetLength: number, readonly pg: { rank: number; worldSize: number }) {
    this.length = Math.max(0, Math.ceil((datasetLength - pg.rank) / pg.worldSize));
  }
  indices(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.pg.rank + i * this.pg.worldSize;
    return out;
  }
}
