/** The built-in losses by name, so a worker thread can run the same function. */
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from '../ops/loss.js';
import type { Tensor } from '../tensor.js';

export type LossName = 'crossEntropy' | 'nllLoss' | 'mseLoss' | 'binaryCrossEntropyWithLogits';
type AnyLoss = (output: Tensor, target: never) => Tensor;

export const LOSSES: Record<LossName, AnyLoss> = { crossEntropy, nllLoss, mseLoss, binaryCrossEntropyWithLogits };

/** The name of a built-in loss function, or null for any other function. */
export function lossName(fn: unknown): LossName | null {
  for (const [k, v] of Object.entries(LOSSES)) if (v === fn) return k as LossName;
  return null;
}

/** What accuracy means for a loss: argmax against class indices, the sign of a logit, or nothing. */
export type AccuracyKind = 'argmax' | 'binary' | null;
export function accuracyKind(name: LossName | null, indices: boolean): AccuracyKind {
  if (name === 'binaryCrossEntropyWithLogits') return 'binary';
  if (indices) return 'argmax';
  return null;
}
