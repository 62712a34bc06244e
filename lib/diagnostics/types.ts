/**
 * The diagnostics' plain data types: what diagnose(), watch() and a training run produce, and
 * what the HTML renderer reads. Data only: rendering (html.ts) depends on this file, never on
 * report.ts or watch.ts, so the modules that produce data and the one that draws it form no circle.
 */
import type { ActivationRow } from './capture.js';
import type { ParamRow } from './gradients.js';
import type { Warning } from './warnings.js';

export type LayerRow = ActivationRow | ParamRow;

/** One diagnose() pass: rows in forward order, warnings, loss. */
export interface ReportData {
  layers: LayerRow[];
  warnings: Warning[];
  /** Loss value when a target was given. */
  loss: number | null;
  lossKind: string | null;
  inputShape: number[];
  outputShape: number[];
  training: boolean;
}

/** One sampled step of watch(). */
export interface WatchRecord {
  step: number;
  /** The loss of that step (the scalar the backward started from), when one ran. */
  loss: number | null;
  activations: ActivationRow[];
  params: ParamRow[];
  warnings: Warning[];
}

/** One epoch of a training run, as the report plots it (fit's history.epochs rows fit this). */
export interface EpochRow {
  epoch: number;
  loss: number;
  accuracy?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  /** Learning rate in force during the epoch (first parameter group). */
  lr?: number | null;
}

/** Where a run ran: the report's header line. */
export interface RunInfo {
  backend: string;
  cpu: string;
  threads: number;
  /** Kernel instruction set in use ('avx512', 'avx2', 'portable', or 'js'). */
  isa: string;
  /** float32 matmul precision ('highest' is full fp32). */
  precision: string;
  node: string;
  neurite?: string;
}
