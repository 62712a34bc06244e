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
  /**
   * Int32Array over it: [0] becomes 1 when the caller aborts (read before each step); [1] is the
   * last progress report the calling thread has handled (its onProgress returned).
   */
  abort: SharedArrayBuffer;
  /**
   * Wait after each progress report until the calling thread has run onProgress: an abort
   * requested there then stops after exactly the step the report describes, as on the calling
   * thread (set when there is an onProgress).
   */
  handshake: boolean;
  /**
   * Distributed training (fit's `distributed`): the worker wraps its model in DistributedDataParallel over a
   * relay of the calling thread's process group (the collectives go out as 'coll' messages, in the worker's
   * order, and come back as 'collDone'); null otherwise. `scaled`: the group scales in its all-reduce (then DDP's
   * buckets live in a SharedArrayBuffer the calling thread all-reduces in place: 'allReduceSharedScaled').
   */
  dist: { rank: number; worldSize: number; scaled: boolean } | null;
}

/** The collectives the worker's relay asks the calling thread's process group for. */
export type CollOp = 'allReduce' | 'allReduceScaled' | 'allReduceSharedScaled' | 'broadcast' | 'allGather';

export type MainMessage =
  | StartMessage
  | { type: 'begin' }
  | { type: 'batches'; phase: 'train' | 'val'; items: WireBatch[] }
  | { type: 'endEpoch'; combined?: number[] }
  | { type: 'abort' }
  /** distributed: this epoch's running sums, to combine over the ranks before 'endEpoch' */
  | { type: 'sums' }
  /**
   * distributed: a relayed collective's result (its own buffer), or the error it failed with; `inPlace`: the
   * collective wrote the worker's SharedArrayBuffer itself (allReduceSharedScaled), `data` is null
   */
  | { type: 'collDone'; id: number; data: Float32Array | null; inPlace?: boolean; error?: string };

/** Weights, optimizer state and the run's generator state after a completed step. */
export interface Sync { state: Float32Array[]; optState: (ParamState | null)[]; globalStep: number; rng: number[] }

export interface Running { step: number; loss: number; accuracy: number | null; samplesPerSec: number; globalStep: number }

export type WorkerMessage =
  | { type: 'credit' }
  | { type: 'progress'; r: Running; seq: number }
  | ({ type: 'epoch'; stats: EpochStats } & Sync)
  | ({ type: 'aborted' } & Sync)
  /** distributed: the worker's model is wrapped (its handshake's collectives are done) */
  | { type: 'ready' }
  /** distributed: a step's gradients are synchronised (its collectives are done); the optimizer step follows */
  | { type: 'stepSynced' }
  | { type: 'sums'; sums: number[] }
  /** distributed: a collective for the calling thread's process group to run, in this order */
  | { type: 'coll'; id: number; op: CollOp; data: Float32Array; scale: number; root: number }
  | { type: 'error'; name: string; message: string; stack?: string };
