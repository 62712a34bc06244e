/** train: fit() and its types. */
export { fit, type FitAbortError } from './fit.js';
export type { FitData, FitOptions, FitProgress, FitHistory, EpochStats, LossFn } from './types.js';
export type { LossName } from './losses.js';
