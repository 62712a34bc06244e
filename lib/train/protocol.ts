/** Messages between fit() on the calling thread and its training worker. */
import type { ModuleSpec } from '../worker/spec.js';
import type { ParamState } from '../optim/optimizer.js';
import type { BackendName } from '../backend/index.js';
import type { Float32MatmulPrecision } from '../precision.js';
import type { LossName } from './losses.js';
import type { LoopOptions, TrainArrays } from './loop.js';
import type { EpochStats, FitProgress } from './types.js';
import type { OptimizerSpec } from './optim-spec.js';

export interface StartMessage {
  type: 'start';
  backend: BackendName;
  /** The matmul precision of the run (the worker thread has its own setting). */
  precision: Float32MatmulPrecision;
  spec: ModuleSpec;
  state: Float32Array[];
  optimizer: OptimizerSpec;
  loss: LossName;
  data: TrainArrays;
  loop: LoopOptions;
  progressIntervalMs: number;
  /** Int32Array over it: [0] becomes 1 when the caller aborts (read between steps). */
  abort: SharedArrayBuffer;
}

/** Weights and optimizer state after a completed step. */
export interface Sync { state: Float32Array[]; optState: (ParamState | null)[] }

export type WorkerMessage =
  | { type: 'progress'; p: FitProgress }
  | ({ type: 'epoch'; stats: EpochStats; p: FitProgress } & Sync)
  | ({ type: 'aborted'; p: FitProgress } & Sync)
  | { type: 'done'; history: EpochStats[] }
  | { type: 'error'; name: string; message: string; stack?: string };
