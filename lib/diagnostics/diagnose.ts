/**
 * diagnose(model, input, {target, loss}): one forward (and with a target, one backward) pass
 * under instrumentation. The model is left as it was found: gradients, BatchNorm running
 * statistics and the random generator are restored afterwards.
 */
import { Tensor, fmtShape } from '../tensor.js';
import { backward, bumpVersion, setGradEnabled } from '../autograd.js';
import { crossEntropy, mseLoss, binaryCrossEntropyWithLogits, type Target } from '../ops/loss.js';
import { getRngState, setRngState } from '../random.js';
import { Module } from '../nn/module.js';
import { capture, type ActivationRow, type CaptureResult } from './capture.js';
import { paramRows, type ParamRow } from './gradients.js';
import { countNonFinite } from './stats.js';
import { Report, type LayerRow } from './report.js';
import { lint } from './lint.js';
import { options } from '../options.js';
import {
  thresholdsFrom, activationWarnings, collapseWarning, gradientWarnings, lossAtInitWarning, trainingModeWarning,
  type Thresholds, type Warning,
} from './warnings.js';

/** The losses diagnose knows by name. */
export type LossName = 'crossEntropy' | 'mse' | 'bceWithLogits';
export type LossFn = (output: Tensor, target: never) => Tensor;

/** diagnose's options: target (fills the gradient columns), loss, thresholds (DEFAULT_THRESHOLDS), atInit, and the other keys below. */
export interface DiagnoseOptions {
  /** Targets: class indices for cross-entropy, or a tensor shaped like the output. */
  target?: Target;
  /** A loss name or function (output, target) => scalar. @defaultValue cross-entropy for class indices, else MSE */
  loss?: LossName | LossFn;
  /** Check the cross-entropy against ln(classes) (diagnose is usually called before training). @defaultValue true */
  atInit?: boolean;
  /** Overrides of the warning thresholds. @defaultValue DEFAULT_THRESHOLDS */
  thresholds?: Partial<Thresholds>;
  /** Histogram bins per activation. @defaultValue 30 */
  bins?: number;
}

function lossOf(out: Tensor, target: Target, loss: DiagnoseOptions['loss']): { value: Tensor; kind: string; ce: boolean } {
  const sameShape = target instanceof Tensor && target.shape.length === out.shape.length && target.shape.every((d, i) => d === out.shape[i]);
  const name = loss ?? (sameShape ? 'mse' : 'crossEntropy');
  if (typeof name === 'function') {
    return { value: (name as (o: Tensor, t: Target) => Tensor)(out, target), kind: name.name || 'custom', ce: name === crossEntropy };
  }
  try {
    switch (name) {
      case 'crossEntropy': return { value: crossEntropy(out, target), kind: 'crossEntropy', ce: true };
      case 'mse': return { value: mseLoss(out, target as Tensor), kind: 'mse', ce: false };
      case 'bceWithLogits': return { value: binaryCrossEntropyWithLogits(out, target as Tensor), kind: 'bceWithLogits', ce: false };
    }
  } catch (e) {
    // the built-in loss's message says what is wrong with the target; say which call it was
    if ((e instanceof TypeError || e instanceof RangeError) && !e.message.startsWith('diagnose')) e.message = `diagnose: target: ${e.message}`;
    throw e;
  }
  throw new RangeError(`diagnose: unknown loss '${String(name)}' (expected 'crossEntropy', 'mse', 'bceWithLogits' or a function)`);
}

/** The first op in the graph that made NaN/Infinity from finite inputs, or the leaf that holds them. */
export function firstNonFiniteOp(root: Tensor): string | null {
  const seen = new Set<Tensor>([root]);
  const stack = [root];
  let leaf: string | null = null, op: string | null = null;
  while (stack.length) {
    const t = stack.pop() as Tensor;
    if (countNonFinite(t.data) === 0) continue; // finite tensors cannot be downstream of the source
    const node = t.gradFn;
    if (!node) { leaf = leaf ?? 'a leaf tensor (input or parameter)'; continue; }
    if (node.inputs.every((i) => countNonFinite(i.data) === 0)) op = node.op;
    for (const i of node.inputs) if (!seen.has(i)) { seen.add(i); stack.push(i); }
  }
  return op ?? leaf;
}

/**
 * One forward (and with a target, one backward) of model on input with every activation and gradient measured:
 * dead units, saturation, gradient norms, NaN/Inf, warnings. Leaves the model as it found it.
 * @example
 * ```js
 * import { diagnostics, nn, randn } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const report = diagnostics.diagnose(model, randn(32, 8), { target: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1] });
 * console.log(report.layers.length > 0, typeof report.toString()); // true 'string': per-layer activations and gradients, warnings
 * ```
 */
