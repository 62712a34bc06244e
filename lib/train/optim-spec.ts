/** Built-in optimizers as data (kind, options, per-parameter state), to move them between threads. */
import type { Tensor } from '../tensor.js';
import type { Optimizer, ParamState } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';

export interface OptimizerSpec {
  kind: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  /** For each of the optimizer's parameters, its index in model.parameters(). */
  paramIndex: number[];
  state: (ParamState | null)[];
}

type AnyOptimizer = Optimizer<{ lr: number }>;
const KINDS = { SGD, Adam, AdamW } as const;

/** Copies of the per-parameter state, in the optimizer's parameter order. */
export function exportState(opt: AnyOptimizer): (ParamState | null)[] {
  return opt.params.map((p) => {
    const s = opt.state.get(p);
    if (!s) return null;
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : v.slice()]));
  });
}

export function importState(opt: AnyOptimizer, state: readonly (ParamState | null)[]): void {
  opt.state.clear();
  opt.params.forEach((p, i) => { const s = state[i]; if (s) opt.state.set(p, s); });
}

export function describeOptimizer(opt: AnyOptimizer, modelParams: Tensor[]): OptimizerSpec | string {
  const kind = (Object.keys(KINDS) as (keyof typeof KINDS)[]).find((k) => opt.constructor === KINDS[k]);
  if (!kind) return `the optimizer is a ${opt.constructor.name}, not SGD, Adam or AdamW`;
  const where = new Map(modelParams.map((p, i) => [p, i]));
  const paramIndex: number[] = [];
  for (const p of opt.params) {
    const i = where.get(p);
    if (i === undefined) return 'the optimizer updates a tensor that is not a parameter of the model';
    paramIndex.push(i);
  }
  return { kind, options: { ...opt.options }, paramIndex, state: exportState(opt) };
}

export function buildOptimizer(spec: OptimizerSpec, modelParams: Tensor[]): AnyOptimizer {
  const params = spec.paramIndex.map((i) => modelParams[i]);
  const Ctor = KINDS[spec.kind] as unknown as new (p: Tensor[], o: Record<string, unknown>) => AnyOptimizer;
  const opt = new Ctor(params, spec.options);
  importState(opt, spec.state);
  return opt;
}

/** The ArrayBuffers inside a state export, to transfer rather than copy. */
export function stateBuffers(state: readonly (ParamState | null)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const s of state) if (s) for (const v of Object.values(s)) if (typeof v !== 'number') out.push(v.buffer as ArrayBuffer);
  return out;
}
