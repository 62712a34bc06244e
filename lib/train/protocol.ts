/**
 * Messages between fit() on the calling thread and its training worker. The calling thread
 * drives: it streams batches (train, then validation) and asks for the epoch's end; the worker
 * answers each with the epoch's statistics and weights, so both threads meet at every epoch end.
 */
import type { ModuleSpec } from '../worker/spec.js';
import type { ParamState } from '../optim/optimizer.js';
import type { BackendName } from '../backend/index.js';
import type { Float32MatmulPrecision } from '../precision.js';
import type { LoopOptions, WireBatch } from './loop.js';
import type { EpochStats } from './types.js';
import type { OptimizerSpec } from './optim-spec.js';

/** How the worker builds the model: from its description, or by importing the user's class. */
export type ModelSource =
  | { kind: 'spec'; spec: ModuleSpec }
  | { kind: 'file'; url: string; exportName: string; args: unknown[] };

export interface StartMessage {
  type: 'start';
  backend: BackendName;
  /** The matmul precision of the run (the worker thread has its own setting). */
  precision: Float32MatmulPrecision;
  model: ModelSource;
  state: Float32Array[];
  optimizer: OptimizerSpec;
  loop: LoopOptions;
  progressIntervalMs: number;
  /** Int32Array over it: [0] becomes 1 when the caller aborts (read before each step). */
  abort: SharedArrayBuffer;
}

export type MainMessage =
  | StartMessage
  | { type: 'begin' }
  | { type: 'batches'; phase: 'train' | 'val'; items: WireBatch[] }
  | { type: 'endEpoch' }
  | { type: 'abort' };

/** Weights, optimizer state and the run's generator state after a completed step. */
export interface Sync { state: Float32Array[]; optState: (ParamState | null)[]; globalStep: number; rng: number[] }

export interface Running { step: number; loss: number; accuracy: number | null; samplesPerSec: number; globalStep: number }

export type WorkerMessage =
  | { type: 'credit' }
  | { type: 'progress'; r: Running }
  | ({ type: 'epoch'; stats: EpochStats } & Sync)
  | ({ type: 'aborted' } & Sync)
  | { type: 'error'; name: string; message: string; stack?: string };
