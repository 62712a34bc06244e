/** The warning rules: each reads rows already computed and says what is wrong in the user's terms. */
import { BatchNorm1d } from '../nn/norm.js';
import { Dropout, Linear } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import type { ActivationRow } from './capture.js';
import type { ParamRow } from './gradients.js';
import { moduleAt } from './gradients.js';
import { options } from '../options.js';

export type WarningCode = 'dead-units' | 'saturation' | 'vanishing-gradient' | 'exploding-gradient' | 'non-finite' |
  'linear-collapse' | 'training-mode' | 'loss-at-init' | 'final-activation';

export interface Warning {
  code: WarningCode;
  /** The layer the warning is about (module path, or activation row name); null for the whole model. */
  layer: string | null;
  message: string;
}

export interface Thresholds {
  /** Fraction of dead units above which a layer is flagged (10%). */
  deadUnits: number;
  /** Fraction of saturated outputs above which a sigmoid/tanh layer is flagged (10%). */
  saturation: number;
  /** A layer whose gradient norm is below this fraction of the last layer's is starved (1e-3). */
  vanishing: number;
  /** Gradient norm above which a layer is flagged (1e3), or first/last ratio above it. */
  exploding: number;
  /** Relative distance of the initial cross-entropy from ln(classes) that is flagged (0.5). */
  lossAtInit: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { deadUnits: 0.1, saturation: 0.1, vanishing: 1e-3, exploding: 1e3, lossAtInit: 0.5 };

/** Defaults overridden by a caller's partial thresholds, every key and value checked. */
export function thresholdsFrom(fn: string, partial: unknown): Thresholds {
  const o = options<Partial<Thresholds>>(`${fn}: thresholds`, partial, Object.keys(DEFAULT_THRESHOLDS));
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${fn}: thresholds.${k} must be a number >= 0, got ${String(v)}`);
  }
  return { ...DEFAULT_THRESHOLDS, ...o };
}

const pct = (x: number): string => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;
const sci = (x: number): string => (x === 0 ? '0' : x.toExponential(1));

export function activationWarnings(rows: readonly ActivationRow[], t: Thresholds): Warning[] {
  const out: Warning[] = [];
  for (const r of rows) {
    if (r.units > 0 && r.deadFraction > t.deadUnits) {
      out.push({ code: 'dead-units', layer: r.name,
        message: `${r.name} (${r.kind}): ${r.deadUnits}/${r.units} units (${pct(r.deadFraction)}) output 0 for all ${r.samples} samples; ` +
          `they get no gradient and never recover. Fixes: LeakyReLU/GELU, He init (nn.init.kaimingNormal_), a smaller learning rate, no large negative bias` });
    }
    if (r.saturatedFraction > t.saturation) {
      const range = r.kind === 'sigmoid' ? 'below 0.01 or above 0.99' : '|tanh| above 0.97';
      out.push({ code: 'saturation', layer: r.name,
        message: `${r.name} (${r.kind}): ${pct(r.saturatedFraction)} of outputs are saturated (${range}), where the derivative is near 0; ` +
          `scale inputs/weights down (normalise inputs, Xavier init) or use ReLU/GELU in hidden layers` });
    }
  }
  return out;
}

export function gradientWarnings(rows: readonly ParamRow[], t: Thresholds): Warning[] {
  const out: Warning[] = [];
  const withGrad = rows.filter((r) => r.gradNorm !== null && r.nonFiniteGrad === 0);
  if (withGrad.length >= 2) {
    const first = withGrad[0], last = withGrad[withGrad.length - 1];
    const ref = last.gradNorm as number;
    if (ref > 0 && (first.gradNorm as number) < ref * t.vanishing) {
      const starved = withGrad.slice(0, -1).filter((r) => (r.gradNorm as number) < ref * t.vanishing);
      out.push({ code: 'vanishing-gradient', layer: first.name,
        message: `vanishing gradient: ${starved.map((r) => r.name).join(', ')} get gradient norms ${sci(first.gradNorm as number)}..` +
          ` against ${sci(ref)} at the last layer ${last.name} (ratio ${sci((first.gradNorm as number) / ref)}): early layers barely learn. ` +
          `Usual causes: saturating sigmoid/tanh hidden layers, dead ReLUs upstream, too-small init; fixes: ReLU/GELU with He init ` +
          `(kaimingNormal_), normalisation layers, residual connections` });
    }
    const big = withGrad.filter((r) => (r.gradNorm as number) > t.exploding);
    const firstBig = ref > 0 && (first.gradNorm as number) > ref * t.exploding;
    if (big.length > 0 || firstBig) {
      const at = big[0] ?? first;
      out.push({ code: 'exploding-gradient', layer: at.name,
        message: `exploding gradient: ${at.name} has gradient norm ${sci(at.gradNorm as number)}` +
          (firstBig ? ` (${sci((first.gradNorm as number) / ref)}× the last layer's)` : ` (above ${sci(t.exploding)})`) +
          `; lower the learning rate, clip gradients, or rescale the initialisation` });
    }
  }
  for (const r of rows) {
    if (r.nonFiniteWeight > 0) {
      out.push({ code: 'non-finite', layer: r.name,
        message: `${r.name}: ${r.nonFiniteWeight} parameter values are NaN or Infinity (a diverged update? lower the learning rate)` });
    }
  }
  const badGrad = rows.find((r) => r.nonFiniteGrad > 0);
  if (badGrad) {
    out.push({ code: 'non-finite', layer: badGrad.name,
      message: `${badGrad.name}: ${badGrad.nonFiniteGrad} gradient values are NaN or Infinity` +
        ` (${rows.filter((r) => r.nonFiniteGrad > 0).length} layers affected)` });
  }
  return out;
}

/** Runs of Linear layers that fed each other directly: one Linear would compute the same. */
export function collapseWarning(model: Module, chain: readonly string[], how: string): Warning {
  const first = moduleAt(model, chain[0]), last = moduleAt(model, chain[chain.length - 1]);
  const shape = first instanceof Linear && last instanceof Linear ? `Linear(${first.inFeatures}, ${last.outFeatures})` : 'Linear';
  return { code: 'linear-collapse', layer: chain[0],
    message: `${chain.join(' → ')}: ${chain.length} Linear layers with no nonlinearity between them ${how}; ` +
      `W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂), so together they equal one ${shape}. ` +
      `Add an activation between them, or fold them with nn.collapseLinear(model)` };
}

export function trainingModeWarning(model: Module): Warning | null {
  if (!model.training) return null;
  const culprits = model.namedModules().filter(([, m]) => (m instanceof Dropout && m.p > 0) || m instanceof BatchNorm1d);
  if (culprits.length === 0) return null;
  const names = culprits.map(([p, m]) => `${m.constructor.name} '${p}'`).join(', ');
  return { code: 'training-mode', layer: culprits[0][0],
    message: `model is in training mode and holds ${names}: dropout draws new masks and batch norm uses batch statistics, ` +
      `so the same input gives a different output on every call; call model.eval() before evaluating or comparing outputs` };
}

export function lossAtInitWarning(loss: number, classes: number, t: Thresholds): Warning | null {
  if (!(classes >= 2)) return null;
  const expected = Math.log(classes);
  if (Number.isFinite(loss) && Math.abs(loss - expected) <= t.lossAtInit * expected) return null;
  return { code: 'loss-at-init', layer: null,
    message: `cross-entropy at the first step is ${loss.toFixed(3)}, far from ln(${classes}) = ${expected.toFixed(3)} for uniform predictions: ` +
      `the initial logits are too large (over-confident init, a scaled last layer, un-normalised inputs) or the targets are wrong` };
}
