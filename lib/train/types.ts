/** fit()'s data sources, options, progress reports and history. */
import type { Float32MatmulPrecision } from '../precision.js';
import type { Tensor } from '../tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Scheduler } from '../optim/lr-scheduler.js';
import type { Dataset } from '../data/dataset.js';
import type { DataLoader } from '../data/loader.js';
import type { LossName } from './losses.js';
import type { Collectives } from '../distributed/ddp.js';

/** A loss such as F.crossEntropy or F.mseLoss: (output, target) -> scalar tensor. */
export type LossFn = (output: Tensor, target: never) => Tensor;

/** fit's data: samples `x` [N, ...] and targets `y` (class indices or a target Tensor). */
export interface FitData {
  /** Samples [N, ...]. Copied when fit() is called. */
  x: Tensor;
  /** Class indices (N of them) or a Tensor of targets [N, ...]. Copied when fit() is called. */
  y: readonly number[] | Int32Array | Tensor;
}

/** One batch from your own iterable: `{ x, y }` or `[x, y]`. */
export type FitBatch = { x: Tensor; y: readonly number[] | Int32Array | Tensor } | readonly [Tensor, readonly number[] | Int32Array | Tensor];
export type BatchIterable = Iterable<FitBatch> | AsyncIterable<FitBatch>;

/**
 * What fit trains on: `{ x, y }` tensors (copied), a map-style dataset (batched with the
 * batchSize and shuffle options, not copied), a DataLoader (used as it is), or batches from
 * your own (async) iterable or from a function `(epoch) => iterable` (used as they come; with
 * a batchSize option they are rebatched instead, as a stream of rows).
 */
export type FitSource = FitData | Dataset | DataLoader | BatchIterable | ((epoch: number) => BatchIterable);

/** fit's earlyStopping option (Keras' EarlyStopping; PyTorch has none): monitor ('valLoss'), patience (0), minDelta (0), restoreBest (false). */
export interface EarlyStopping {
  /** The figure watched: 'valLoss', 'valAccuracy', 'loss' or 'accuracy'. @defaultValue 'valLoss' */
  monitor?: 'valLoss' | 'valAccuracy' | 'loss' | 'accuracy';
  /** Epochs without improvement before stopping (0: stop at the first). @defaultValue 0 */
  patience?: number;
  /** The least change that counts as an improvement. @defaultValue 0 */
  minDelta?: number;
  /** At the end, put back the weights of the best epoch. @defaultValue false */
  restoreBest?: boolean;
}

/** fit's checkpoint option in its long form: where, and every how many epochs. */
export interface FitCheckpoint {
  /** The checkpoint file (one safetensors file, replaced atomically at each write). */
  path: string;
  /** Write at the end of every `every`-th epoch; the run's last epoch is always written. @defaultValue 1 */
  every?: number;
  /** Anything JSON can hold (your run's configuration), kept in every checkpoint as its `extra` (loadCheckpoint returns it). */
  extra?: unknown;
}

