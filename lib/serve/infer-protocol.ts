/** Messages between an InferencePool and its workers. */
import type { BackendName } from '../backend/index.js';
import type { ModuleSpec } from '../worker/spec.js';

export interface InferRequest {
  type: 'forward';
  id: number;
  backend: BackendName;
  /** Which model; spec is sent the first time a worker sees the key. */
  key: string;
  spec?: ModuleSpec;
  /** Which weights; state is sent when the worker holds another version. */
  version: number;
  state?: Float32Array[];
  x: Float32Array;
  shape: number[];
}

export type InferReply =
  | { id: number; ok: true; data: Float32Array; shape: number[] }
  | { id: number; ok: false; name: string; message: string };

/** Models a worker keeps (oldest dropped first; the pool mirrors the same order). */
export const MAX_MODELS = 16;
