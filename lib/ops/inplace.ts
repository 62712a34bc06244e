/**
 * In-place ops (`add_`, `sub_`, `mul_`, `div_`, `fill_`, `zero_`, `copy_`, `clamp_`, and the
 * activations' `inplace`), with PyTorch's autograd rules: no in-place op on a leaf (or a view
 * of a leaf) that requires grad while recording; every write bumps the storage's version
 * counter, so a backward that needs the old values throws; when recording, the tensor's
 * history is rebased onto the in-place op (through its base when it is a view, as PyTorch's
 * CopySlices), so later uses of the tensor differentiate through the op. The activations'
 * in-place forms (`relu_`, `inplace: true`) live with the activations and use `inplace` here.
 */
import { B } from '../backend/index.js';
import { Binary, Unary } from '../backend/types.js';
import { bumpVersion, isGradEnabled, makeNode, recordView, shadowOf, type Saves } from '../autograd.js';
import { Tensor, contiguousStrides, fmtShape } from '../tensor.js';
import { multiOutputOp } from './shape.js';
import { asTensor, broadcastShapes, padShape, sumToShape, type TensorLike } from './util.js';

export type Backward = (g: Float32Array) => (Float32Array | null)[];

/** Refuse to write a tensor whose elements share memory (an expanded dim), as PyTorch. */
function checkWritable(op: string, t: Tensor): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  for (let i = 0; i < t.ndim; i++) {
    if (t.strides[i] === 0 && t.shape[i] > 1) {
      throw new RangeError(`${op}: unsupported operation: more than one element of the written-to tensor refers to ` +
        `a single memory location (an expanded dim); clone() it first`);
    }
  }
}

/** Write `vals` (contiguous, t's logical order) into t's storage through its layout. */
function writeBack(t: Tensor, vals: Float32Array): void {
  if (t.isContiguous()) { const w = t.data; if (w !== vals) w.set(vals); return; }
  B().stridedCopy(t.shape, vals, 0, contiguousStrides(t.shape), t.storage, t.offset, t.strides);
}

/**
 * Overwrite t's elements with `vals` (contiguous, t's logical order) outside autograd, as
 * PyTorch's initialisers do under no_grad: through t's layout, counted by its version.
 */
export function setElements(op: string, t: Tensor, vals: Float32Array): Tensor {
  checkWritable(op, t);
  writeBack(t, vals);
  bumpVersion(t, op);
  return t;
}

/** An operand's elements, copied when it shares t's storage (so reads never see half-written values). */
function readOperand(t: Tensor, o: Tensor): Float32Array {
  const d = o.data;
  return o.storage.buffer === t.storage.buffer && o.isContiguous() ? d.slice() : d;
}

/**
 * Run an in-place op: `compute(cur)` returns t's new elements (it may write into `cur`, t's
 * contiguous elements: the live window when t is contiguous); `backward` gives the gradients
 * of [t's old value, ...others] from the gradient of t's new value.
 */