/** fit's options (see docs/services.md): epochs, optimizer, loss (required); batchSize, shuffle (true), seed, signal, onProgress, progressIntervalMs (100), worker ('auto'), scheduler, schedulerStep ('epoch'), clipGradNorm, validationData, earlyStopping, checkpoint, resumeFrom, distributed. */
export interface FitOptions {
  /** Epochs to train (required; with resumeFrom, the run's total). The loop `for (epoch ...)` you would write around PyTorch. */
  epochs: number;
  /** Samples per step: required with {x, y} and datasets, not allowed with a DataLoader (it has its own); given with an iterable of batches, they are rebatched to it. PyTorch: DataLoader's `batch_size`. */
  batchSize?: number;
  /** The optimizer stepping the model's parameters (required): `new optim.Adam(model.parameters())`. */
  optimizer: Optimizer<{ lr: number }>;
  /** A loss function (F.crossEntropy, F.mseLoss, F.nllLoss, F.binaryCrossEntropyWithLogits or your own) or its name (required). PyTorch: the criterion of your loop. */
  loss: LossFn | LossName;
  /** Reshuffle the samples every epoch ({x, y} and datasets), from the seed. PyTorch: DataLoader's `shuffle`. @defaultValue true */
  shuffle?: boolean;
  /** Seed of the run (data order, dropout). @defaultValue drawn from the global generator (see manualSeed) */
  seed?: number;
  /** Evaluated at every epoch end in eval mode: {x, y}, a dataset, a DataLoader or an iterable of batches. */
  validationData?: FitSource;
  /** Stop at an epoch end once the monitored value stops improving. */
  earlyStopping?: EarlyStopping;
  /** Aborting rejects fit with an AbortError; the model keeps the weights of the last completed step. */
  signal?: AbortSignal;
  /** Called at every epoch end (the model holds that epoch's weights) and at most every progressIntervalMs within an epoch. */
  onProgress?: (p: FitProgress) => void;
  /** Least milliseconds between two onProgress calls within an epoch. @defaultValue 100 */
  progressIntervalMs?: number;
  /**
   * 'auto': a worker thread when the model, optimizer and loss are built-in (see
   * the README (In Node services)), else time-sliced on the calling thread. true: a worker or a TypeError
   * saying why not. false: always on the calling thread.
   * @defaultValue 'auto'
   */
  worker?: boolean | 'auto';
  /**
   * Matmul precision of the steps ('highest' | 'high' | 'medium', see setFloat32MatmulPrecision);
   * @defaultValue this thread's setting when fit is called
   */
  precision?: Float32MatmulPrecision;
  /** The file (path or file: URL) exporting your model's class, so a worker can build it: `new Class(...moduleArgs)`. */
  moduleFile?: string | URL;
  /** Arguments of your model class's constructor in the worker (structured-cloneable). @defaultValue [] */
  moduleArgs?: unknown[];
  /**
   * A scheduler of `optimizer` (optim.lrScheduler), stepped after every epoch or, with
   * schedulerStep 'batch', every optimizer step; ReduceLROnPlateau gets that epoch's validation
   * loss (with validationData, else its mean training loss) or the batch's loss. A scheduler
   * makes fit train on the calling thread.
   */
  scheduler?: Scheduler;
  /** When the scheduler steps: after every epoch, or after every optimizer step (OneCycleLR, CyclicLR). @defaultValue 'epoch' */
  schedulerStep?: 'epoch' | 'batch';
  /** Clip the gradients' total 2-norm to this before every optimizer step (nn.utils.clipGradNorm_; PyTorch: `clip_grad_norm_(params, max_norm)` before `step()`). @defaultValue no clipping */
  clipGradNorm?: number;
  /**
   * Train data-parallel over the ranks of this process group (`await distributed.init()`, see
   * docs/distributed.md): the model is wrapped in nn.DistributedDataParallel (or given as one),
   * {x, y}, datasets and DataLoaders over one are shared out as PyTorch's DistributedSampler
   * (batchSize per rank), validation data every N-th sample, and the history's figures are over
   * every rank's samples (the same history on every rank). Steps run on the calling thread.
   */
  distributed?: Collectives;
  /**
   * Write a checkpoint at epoch ends (a path, or `{ path, every }`): model, optimizer, scheduler, the
   * random generators, the epoch, the history and the early-stopping state, in one file replaced
   * atomically (a crash mid-write keeps the previous one). `resumeFrom` continues from it.
   * With `distributed`, rank 0 writes it; every rank resumes from it.
   */
  checkpoint?: string | FitCheckpoint;
  /**
   * Resume from a checkpoint written by fit's `checkpoint` option: restores everything it holds into
   * model, optimizer and scheduler and trains on from the next epoch up to `epochs` (the total), so
   * the result is bit for bit the run's without the interruption (same data, options and model class).
   * A finished run (its last epoch, or stopped early) resolves to its history with nothing trained.
   */
  resumeFrom?: string;
}

/** What onProgress receives: epoch, step, loss, accuracy, samplesPerSec; `epochEnd` at the end of an epoch. */
export interface FitProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  /** null when the data is a stream of unknown length. */
  stepsPerEpoch: number | null;
  globalStep: number;
  totalSteps: number | null;
  /** Sample-weighted mean loss of this epoch so far. */
  loss: number;
  /** Training accuracy of this epoch so far (classification losses), else null. */
  accuracy: number | null;
  /** At an epoch end with validationData: the validation loss and accuracy; else null. */
  valLoss: number | null;
  valAccuracy: number | null;
  samplesPerSec: number;
  /** True when this report closes an epoch. */
  epochEnd: boolean;
}

/** One epoch of a fit: mean loss, accuracy, samples, duration and throughput. */
export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number | null;
  valLoss: number | null;
  valAccuracy: number | null;
  samples: number;
  durationMs: number;
  samplesPerSec: number;
}

/** fit's result: per-epoch loss and accuracy, samplesPerSec over the run, and `mode` ('worker' or 'main'). */
export interface FitHistory {
  epochs: EpochStats[];
  /** Per-epoch loss (the same numbers as epochs[i].loss). */
  loss: number[];
  /** Per-epoch training accuracy for classification losses, else null. */
  accuracy: number[] | null;
  /** Per-epoch validation loss / accuracy with validationData, else null. */
  valLoss: number[] | null;
  valAccuracy: number[] | null;
  /** With earlyStopping: the 1-based epoch with the best monitored value, else null. */
  bestEpoch: number | null;
  /** True when earlyStopping ended the run before `epochs`. */
  stoppedEarly: boolean;
  /** Samples per second over the whole run (a resumed run: over the epochs this call trained). */
  samplesPerSec: number;
  steps: number;
  durationMs: number;
  /** Where the steps ran. */
  mode: 'worker' | 'main';
  seed: number;
  /** With resumeFrom: the epochs the checkpoint held (history.epochs starts with them), else null. */
  resumedFrom: number | null;
}
