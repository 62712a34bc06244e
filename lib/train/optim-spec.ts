/** Built-in optimizers as data (kind, options, per-parameter state), to move them between threads. */
import type { Tensor } from '../tensor.js';
import { SCHEDULER_KEYS, type Optimizer, type ParamState } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { Adam, AdamW } from '../optim/adam.js';
import { Adagrad, RMSprop } from '../optim/rmsprop.js';

export interface OptimizerSpec {
  kind: keyof typeof KINDS;
  defaults: Record<string, unknown>;
  /** Each group's hyper-parameters, and for each of its parameters its index in model.parameters(). */
  groups: { hyper: Record<string, unknown>; paramIndex: number[] }[];
  /** In the optimizer's parameter order (group by group). */
  state: (ParamState | null)[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;
const KINDS = { SGD, Adam, AdamW, RMSprop, Adagrad } as const;

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
  if (!kind) return `the optimizer is a ${opt.constructor.name}, not ${Object.keys(KINDS).join(', ')}`;
  const where = new Map(modelParams.map((p, i) => [p, i]));
  const groups: OptimizerSpec['groups'] = [];
  for (const g of opt.paramGroups) {
    const paramIndex: number[] = [];
    for (const p of g.params as Tensor[]) {
      const i = where.get(p);
      if (i === undefined) return 'the optimizer updates a tensor that is not a parameter of the model';
      paramIndex.push(i);
    }
    // a scheduler's bookkeeping (initialLr, maxLr, ...) stays with the caller's optimizer: the worker runs none
    const hyper = Object.fromEntries(Object.entries(g as Record<string, unknown>).filter(([k]) => k !== 'params' && !SCHEDULER_KEYS.includes(k)));
    groups.push({ hyper: structuredClone(hyper), paramIndex });
  }
  return { kind, defaults: structuredClone({ ...opt.defaults }), groups, state: exportState(opt) };
}

export function buildOptimizer(spec: OptimizerSpec, modelParams: Tensor[]): AnyOptimizer {
  const groups = spec.groups.map((g) => ({ ...g.hyper, params: g.paramIndex.map((i) => modelParams[i]) }));
  const Ctor = KINDS[spec.kind] as unknown as new (p: unknown[], o: Record<string, unknown>) => AnyOptimizer;
  const opt = new Ctor(groups, spec.defaults);
  importState(opt, spec.state);
  return opt;
}

/** The ArrayBuffers inside a state export, to transfer rather than copy. */
export function stateBuffers(state: readonly (ParamState | null)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const s of state) if (s) for (const v of Object.values(s)) if (typeof v !== 'number') out.push(v.buffer as ArrayBuffer);
  return out;
}
