/** Per parameterised layer: weight and gradient norms, their ratio, non-finite counts. */
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import { sumSquares } from './stats.js';

/** Statistics of one parameter tensor: norms of the weight and its gradient, non-finite counts. */
export interface ParamStat {
  name: string;
  shape: number[];
  norm: number;
  gradNorm: number | null;
  nonFiniteWeight: number;
  nonFiniteGrad: number;
}

/** A report row for one parameterised layer: gradient norm, gradient-to-weight ratio, NaN/Inf counts. */
export interface ParamRow {
  type: 'params';
  /** Module path, PyTorch style ('fc1', '0'). */
  name: string;
  /** Class of the module ('Linear', 'BatchNorm1d'). */
  kind: string;
  params: ParamStat[];
  /** L2 norm over all of the layer's parameters. */
  weightNorm: number;
  /** L2 norm over all of the layer's gradients; null when no gradient was computed. */
  gradNorm: number | null;
  gradToWeight: number | null;
  nonFiniteWeight: number;
  nonFiniteGrad: number;
  /** ‖Δθ‖ / ‖θ‖ of the last optimizer step (watch with an optimizer only). */
  updateToWeight?: number | null;
}

/** Group parameters by owning module: [module path, [param name, tensor][]], in `order` first. */
export function paramGroups(model: Module, order: readonly string[] = []): [string, [string, Tensor][]][] {
  const groups = new Map<string, [string, Tensor][]>();
  for (const p of order) groups.set(p, []);
  for (const [name, t] of model.namedParameters()) {
    const dot = name.lastIndexOf('.');
    const path = dot < 0 ? '' : name.slice(0, dot);
    let g = groups.get(path);
    if (!g) { g = []; groups.set(path, g); }
    g.push([name, t]);
  }
  return [...groups].filter(([, g]) => g.length > 0);
}

export function moduleAt(model: Module, path: string): Module | undefined {
  for (const [p, m] of model.namedModules()) if (p === path) return m;
  return undefined;
}

/** `grads` overrides t.grad (watch reads gradients from its hook). */
export function paramRows(model: Module, order: readonly string[] = [], grads?: Map<Tensor, Float32Array>): ParamRow[] {
  const kinds = new Map(model.namedModules().map(([p, m]) => [p, m.constructor.name]));
  return paramGroups(model, order).map(([path, ps]) => {
    let wss = 0, gss = 0, badW = 0, badG = 0, anyGrad = false;
    const params: ParamStat[] = ps.map(([name, t]) => {
      const w = sumSquares(t.data);
      const g = grads ? grads.get(t) ?? null : t.grad ? t.grad.data : null;
      const gs = g ? sumSquares(g) : null;
      wss += w.ss; badW += w.nonFinite;
      if (gs) { anyGrad = true; gss += gs.ss; badG += gs.nonFinite; }
      return { name, shape: t.shape.slice(), norm: Math.sqrt(w.ss), gradNorm: gs ? Math.sqrt(gs.ss) : null,
        nonFiniteWeight: w.nonFinite, nonFiniteGrad: gs ? gs.nonFinite : 0 };
    });
    const weightNorm = Math.sqrt(wss);
    const gradNorm = anyGrad ? Math.sqrt(gss) : null;
    return { type: 'params', name: path, kind: kinds.get(path) ?? 'Module', params, weightNorm, gradNorm,
      gradToWeight: gradNorm === null ? null : weightNorm > 0 ? gradNorm / weightNorm : gradNorm > 0 ? Infinity : 0,
      nonFiniteWeight: badW, nonFiniteGrad: badG };
  });
}
