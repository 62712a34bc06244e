/**
 * lint(model): structural warnings, without running data. It reads Sequential containers
 * (custom forwards are only known when they run: diagnose() catches those at run time).
 */
import { ActivationModule, Dropout, Flatten, Identity, Linear, Sequential } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { collapseWarning, type Warning } from './warnings.js';
import { options } from '../options.js';

/** lint's options. */
export interface LintOptions {
  /** The loss the model trains with: 'mse' accepts a final activation; the default assumes a logits loss. @defaultValue a logits loss (crossEntropy) */
  loss?: 'crossEntropy' | 'bceWithLogits' | 'mse' | string;
  /** Linear layers from which a stack counts as deep. @defaultValue 4 */
  deep?: number;
}

const passThrough = (m: Module): boolean => m instanceof Dropout || m instanceof Identity || m instanceof Flatten;

/** The leaves of a Sequential, nested Sequentials flattened, with their paths. */
function leaves(seq: Sequential, prefix: string): [string, Module][] {
  const out: [string, Module][] = [];
  for (const [k, m] of seq.namedChildren()) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (m instanceof Sequential) out.push(...leaves(m, p));
    else out.push([p, m]);
  }
  return out;
}

/**
 * The structural warnings of a model without running data: linear collapse, deep sigmoid/tanh stacks, a final activation before a logits loss.
 * @example
 * ```js
 * import { diagnostics, nn } from 'neurite';
 * const warnings = diagnostics.lint(new nn.Sequential(new nn.Linear(8, 4), new nn.Sigmoid()), { loss: 'crossEntropy' });
 * console.log(warnings.map((w) => w.code)); // [ 'final-activation' ]: a squashing activation before a logits loss (static, no data)
 * ```
 */
export function lint(model: Module, o?: LintOptions): Warning[] {
  const opts = options<LintOptions>('lint', o, ['loss', 'deep']);
  const deep = opts.deep ?? 4;
  if (!Number.isInteger(deep) || deep < 1) throw new RangeError(`lint: deep must be a positive integer, got ${deep}`);
  const out: Warning[] = [];
  const all = new Map(model.namedModules());
  const parentOf = (p: string): Module | undefined => (p === '' ? undefined : all.get(p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : ''));
  // a Sequential directly inside another is flattened into it by leaves()
  const stacks = [...all].filter(([p, m]) => m instanceof Sequential && !(parentOf(p) instanceof Sequential));
  for (const [path, seq] of stacks as [string, Sequential][]) {
    const ls = leaves(seq, path);
    let run: string[] = [];
    const flush = (): void => {
      if (run.length >= 2) out.push(collapseWarning(model, run, 'in this Sequential'));
      run = [];
    };
    for (const [p, m] of ls) {
      if (m instanceof Linear) run.push(p);
      else if (!passThrough(m)) flush();
    }
    flush();

    const linears = ls.filter(([, m]) => m instanceof Linear).length;
    if (linears >= deep) {
      const lastLinear = ls.map(([, m]) => m instanceof Linear).lastIndexOf(true);
      const hidden = ls.filter(([, m], i) => i < lastLinear && m instanceof ActivationModule &&
        (m.activation.name === 'sigmoid' || m.activation.name === 'tanh'));
      if (hidden.length > 0) {
        out.push({ code: 'vanishing-gradient', layer: hidden[0][0],
          message: `${hidden.length} sigmoid/tanh activations in the hidden layers of a ${linears}-layer stack (${hidden.map(([p]) => p).join(', ')}): ` +
            `their derivatives are at most 0.25 (sigmoid) or 1 and near 0 when saturated, so the earliest layers get vanishing gradients; ` +
            `use ReLU/GELU with He init (nn.init.kaimingNormal_) in hidden layers` });
      }
    }

    const tail = [...ls].reverse().find(([, m]) => !passThrough(m));
    if (tail && tail[1] instanceof ActivationModule && opts.loss !== 'mse') {
      const name = (tail[1] as ActivationModule).activation.name;
      out.push({ code: 'final-activation', layer: tail[0],
        message: `the model ends in ${tail[1].constructor.name} '${tail[0]}': crossEntropy and binaryCrossEntropyWithLogits expect raw logits ` +
          `and apply (log-)softmax/sigmoid themselves, so a final ${name} squashes the logits twice and slows or stalls learning; ` +
          `end in the last Linear and apply sigmoid/softmax only when predicting` });
    }
  }
  return out;
}
