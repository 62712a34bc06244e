/**
 * Instrumentation of a model for the length of one forward: a module stack (so a functional
 * activation inside a custom forward is named after the module whose forward ran it), the
 * activation listener of lib/ops (which also sees Sequential's fused Linear→activation), and
 * the data flow between modules (which Linear feeds which, for linear-collapse). Wrappers are
 * own properties of the instances and leave Module's hook bookkeeping alone, so Sequential
 * keeps its fused path while we watch.
 */
import { onActivation, type ActivationInfo } from '../ops/activations.js';
import { Tensor } from '../tensor.js';
import { ActivationModule, Dropout, Flatten, Identity, Linear, Sequential } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { countNonFinite, histogram, moments, unitStats } from './stats.js';

/** A report row for one activation: units, dead units, zero and saturated fractions, pre/post statistics, histogram. */
export interface ActivationRow {
  type: 'activation';
  /** Module path (PyTorch style) for activation modules; `<module path>.<op>` for functional calls. */
  name: string;
  kind: ActivationInfo['name'];
  source: 'module' | 'functional';
  /** Ran inside Sequential's fused Linear→activation kernel. */
  fused: boolean;
  /** Path of the module whose forward was running ('' is the model itself). */
  module: string;
  /** Path of the module that produced the activation's input, when known. */
  input: string | null;
  units: number;
  samples: number;
  deadUnits: number;
  deadIndices: number[];
  deadFraction: number;
  zeroFraction: number;
  saturatedFraction: number;
  preMean: number;
  preStd: number;
  postMean: number;
  postStd: number;
  nonFinite: number;
  histogram: { min: number; max: number; counts: number[] };
  preHistogram: { min: number; max: number; counts: number[] };
}

export interface CaptureResult {
  activations: ActivationRow[];
  /** Parameterised modules in the order their forward started. */
  layerOrder: string[];
  /** Forward order of both: ['params', module path] or ['activation', index into activations]. */
  sequence: (['params', string] | ['activation', number])[];
  /** Runs of Linear modules that fed each other with no nonlinearity between. */
  linearChains: string[][];
  /** The first module (innermost, in completion order) whose output held NaN or Infinity. */
  firstNonFiniteModule: string | null;
  /** The first activation whose output held NaN or Infinity while its input did not. */
  firstNonFiniteActivation: string | null;
}

export interface CaptureOptions {
  /** Compute histograms (diagnose and the HTML report need them; watch keeps them small). */
  bins?: number;
}

type Fn = (...a: unknown[]) => unknown;

/** Replace obj[key] with a wrapper; the returned function undoes it unless someone replaced ours. */
export function wrapMethod(obj: object, key: string, make: (orig: Fn) => Fn): () => void {
  const own = Object.getOwnPropertyDescriptor(obj, key);
  const orig = (obj as Record<string, Fn>)[key];
  const wrapper = make(orig);
  Object.defineProperty(obj, key, { value: wrapper, configurable: true, writable: true, enumerable: false });
  return () => {
    const now = Object.getOwnPropertyDescriptor(obj, key);
    if (!now || now.value !== wrapper) return;
    if (own) Object.defineProperty(obj, key, own);
    else delete (obj as Record<string, unknown>)[key];
  };
}

const PASS_THROUGH = (m: Module): boolean => m instanceof Dropout || m instanceof Identity || m instanceof Flatten;

function hasOwnParams(m: Module): boolean {
  return Object.keys(m).some((k) => (m as unknown as Record<string, unknown>)[k] instanceof Tensor &&
    ((m as unknown as Record<string, Tensor>)[k]).requiresGrad);
}

