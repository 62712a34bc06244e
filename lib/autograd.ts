/**
 * The dynamic graph: ops record a GradNode on their result when gradients are enabled and an
 * input requires them; `backward` walks the graph in reverse topological order and accumulates
 * gradients into the leaves' `.grad` (as PyTorch: gradients add up until zeroed).
 */
import { B } from './backend/index.js';
import { Tensor, fmtShape, type GradNode, type Shape } from './tensor.js';

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording the graph (PyTorch's `with torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Set gradient recording on or off; returns the previous setting. */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * The result of an op: a graph node is attached only when recording and an input requires
 * grad, so inference pays nothing for autograd.
 */
export function result(data: Float32Array, shape: Shape, op: string, inputs: readonly Tensor[],
  backward: (grad: Float32Array) => (Float32Array | null)[]): Tensor {
  if (gradEnabled) {
    for (const t of inputs) {
      if (t.requiresGrad) return new Tensor(data, shape, true, { op, inputs, backward });
    }
  }
  return new Tensor(data, shape, false, null);
}

/** Hooks that see every gradient as it reaches a tensor (diagnostics use these). */
export type GradHook = (t: Tensor, grad: Float32Array) => void;
const gradHooks = new Set<GradHook>();
export function addGradHook(h: GradHook): () => void {
  gradHooks.add(h);
  return () => gradHooks.delete(h);
}

/**
 * Hooks called once a leaf's `.grad` holds this backward's gradient (PyTorch's
 * post-accumulate-grad hooks): DistributedDataParallel starts a bucket's all-reduce from here
 * while the rest of the backward runs.
 */
export type AccumulateHook = (leaf: Tensor) => void;
const accumulateHooks = new Set<AccumulateHook>();
export function addAccumulateHook(h: AccumulateHook): () => void {
  accumulateHooks.add(h);
  return () => accumulateHooks.delete(h);
}

/** Backpropagate from `root`; without `grad`, root must hold one element (d root = 1). */
export function backward(root: Tensor, grad?: Tensor | Float32Array): void {
  if (!root.requiresGrad) {
    throw new TypeError('backward: this tensor does not require grad and has no grad_fn ' +
      '(was it computed inside noGrad, or from tensors without requiresGrad?)');
  }
  let g: Float32Array;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new TypeError(`backward: grad can be implicitly created only for scalar outputs; ` +
        `this output has shape ${fmtShape(root.shape)}, pass a gradient of that shape`);
    }
    g = new Float32Array([1]);
  } else {
    g = grad instanceof Tensor ? grad.data : grad;
    if (g.length !== root.size) {
      throw new RangeError(`backward: gradient has ${g.length} elements, output ${fmtShape(root.shape)} has ${root.size}`);
    }
  }
  // the caller's gradient is read in place, never adopted: whoever would keep it copies it
  const borrowed = g;

  // reverse topological order by iterative DFS
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const node = top[0].gradFn;
    if (node && top[1] < node.inputs.length) {
      const next = node.inputs[top[1]++];
      if (next.requiresGrad && !seen.has(next)) { seen.add(next); stack.push([next, 0]); }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }

  const grads = new Map<Tensor, Float32Array>();
  const owned = new WeakSet<Float32Array>(); // buffers already adopted: a second user must copy
  const accumulate = (t: Tensor, dg: Float32Array): void => {
    const have = grads.get(t);
    if (have) B().axpy(dg.length, 1, dg, have);
    else if (owned.has(dg) || dg === borrowed) grads.set(t, dg.slice());
    else { owned.add(dg); grads.set(t, dg); }
  };
  grads.set(root, g);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const tg = grads.get(t);
    if (!tg) continue;
    grads.delete(t);
    owned.delete(tg); // t is done with it: the first input may adopt it, later ones copy
    for (const h of gradHooks) h(t, tg);
    const node = t.gradFn;
    if (!node) {
      if (t.grad) B().axpy(tg.length, 1, tg, t.grad.data);
      else { owned.add(tg); t.grad = new Tensor(tg === borrowed ? tg.slice() : tg, t.shape); }
      for (const h of accumulateHooks) h(t);
      continue;
    }
    const ins = node.backward(tg);
    for (let k = 0; k < node.inputs.length; k++) {
      const it = node.inputs[k];
      const gk = ins[k];
      if (gk && it.requiresGrad) accumulate(it, gk);
    }
  }
}
