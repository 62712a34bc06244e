/**
 * The dynamic graph: ops record a GradNode on their result when gradients are enabled and an
 * input requires them; `backward` walks the graph in reverse topological order and accumulates
 * gradients into the leaves' `.grad` (as PyTorch: gradients add up until zeroed).
 */
import { B } from './backend/index.js';
import { Tensor, contiguousStrides, fmtShape, type GradNode, type Shape, type VersionCounter } from './tensor.js';

let gradEnabled = true;

/**
 * Whether ops currently record the graph.
 * @example
 * ```js
 * import { isGradEnabled, noGrad } from 'neurite';
 * console.log(isGradEnabled(), noGrad(() => isGradEnabled())); // true false  (torch.is_grad_enabled())
 * ```
 */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run fn without recording the graph (PyTorch's `with torch.no_grad()`).
 * @example
 * ```js
 * import { noGrad, tensor } from 'neurite';
 * const w = tensor([1, 2], { requiresGrad: true });
 * const y = noGrad(() => w.mul(2)); // with torch.no_grad(): y = w * 2
 * console.log(y.requiresGrad); // false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Set gradient recording on or off; returns the previous setting.
 * @example
 * ```js
 * import { isGradEnabled, setGradEnabled } from 'neurite';
 * const prev = setGradEnabled(false); // torch.set_grad_enabled(False); returns the previous setting
 * console.log(isGradEnabled()); // false
 * setGradEnabled(prev);
 * ```
 */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/**
 * What an op's backward reads besides the gradient, for PyTorch's version check: `inputs`
 * lists the input positions it saves (default: all), `output` whether it reads its own result.
 * An op whose backward reads none of them says `{ inputs: [] }`.
 */
export interface Saves { inputs?: readonly number[]; output?: boolean }

/** A tensor version recorded when an op saved it, checked again before its backward runs. */
interface SavedVersion { counter: VersionCounter; v: number; what: string }

/** Graph node with the version records and the inputs' history at the time it was made. */
interface Node extends GradNode {
  saved: SavedVersion[];
  /** Each input's gradFn when the op ran (undefined: it needed no grad then). */
  edges: (GradNode | null | undefined)[];
}

/**
 * The result of an op: a graph node is attached only when recording and an input requires
 * grad, so inference pays nothing for autograd.
 */
export function result(data: Float32Array, shape: Shape, op: string, inputs: readonly Tensor[],
  backward: (grad: Float32Array) => (Float32Array | null)[], saves?: Saves): Tensor {
  if (gradEnabled) {
    for (const t of inputs) {
      if (t.requiresGrad) {
        const out = new Tensor(data, shape, true, null);
        out.gradFn = makeNode(op, inputs, backward, saves, out);
        return out;
      }
    }
  }
  return new Tensor(data, shape, false, null);
}

/** A graph node for `out` (made by an op, a view or an in-place op), recording saved versions. */
export function makeNode(op: string, inputs: readonly Tensor[], backward: (grad: Float32Array) => (Float32Array | null)[],
  saves: Saves | undefined, out: Tensor | null): GradNode {
  const saved: SavedVersion[] = [];
  const idx = saves?.inputs;
  if (idx === undefined) {
    for (let k = 0; k < inputs.length; k++) saved.push({ counter: inputs[k].versionCounter, v: inputs[k].version, what: `input ${k}` });
  } else {
    for (const k of idx) saved.push({ counter: inputs[k].versionCounter, v: inputs[k].version, what: `input ${k}` });
  }
  if (saves?.output && out) saved.push({ counter: out.versionCounter, v: out.version, what: 'output' });
  const edges = inputs.map((t) => (t.requiresGrad ? gradFnOf(t) : undefined));
  const node: Node = { op, inputs, backward, saved, edges };
  return node;
}

/** The shadows of tensors whose history an in-place op rebased: old gradFn -> old value's node. */
const shadows = new WeakMap<GradNode, Tensor>();

/**
 * Make `t`'s history go through an in-place op (PyTorch's rebase_history): past users of t keep
 * the old node (through a shadow tensor), t gets `node`. Returns the shadow to use as the
 * in-place op's input standing for t's old value.
 */
export function shadowOf(t: Tensor): Tensor {
  const old = Tensor.view(t, t.shape, t.strides, t.offset, t.requiresGrad, t.gradFn, 'inplace');
  if (t.gradFn) shadows.set(t.gradFn, old);
  return old;
}

/** Views made by ops that return several views (split, chunk), and views of those: the op's name. */
const multiOutput = new WeakMap<Tensor, string>();
/** Mark t as (a view of) one of several views an op returned. */
export function markMultiOutput(t: Tensor, op: string): void {
  multiOutput.set(t, op);
}
/** The op that made t as one of several views (split / chunk), or undefined. */
export function multiOutputOp(t: Tensor): string | undefined {
  return multiOutput.get(t);
}

/** The storage version each differentiable view's gradFn was made at (PyTorch's view attr_version). */
const viewVersion = new WeakMap<Tensor, number>();
/** Record that view t's gradFn (a view of its base) describes its values as of now. */
export function recordView(t: Tensor): void {
  viewVersion.set(t, t.version);
}

/**
 * t's history for a new use (an op taking t, or a backward from t). A view whose storage was
 * written in place after its gradFn was made (through its base or another view) gets a new
 * gradFn as PyTorch regenerates it: a view of its base's current history (PyTorch's
 * AsStridedBackward), so its gradient goes through the in-place op; earlier users of the view
 * keep the old node (a shadow). Views of split/chunk cannot be regenerated (PyTorch's error).
 */
export function gradFnOf(t: Tensor): GradNode | null {
  const at = viewVersion.get(t);
  if (at === undefined || at === t.version || !t.requiresGrad) return t.gradFn;
  const base = t.base!;
  const multi = multiOutput.get(t);
  if (multi !== undefined) {
    throw new Error(`${multi}: an output of ${multi} is a view and its base or another view of its base has been modified in place; ` +
      `${multi} returns multiple views, whose history cannot be rebuilt after that (as PyTorch): clone() the output before the in-place op`);
  }
  if (!base.isContiguous() || base.offset !== 0 || base.storage.length !== base.size) {
    throw new Error('backward: a view of a detached view whose storage was modified in place cannot be differentiated; clone() it first');
  }
  const shape = t.shape.slice(), strides = t.strides.slice(), offset = t.offset, n = base.size;
  const cs = contiguousStrides(shape);
  shadowOf(t); // earlier users of t keep its old history
  (t as { gradFn: GradNode | null }).gradFn = makeNode('asStrided', [base], (g) => {
    const gb = new Float32Array(n);
    B().stridedCopy(shape, g, 0, cs, gb, offset, strides);
    return [gb];
  }, { inputs: [] }, t);
  viewVersion.set(t, t.version);
  return t.gradFn;
}

/** Count an in-place write to t's storage (named for the error a stale backward reports). */
export function bumpVersion(t: Tensor, op: string): void {
  t.versionCounter.v++;
  lastWriter.set(t.versionCounter, op);
}
const lastWriter = new WeakMap<VersionCounter, string>();

/**
 * A number naming t's storage (shared by its views), unique in the process (the native addon
 * hands them out, so worker_threads never share one; 0 = none: the js backend has no cache, and
 * asking it neither loads the addon nor keeps the 0): with `t.version` it keys the native
 * packed-weight cache of the bf16 products (lib/precision.ts).
 */
export function storageId(t: Tensor): number {
  let id = storageIds.get(t.versionCounter);
  if (id === undefined && (id = B().packCacheId()) !== 0) storageIds.set(t.versionCounter, id);
  return id;
}
const storageIds = new WeakMap<VersionCounter, number>();

function checkSaved(node: GradNode): void {
  const saved = (node as Partial<Node>).saved;
  if (!saved) return;
  for (const s of saved) {
    if (s.counter.v !== s.v) {
      const by = lastWriter.get(s.counter);
      throw new Error(`backward: one of the tensors needed for gradient computation has been modified by an ` +
        `inplace operation${by ? ` (${by})` : ''}: the ${s.what} of ${node.op} is at version ${s.counter.v}; ` +
        `expected version ${s.v} instead. Clone it before the in-place op, or do the in-place op after backward.`);
    }
  }
}

/** The tensor standing for input k of node at the time the op ran (a shadow if t was rebased). */
function inputAt(node: GradNode, k: number): Tensor | null {
  const t = node.inputs[k];
  const edges = (node as Partial<Node>).edges;
  if (!edges) return t.requiresGrad ? t : null;
  const e = edges[k];
  if (e === undefined) return null;
  if (e === t.gradFn) return t;
  return (e && shadows.get(e)) ?? null;
}

/**
 * Hooks that see every gradient as it reaches a tensor, before a leaf's `.grad` takes it (diagnostics use these;
 * DistributedDataParallel refuses a second gradient here, by throwing, before anything is written into its bucket).
 */
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

/**
 * Where a leaf's gradient may be written by the op that computes it (DistributedDataParallel's bucket, in memory the
 * ranks share): a provider gives an array of exactly the leaf's size, or null. It is asked only for a leaf whose
 * `.grad` is null (nothing to accumulate into), by an op that overwrites every element (a GEMM with beta = 0); the
 * provider lends an array once per backward at most (a second use of the leaf in the graph gets a fresh array, and
 * autograd adds it in as before), so the sums are the same operations in the same order: the same bits.
 */
export type GradTarget = (leaf: Tensor) => Float32Array | null;
const gradTargets = new Set<GradTarget>();
export function addGradTarget(f: GradTarget): () => void {
  gradTargets.add(f);
  return () => gradTargets.delete(f);
}
/** The array a kernel should write leaf `t`'s gradient (`n` elements, every one overwritten) into, or null (allocate). */
export function gradTarget(t: Tensor, n: number): Float32Array | null {
  if (gradTargets.size === 0 || t.gradFn || t.grad !== null || !t.isContiguous() || t.size !== n) return null;
  for (const f of gradTargets) {
    const a = f(t);
    if (a !== null && a.length === n) return a;
  }
  return null;
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
  gradFnOf(root); // a view whose base changed in place since: its history through the in-place op
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
      const next = inputAt(node, top[1]++);
      if (next && next.requiresGrad && !seen.has(next)) { seen.add(next); stack.push([next, 0]); }
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
    checkSaved(node);
    const ins = node.backward(tg);
    for (let k = 0; k < node.inputs.length; k++) {
      const it = inputAt(node, k);
      const gk = ins[k];
      if (gk && it && it.requiresGrad) accumulate(it, gk);
    }
  }
}
