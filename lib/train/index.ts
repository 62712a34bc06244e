/** train: fit() and its types. */
export { fit, type FitAbortError } from './fit.js';
export type { FitData, FitSource, FitBatch, BatchIterable, FitOptions, FitProgress, FitHistory, EpochStats, EarlyStopping, FitCheckpoint, LossFn } from './types.js';
export type { LossName } from './losses.js';