/** Instrument `model`; call `finish()` after the forward to remove everything and get the rows. */
export function capture(model: Module, opts: CaptureOptions = {}): { finish(): CaptureResult } {
  const bins = opts.bins ?? 30;
  const paths = new Map<Module, string>();
  for (const [p, m] of model.namedModules()) if (!paths.has(m)) paths.set(m, p);
  // Sequential runs Linear + next activation module as one kernel: name that event after the activation
  const fusedName = new Map<Module, string>();
  for (const [p, m] of model.namedModules()) {
    if (!(m instanceof Sequential)) continue;
    const kids = m.namedChildren();
    for (let i = 0; i + 1 < kids.length; i++) {
      if (kids[i][1] instanceof Linear && kids[i + 1][1] instanceof ActivationModule) {
        fusedName.set(kids[i][1], p ? `${p}.${kids[i + 1][0]}` : kids[i + 1][0]);
      }
    }
  }

  const stack: Module[] = [];
  const producer = new WeakMap<Tensor, string>();
  const linearOrigin = new WeakMap<Tensor, string>();
  const chainOf = new Map<string, string[]>();
  const chains: string[][] = [];
  const activations: ActivationRow[] = [];
  const layerOrder: string[] = [];
  const seenLayer = new Set<string>();
  const sequence: CaptureResult['sequence'] = [];
  const nameCount = new Map<string, number>();
  let firstNonFiniteModule: string | null = null;
  let firstNonFiniteActivation: string | null = null;

  const uniqueName = (n: string): string => {
    const k = nameCount.get(n) ?? 0;
    nameCount.set(n, k + 1);
    return k === 0 ? n : `${n}_${k}`;
  };

  const enter = (m: Module, input: unknown): void => {
    const path = paths.get(m) ?? '?';
    stack.push(m);
    if (!seenLayer.has(path) && hasOwnParams(m)) { seenLayer.add(path); layerOrder.push(path); sequence.push(['params', path]); }
    if (m instanceof Linear && input instanceof Tensor) {
      const from = linearOrigin.get(input);
      if (from !== undefined) {
        let chain = chainOf.get(from);
        if (!chain) { chain = [from]; chains.push(chain); chainOf.set(from, chain); }
        if (!chain.includes(path)) chain.push(path);
        chainOf.set(path, chain);
      }
    }
  };
  const exit = (m: Module, input: unknown, out: unknown, fused: boolean): void => {
    stack.pop();
    if (!(out instanceof Tensor)) return;
    const path = paths.get(m) ?? '?';
    if (!producer.has(out)) producer.set(out, path);
    if (m instanceof Linear && !fused) linearOrigin.set(out, path);
    else if (PASS_THROUGH(m) && input instanceof Tensor && linearOrigin.has(input)) {
      linearOrigin.set(out, linearOrigin.get(input) as string);
    }
    if (firstNonFiniteModule === null && countNonFinite(out.data) > 0) firstNonFiniteModule = path;
  };

  const undo: (() => void)[] = [];
  // the module stack follows every forward, and Linear's fused Linear→activation path too
  const traced = (m: Module, method: 'forward' | 'forwardFused', fused: boolean): (() => void) =>
    wrapMethod(m, method, (orig) => function (this: Module, ...args: unknown[]) {
      enter(m, args[0]);
      let out: unknown;
      try { out = orig.apply(this, args); } catch (e) { stack.pop(); throw e; }
      exit(m, args[0], out, fused);
      return out;
    });
  for (const m of paths.keys()) {
    undo.push(traced(m, 'forward', false));
    if (m instanceof Linear) undo.push(traced(m, 'forwardFused', true));
  }

  undo.push(onActivation((info, _param, input, output) => {
    if (info.name === 'identity') return;
    const top = stack[stack.length - 1];
    let name: string, source: 'module' | 'functional', fused = false, modulePath: string;
    let inputName: string | null = producer.get(input) ?? null;
    if (top !== undefined && fusedName.has(top) && top instanceof Linear) {
      name = fusedName.get(top) as string; source = 'module'; fused = true;
      modulePath = name; inputName = paths.get(top) ?? null;
    } else if (top instanceof ActivationModule) {
      modulePath = paths.get(top) ?? ''; name = modulePath; source = 'module';
    } else {
      modulePath = top ? paths.get(top) ?? '' : '';
      name = modulePath ? `${modulePath}.${info.name}` : info.name; source = 'functional';
    }
    const u = unitStats(info, output.data, output.shape);
    const pre = moments(input.data), post = moments(output.data);
    if (firstNonFiniteActivation === null && post.nonFinite > 0 && pre.nonFinite === 0) firstNonFiniteActivation = name;
    sequence.push(['activation', activations.length]);
    activations.push({
      type: 'activation', name: uniqueName(name), kind: info.name, source, fused, module: modulePath, input: inputName,
      units: u.units, samples: u.samples, deadUnits: u.deadIndices.length, deadIndices: u.deadIndices,
      deadFraction: u.units > 0 ? u.deadIndices.length / u.units : 0,
      zeroFraction: u.zeroFraction, saturatedFraction: u.saturatedFraction,
      preMean: pre.mean, preStd: pre.std, postMean: post.mean, postStd: post.std, nonFinite: post.nonFinite,
      histogram: histogram(output.data, bins), preHistogram: histogram(input.data, bins),
    });
  }));

  let done = false;
  return {
    finish(): CaptureResult {
      if (!done) { done = true; for (const u of undo.reverse()) u(); }
      return { activations, layerOrder, sequence, linearChains: chains.filter((c) => c.length >= 2), firstNonFiniteModule, firstNonFiniteActivation };
    },
  };
}