export function inplace(op: string, t: Tensor, others: Tensor[], compute: (cur: Float32Array) => Float32Array,
  backward: Backward, saves: Saves): Tensor {
  checkWritable(op, t);
  const recording = isGradEnabled() && (t.requiresGrad || others.some((o) => o.requiresGrad));
  if (recording) {
    if (t.isLeaf && t.requiresGrad) {
      throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation ` +
        `(do it inside noGrad, or on a clone())`);
    }
    const multi = multiOutputOp(t);
    if (multi !== undefined) {
      throw new Error(`${op}: this tensor is a view made by ${multi} (or a view of one), a function that returns ` +
        `multiple views; such views cannot be modified in place while recording gradients (clone() it first)`);
    }
    if (t.base !== null && t.base.isLeaf && t.base.requiresGrad) {
      throw new Error(`${op}: a view of a leaf tensor that requires grad is being used in an in-place operation ` +
        `(do it inside noGrad, or on a clone())`);
    }
  }
  writeBack(t, compute(t.data));
  bumpVersion(t, op);
  if (recording) rebase(op, t, others, backward, saves);
  return t;
}

/** Make t's history (and its base's, for a view) go through the in-place op. */
function rebase(op: string, t: Tensor, others: Tensor[], backward: Backward, saves: Saves): void {
  const base = t.base;
  const mut = t as { requiresGrad: boolean; gradFn: Tensor['gradFn'] };
  if (base === null) {
    const old = shadowOf(t);
    mut.gradFn = makeNode(op, [old, ...others], backward, saves, t);
    mut.requiresGrad = true;
    return;
  }
  if (!base.isContiguous() || base.offset !== 0 || base.storage.length !== base.size) {
    throw new Error(`${op}: an in-place op on a view of a detached view is not supported while recording; clone() it first`);
  }
  // t is a view of base (contiguous, offset 0): its layout is its place in base
  const shape = t.shape.slice(), strides = t.strides.slice(), offset = t.offset, n = base.size;
  const cs = contiguousStrides(shape);
  const gather = (gb: Float32Array): Float32Array => {
    const gv = new Float32Array(t.size);
    B().stridedCopy(shape, gb, offset, strides, gv, 0, cs);
    return gv;
  };
  const scatter = (into: Float32Array, gv: Float32Array | null): Float32Array => {
    B().stridedCopy(shape, gv ?? new Float32Array(t.size), 0, cs, into, offset, strides);
    return into;
  };
  shadowOf(t); // past users of the view keep its old history
  const oldBase = shadowOf(base);
  const bm = base as { requiresGrad: boolean; gradFn: Tensor['gradFn'] };
  bm.gradFn = makeNode(op, [oldBase, ...others], (gb) => {
    const [gOld, ...rest] = backward(gather(gb));
    return [scatter(gb.slice(), gOld), ...rest];
  }, saves, t);
  bm.requiresGrad = true;
  mut.gradFn = makeNode('view', [base], (g) => [scatter(new Float32Array(n), g)], { inputs: [] }, t);
  recordView(t);
  mut.requiresGrad = true;
}

/** The other operand broadcast to t's shape (t's shape may not grow, as PyTorch's in-place ops). */
function operandShape(op: string, t: Tensor, o: Tensor): number[] {
  const shape = broadcastShapes(op, t.shape, o.shape);
  if (shape.length !== t.ndim || shape.some((d, i) => d !== t.shape[i])) {
    throw new RangeError(`${op}: output with shape ${fmtShape(t.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  }
  return padShape(o.shape, t.ndim);
}

function binaryInplace(op: string, id: (typeof Binary)[keyof typeof Binary], t: Tensor, other: TensorLike,
  grads: (g: Float32Array, o: Tensor, od: Float32Array, old: Float32Array | null) => [Float32Array | null, Float32Array | null],
  needOld: (o: Tensor) => boolean, saves: Saves): Tensor {
  const o = asTensor(other, op);
  const os = operandShape(op, t, o);
  const od = readOperand(t, o);
  let old: Float32Array | null = null;
  const shape = t.shape;
  return inplace(op, t, [o], (cur) => {
    if (isGradEnabled() && needOld(o)) old = cur.slice();
      B().binary(id, cur, shape, od, os, cur, shape); // exactly in place: od never aliases cur
    return cur;
  }, (g) => {
    const [gt, go] = grads(g, o, od, old);
    return [gt, go && o.requiresGrad ? sumToShape(go, shape, o.shape) : null];
  }, saves);
}

function mulBuf(a: Float32Array, as: readonly number[], b: Float32Array, bs: readonly number[], shape: readonly number[]): Float32Array {
  const out = new Float32Array(shape.reduce((p, q) => p * q, 1));
  B().binary(Binary.mul, a, as, b, bs, out, shape);
  return out;
}

/** t += other (broadcast to t's shape), in place. */
export function add_(t: Tensor, other: TensorLike): Tensor {
  return binaryInplace('add_', Binary.add, t, other, (g) => [g, g], () => false, { inputs: [] });
}

/** t -= other, in place. */
export function sub_(t: Tensor, other: TensorLike): Tensor {
  return binaryInplace('sub_', Binary.sub, t, other, (g, o) => {
    if (!o.requiresGrad) return [g, null];
    const neg = new Float32Array(g.length);
    B().unary(Unary.neg, g, neg, g.length, 0, 0);
    return [g, neg];
  }, () => false, { inputs: [] });
}

/** t *= other, in place. */
export function mul_(t: Tensor, other: TensorLike): Tensor {
  const shape = t.shape;
  return binaryInplace('mul_', Binary.mul, t, other, (g, o, od, old) => {
    const os = padShape(o.shape, shape.length);
    return [mulBuf(g, shape, od, os, shape), old ? mulBuf(g, shape, old, shape, shape) : null];
  }, (o) => o.requiresGrad, { inputs: [1] });
}

/** t /= other, in place. */
export function div_(t: Tensor, other: TensorLike): Tensor {
  const shape = t.shape;
  return binaryInplace('div_', Binary.div, t, other, (g, o, od, old) => {
    const os = padShape(o.shape, shape.length);
    const gt = new Float32Array(g.length);
    B().binary(Binary.div, g, shape, od, os, gt, shape); // g / o
    let go: Float32Array | null = null;
    if (old) { // -g·old/o² = -(g/o)·(old/o)
      const q = new Float32Array(g.length);
      B().binary(Binary.div, old, shape, od, os, q, shape);
      go = mulBuf(gt, shape, q, shape, shape);
      B().unary(Unary.neg, go, go, go.length, 0, 0);
    }
    return [gt, go];
  }, (o) => o.requiresGrad, { inputs: [1] });
}

/** Every element set to `value`, in place (no gradient reaches the old value). */
export function fill_(t: Tensor, value: number, op = 'fill_'): Tensor {
  if (typeof value !== 'number') throw new TypeError(`${op}: value must be a number`);
  return inplace(op, t, [], (cur) => cur.fill(value), () => [null], { inputs: [] });
}

/** Every element set to 0, in place. */
export function zero_(t: Tensor): Tensor {
  return fill_(t, 0, 'zero_');
}

/** src's elements (broadcast to t's shape) copied into t, in place; the gradient goes to src. */
export function copy_(t: Tensor, src: TensorLike): Tensor {
  const s = asTensor(src, 'copy_');
  const ss = operandShape('copy_', t, s);
  const sd = readOperand(t, s);
  const shape = t.shape;
  return inplace('copy_', t, [s], (cur) => {
    if (s.size === cur.length) { cur.set(sd); return cur; }
    B().binary(Binary.add, sd, ss, new Float32Array(1), shape.map(() => 1), cur, shape);
    return cur;
  }, (g) => [null, s.requiresGrad ? sumToShape(g, shape, s.shape) : null], { inputs: [] });
}

/** Clamp into [min, max] in place; the gradient passes where the old value was inside. */
export function clamp_(t: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  let mask: Uint8Array | null = null;
  return inplace('clamp_', t, [], (cur) => {
    if (isGradEnabled() && t.requiresGrad) {
      mask = new Uint8Array(cur.length);
      for (let i = 0; i < cur.length; i++) mask[i] = cur[i] >= lo && cur[i] <= hi ? 1 : 0;
    }
    B().unary(Unary.clamp, cur, cur, cur.length, lo > hi ? hi : lo, hi);
    return cur;
  }, (g) => {
    const out = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = mask![i] ? g[i] : 0;
    return [out];
  }, { inputs: [] });
}