export function diagnose(model: Module, input: Tensor, o?: DiagnoseOptions): Report {
  if (!(model instanceof Module)) throw new TypeError('diagnose: expected an nn.Module as the first argument');
  if (!(input instanceof Tensor)) throw new TypeError('diagnose: expected a Tensor input');
  const opts = options<DiagnoseOptions>('diagnose', o, ['target', 'loss', 'atInit', 'thresholds', 'bins']);
  const t: Thresholds = thresholdsFrom('diagnose', opts.thresholds);
  if (opts.target !== undefined && !(opts.target instanceof Tensor || opts.target instanceof Int32Array || Array.isArray(opts.target))) {
    throw new TypeError(`diagnose: target must be class indices (number[], Int32Array) or a Tensor, got ${opts.target === null ? 'null' : typeof opts.target}`);
  }
  if (opts.loss !== undefined && typeof opts.loss !== 'function' && !['crossEntropy', 'mse', 'bceWithLogits'].includes(opts.loss as string)) {
    throw new RangeError(`diagnose: unknown loss '${String(opts.loss)}' (expected 'crossEntropy', 'mse', 'bceWithLogits' or a function)`);
  }
  if (opts.atInit !== undefined && typeof opts.atInit !== 'boolean') throw new TypeError(`diagnose: atInit must be a boolean, got ${typeof opts.atInit}`);
  if (opts.bins !== undefined && !(Number.isInteger(opts.bins) && opts.bins >= 0 && opts.bins <= 10000)) throw new RangeError(`diagnose: bins must be an integer in [0, 10000], got ${String(opts.bins)}`);
  const params = model.parameters();
  const savedGrads = params.map((p) => p.grad);
  const savedBuffers = model.namedBuffers().map(([, b]) => [b, b.data.slice()] as const);
  const rng = getRngState();
  const grad = setGradEnabled(true); // the graph names the op that first made a NaN, and carries the backward
  const cap = capture(model, { bins: opts.bins });
  let c!: CaptureResult;
  let out!: Tensor;
  let grads: ParamRow[] = [];
  let lossValue: number | null = null, lossKind: string | null = null, ce = false, nanOp: string | null = null;
  try {
    for (const p of params) p.grad = null;
    try {
      const o = model.forward(input);
      if (!(o instanceof Tensor)) throw new TypeError('diagnose: the model\'s forward did not return a Tensor');
      out = o;
    } finally {
      c = cap.finish();
    }
    if (countNonFinite(out.data) > 0) nanOp = firstNonFiniteOp(out);
    if (opts.target !== undefined) {
      const l = lossOf(out, opts.target, opts.loss);
      if (l.value.size !== 1) throw new RangeError(`diagnose: the loss must be a scalar, got shape ${fmtShape(l.value.shape)}`);
      lossValue = l.value.data[0]; lossKind = l.kind; ce = l.ce;
      if (l.value.requiresGrad) backward(l.value);
    }
    grads = paramRows(model, c.layerOrder);
  } finally {
    setGradEnabled(grad);
    setRngState(rng);
    for (let i = 0; i < params.length; i++) params[i].grad = savedGrads[i];
    for (const [b, d] of savedBuffers) { b.data.set(d); bumpVersion(b, 'diagnose'); }
  }

  const warnings: Warning[] = [];
  const tm = trainingModeWarning(model);
  if (tm) warnings.push(tm);
  if (countNonFinite(input.data) > 0) {
    warnings.push({ code: 'non-finite', layer: null, message: `the input holds ${countNonFinite(input.data)} NaN/Infinity values` });
  } else if (nanOp !== null || c.firstNonFiniteModule !== null) {
    const layer = c.firstNonFiniteActivation ?? c.firstNonFiniteModule;
    warnings.push({ code: 'non-finite', layer,
      message: `NaN/Infinity first produced by op '${nanOp ?? 'unknown'}'` +
        (layer !== null ? ` in ${layer === '' ? "the model's own forward" : `layer '${layer}'`}` : '') +
        '; everything downstream of it is poisoned (check for log/div of 0, overflowing exp, a too-large learning rate)' });
  }
  warnings.push(...activationWarnings(c.activations, t));
  warnings.push(...gradientWarnings(grads, t));
  for (const chain of c.linearChains) warnings.push(collapseWarning(model, chain, 'in this forward pass'));
  if (lossKind === 'crossEntropy' || lossKind === 'bceWithLogits' || ce) {
    warnings.push(...lint(model).filter((w) => w.code === 'final-activation'));
  }
  if (ce && opts.atInit !== false && lossValue !== null) {
    const w = lossAtInitWarning(lossValue, out.shape[out.shape.length - 1], t);
    if (w) warnings.push(w);
  }

  const byPath = new Map(grads.map((g) => [g.name, g]));
  const layers: LayerRow[] = [];
  for (const [kind, key] of c.sequence) {
    if (kind === 'activation') layers.push(c.activations[key] as ActivationRow);
    else {
      const g = byPath.get(key);
      if (g) { layers.push(g); byPath.delete(key); }
    }
  }
  layers.push(...([...byPath.values()] as ParamRow[])); // parameters the forward never touched
  return new Report({ layers, warnings, loss: lossValue, lossKind, inputShape: input.shape.slice(), outputShape: out.shape.slice(),
    training: model.training });
}
