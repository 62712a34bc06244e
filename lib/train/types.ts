/** fit()'s options, progress reports and history. */
import type { Float32MatmulPrecision } from '../precision.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LossName } from './losses.js';

/** A loss such as F.crossEntropy or F.mseLoss: (output, target) -> scalar tensor. */
export type LossFn = (output: Tensor, target: never) => Tensor;

export interface FitData {
  /** Samples [N, ...]. Copied when fit() is called. */
  x: Tensor;
  /** Class indices (N of them) or a Tensor of targets [N, ...]. Copied when fit() is called. */
  y: readonly number[] | Int32Array | Tensor;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer<{ lr: number }>;
  /** A loss function (F.crossEntropy, F.mseLoss, F.nllLoss, F.binaryCrossEntropyWithLogits or your own) or its name. */
  loss: LossFn | LossName;
  /** Reshuffle the samples every epoch (default true), from the seeded generator. */
  shuffle?: boolean;
  /** Seed of the run's own generator (data order, dropout). Default: drawn from the global generator (see manualSeed). */
  seed?: number;
  /** Aborting rejects fit with an AbortError; the model keeps the weights of the last completed step. */
  signal?: AbortSignal;
  /** Called at every epoch end (the model holds that epoch's weights) and at most every progressIntervalMs within an epoch. */
  onProgress?: (p: FitProgress) => void;
  progressIntervalMs?: number;
  /**
   * 'auto' (default): a worker thread when the model, optimizer and loss are built-in (see
   * the README (In Node services)), else time-sliced on the calling thread. true: a worker or a TypeError
   * saying why not. false: always on the calling thread.
   */
  worker?: boolean | 'auto';
  /**
   * Matmul precision of the training steps ('highest' | 'high' | 'medium', see
   * setFloat32MatmulPrecision); default: this thread's current setting.
   */
  precision?: Float32MatmulPrecision;
}

export interface FitProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  stepsPerEpoch: number;
  globalStep: number;
  totalSteps: number;
  /** Sample-weighted mean loss of this epoch so far. */
  loss: number;
  /** Training accuracy of this epoch so far (classification losses), else null. */
  accuracy: number | null;
  samplesPerSec: number;
  /** True when this report closes an epoch. */
  epochEnd: boolean;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number | null;
  samples: number;
  durationMs: number;
  samplesPerSec: number;
}

export interface FitHistory {
  epochs: EpochStats[];
  /** Per-epoch loss (the same numbers as epochs[i].loss). */
  loss: number[];
  /** Per-epoch training accuracy for classification losses, else null. */
  accuracy: number[] | null;
  /** Samples per second over the whole run. */
  samplesPerSec: number;
  steps: number;
  durationMs: number;
  /** Where the steps ran. */
  mode: 'worker' | 'main';
  seed: number;
}
