/**
 * A model as data: the module tree of a model built only from neurite's own modules (the
 * classes themselves, not subclasses, whose forward may differ) is described as a plain
 * object, so a worker thread can rebuild the same model and load the same weights into it.
 * Custom modules have code the worker cannot see: describeModel says why it cannot.
 */
import { bumpVersion } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { BatchNorm1d, LayerNorm } from '../nn/norm.js';
import { Dropout, ELU, Flatten, GELU, Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh } from '../nn/layers.js';
import { Act } from '../backend/types.js';
import { activationListenerCount } from '../ops/activations.js';

export type ModuleSpec =
  | { type: 'Sequential'; training: boolean; children: ModuleSpec[] }
  | { type: 'Linear'; training: boolean; inFeatures: number; outFeatures: number; bias: boolean }
  | { type: 'ReLU' | 'Sigmoid' | 'Tanh' | 'Identity'; training: boolean }
  | { type: 'LeakyReLU' | 'ELU'; training: boolean; param: number }
  | { type: 'GELU'; training: boolean; approximate: 'none' | 'tanh' }
  | { type: 'Flatten'; training: boolean; startDim: number; endDim: number }
  | { type: 'Dropout'; training: boolean; p: number }
  | { type: 'BatchNorm1d'; training: boolean; numFeatures: number; eps: number; momentum: number | null }
  | { type: 'LayerNorm'; training: boolean; normalizedShape: number[]; eps: number; affine: boolean };

export type Described = { spec: ModuleSpec; reason: null } | { spec: null; reason: string };

function describe(m: Module, path: string): ModuleSpec | string {
  const where = path || 'the model';
  if (m.hasForwardHooks()) return `${where} has a forward hook (hooks run in the thread that owns them)`;
  const training = m.training;
  const kids = m.namedChildren();
  const c = m.constructor;
  if (c === Sequential) {
    const children: ModuleSpec[] = [];
    for (const [k, child] of kids) {
      const s = describe(child, path ? `${path}.${k}` : k);
      if (typeof s === 'string') return s;
      children.push(s);
    }
    return { type: 'Sequential', training, children };
  }
  if (kids.length > 0) return `${where} (${c.name}) has submodules and its own forward`;
  if (c === Linear) {
    const l = m as Linear;
    return { type: 'Linear', training, inFeatures: l.inFeatures, outFeatures: l.outFeatures, bias: l.bias !== null };
  }
  if (c === ReLU || c === Sigmoid || c === Tanh || c === Identity) {
    return { type: c.name as 'ReLU', training };
  }
  if (c === LeakyReLU || c === ELU) return { type: c.name as 'ELU', training, param: (m as ELU).param };
  if (c === GELU) return { type: 'GELU', training, approximate: (m as GELU).activation.id === Act.geluTanh ? 'tanh' : 'none' };
  if (c === Flatten) return { type: 'Flatten', training, startDim: (m as Flatten).startDim, endDim: (m as Flatten).endDim };
  if (c === Dropout) return { type: 'Dropout', training, p: (m as Dropout).p };
  if (c === BatchNorm1d) {
    const b = m as BatchNorm1d;
    return { type: 'BatchNorm1d', training, numFeatures: b.numFeatures, eps: b.eps, momentum: b.momentum };
  }
  if (c === LayerNorm) {
    const n = m as LayerNorm;
    return { type: 'LayerNorm', training, normalizedShape: n.normalizedShape.slice(), eps: n.eps, affine: n.weight !== null };
  }
  return `${where} is a ${c.name}, not one of neurite's built-in modules`;
}

/** The model as data, or why it cannot be (then work runs on the calling thread). */
export function describeModel(model: Module): Described {
  // listeners (diagnostics) watch this thread's activations: a worker's would go unseen
  if (activationListenerCount() > 0) return { spec: null, reason: 'activation listeners (diagnostics) are watching this thread' };
  const paramEntries = Object.keys(model.stateDict()).length - model.namedBuffers().length;
  if (paramEntries !== model.parameters().length) return { spec: null, reason: 'the model shares a parameter between modules' };
  const s = describe(model, '');
  return typeof s === 'string' ? { spec: null, reason: s } : { spec: s, reason: null };
}

/** Rebuild a model from its description (parameters freshly initialised: load weights next). */
export function buildModel(spec: ModuleSpec): Module {
  let m: Module;
  switch (spec.type) {
    case 'Sequential': m = new Sequential(...spec.children.map(buildModel)); break;
    case 'Linear': m = new Linear(spec.inFeatures, spec.outFeatures, { bias: spec.bias }); break;
    case 'ReLU': m = new ReLU(); break;
    case 'Sigmoid': m = new Sigmoid(); break;
    case 'Tanh': m = new Tanh(); break;
    case 'Identity': m = new Identity(); break;
    case 'LeakyReLU': m = new LeakyReLU(spec.param); break;
    case 'ELU': m = new ELU(spec.param); break;
    case 'GELU': m = new GELU({ approximate: spec.approximate }); break;
    case 'Flatten': m = new Flatten(spec.startDim, spec.endDim); break;
    case 'Dropout': m = new Dropout(spec.p); break;
    case 'BatchNorm1d': m = new BatchNorm1d(spec.numFeatures, { eps: spec.eps, momentum: spec.momentum }); break;
    case 'LayerNorm': m = new LayerNorm(spec.normalizedShape, { eps: spec.eps, elementwiseAffine: spec.affine }); break;
    default: throw new TypeError(`buildModel: unknown module type '${(spec as { type: string }).type}'`);
  }
  m.training = spec.training;
  return m;
}

/** Training flags of every module, depth first (the order of model.modules()). */
export function trainingFlags(model: Module): boolean[] {
  return model.modules().map((m) => m.training);
}
export function setTrainingFlags(model: Module, flags: readonly boolean[]): void {
  model.modules().forEach((m, i) => { m.training = flags[i]; });
}

/** The state tensors (parameters and buffers) in state-dict order. */
export function stateTensors(model: Module): Tensor[] {
  return Object.values(model.stateDict());
}

/** Copies of the state, taken now (transferable to a worker). */
export function snapshotState(model: Module): Float32Array[] {
  return stateTensors(model).map((t) => t.data.slice());
}

/** Write a state snapshot into the model's own storage, in one synchronous pass. */
export function applyState(model: Module, state: readonly Float32Array[]): void {
  const ts = stateTensors(model);
  if (ts.length !== state.length) throw new RangeError(`applyState: ${state.length} tensors for a model with ${ts.length}`);
  ts.forEach((t, i) => { t.data.set(state[i]); bumpVersion(t, 'applyState'); });
}
