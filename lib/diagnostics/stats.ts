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
    if (v - v !== 0) { bad++; continue; } // NaN or ±Infinity
    n++; s += v; s2 += v * v;
  }
  const mean = n > 0 ? s / n : 0;
  const variance = n > 0 ? Math.max(0, s2 / n - mean * mean) : 0;
  return { mean, std: Math.sqrt(variance), nonFinite: bad };
}

export function histogram(x: Float32Array, bins = 30): Histogram {
  if (bins <= 0) return { min: 0, max: 0, counts: [] };
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const counts = new Int32Array(bins);
  if (!(lo <= hi) || lo - lo !== 0 || hi - hi !== 0) {
    // infinities present (NaN never wins a comparison): bin the finite values only
    lo = Infinity; hi = -Infinity;
    for (let i = 0; i < x.length; i++) { const v = x[i]; if (v - v === 0) { if (v < lo) lo = v; if (v > hi) hi = v; } }
    if (lo > hi) return { min: 0, max: 0, counts: Array.from(counts) };
  }
  const scale = hi > lo ? bins / (hi - lo) : 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) continue;
    const k = ((v - lo) * scale) | 0;
    counts[k < bins ? k : bins - 1]++;
  }
  return { min: lo, max: hi, counts: Array.from(counts) };
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
  // sigmoid: outside [0.01, 0.99]; tanh: |y| > 0.97 (the tests of saturationTest, inlined for speed)
  const mode = info.name === 'sigmoid' ? 1 : info.name === 'tanh' ? 2 : 0;
  let zeros = 0, saturated = 0;
  for (let s = 0, o = 0; s < samples; s++) {
    for (let u = 0; u < units; u++, o++) {
      const v = y[o];
      if (v === 0) zeros++;
      else alive[u] = 1;
      if (mode === 1) { if (v < 0.01 || v > 0.99) saturated++; } else if (mode === 2 && (v > 0.97 || v < -0.97)) saturated++;
    }
  }
  const deadIndices: number[] = [];
  if (samples > 0) for (let u = 0; u < units; u++) if (!alive[u]) deadIndices.push(u);
  const n = Math.max(1, y.length);
  return { units, samples, deadIndices, zeroFraction: zeros / n, saturatedFraction: saturated / n };
}

/** Sum of squares (in float64) and the count of non-finite entries. */
export function sumSquares(x: Float32Array): { ss: number; nonFinite: number } {
  // four accumulators: the adds do not wait on each other; a NaN/Inf anywhere makes the sum non-finite
  let a = 0, b = 0, c = 0, d = 0, i = 0;
  const n = x.length, n4 = n - (n % 4);
  for (; i < n4; i += 4) { const p = x[i], q = x[i + 1], r = x[i + 2], t = x[i + 3]; a += p * p; b += q * q; c += r * r; d += t * t; }
  for (; i < n; i++) a += x[i] * x[i];
  const ss = a + b + c + d;
  if (ss - ss === 0) return { ss, nonFinite: 0 };
  let clean = 0, bad = 0;
  for (let k = 0; k < n; k++) { const v = x[k]; if (v - v === 0) clean += v * v; else bad++; }
  return { ss: clean, nonFinite: bad };
}

export function countNonFinite(x: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) { const v = x[i]; if (v - v !== 0) bad++; }
  return bad;
}

/** ‖after − before‖² and ‖before‖² in one pass. */
export function diffSquares(before: Float32Array, after: Float32Array): { dss: number; wss: number } {
  let dss = 0, wss = 0;
  for (let i = 0; i < before.length; i++) {
    const b = before[i], d = after[i] - b;
    dss += d * d; wss += b * b;
  }
  return { dss, wss };
}
