/**
 * Numbers computed from raw Float32Arrays: per-activation statistics (dead units, zero and
 * saturated fractions, moments, histograms) and norms. One pass each, no tensors allocated,
 * so watch() can afford them on a sampled training step.
 */
import type { ActivationInfo } from '../ops/activations.js';

export interface Histogram {
  min: number;
  max: number;
  counts: number[];
}

export interface Moments {
  mean: number;
  std: number;
  nonFinite: number;
}

/** Mean and (population) std over the finite values; non-finite values are counted apart. */
export function moments(x: Float32Array): Moments {
  let n = 0, s = 0, s2 = 0, bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) { bad++; continue; }
    n++; s += v; s2 += v * v;
  }
  const mean = n > 0 ? s / n : 0;
  const variance = n > 0 ? Math.max(0, s2 / n - mean * mean) : 0;
  return { mean, std: Math.sqrt(variance), nonFinite: bad };
}

export function histogram(x: Float32Array, bins = 30): Histogram {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  const counts = new Array<number>(bins).fill(0);
  if (lo > hi) return { min: 0, max: 0, counts };
  const width = hi > lo ? (hi - lo) / bins : 1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { min: lo, max: hi, counts };
}

/** Whether an output value of this activation sits on a flat tail (gradient below ~0.06). */
export function saturationTest(info: ActivationInfo): ((v: number) => boolean) | null {
  if (info.name === 'sigmoid') return (v) => v < 0.01 || v > 0.99;
  if (info.name === 'tanh') return (v) => Math.abs(v) > 0.97;
  return null;
}

export interface UnitStats {
  units: number;
  samples: number;
  /** Units (last dim) whose output is exactly zero for every sample. */
  deadIndices: number[];
  zeroFraction: number;
  saturatedFraction: number;
}

/** Dead units, zero and saturated fractions over an output laid out as [samples, units]. */
export function unitStats(info: ActivationInfo, y: Float32Array, shape: readonly number[]): UnitStats {
  const units = shape.length === 0 ? 1 : shape[shape.length - 1];
  const samples = units > 0 ? y.length / units : 0;
  const alive = new Uint8Array(units);
  const sat = saturationTest(info);
  let zeros = 0, saturated = 0;
  for (let s = 0, o = 0; s < samples; s++) {
    for (let u = 0; u < units; u++, o++) {
      const v = y[o];
      if (v === 0) zeros++;
      else alive[u] = 1;
      if (sat !== null && sat(v)) saturated++;
    }
  }
  const deadIndices: number[] = [];
  if (samples > 0) for (let u = 0; u < units; u++) if (!alive[u]) deadIndices.push(u);
  const n = Math.max(1, y.length);
  return { units, samples, deadIndices, zeroFraction: zeros / n, saturatedFraction: saturated / n };
}

/** Sum of squares (in float64) and the count of non-finite entries. */
export function sumSquares(x: Float32Array): { ss: number; nonFinite: number } {
  let ss = 0, bad = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (Number.isFinite(v)) ss += v * v;
    else bad++;
  }
  return { ss, nonFinite: bad };
}

export function countNonFinite(x: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) bad++;
  return bad;
}
