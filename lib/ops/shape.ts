/**
 * View ops: tensors that share their input's storage with a new (shape, strides, offset), as
 * PyTorch's views (transpose, permute, narrow, select, slice, expand, unsqueeze, squeeze, view,
 * reshape, flatten, unflatten, split, chunk), `contiguous()`, and their gradients. A view's
 * backward puts the (contiguous) gradient of the view at the view's place in a zero gradient of
 * its input, through the same layout taken relative to a contiguous input.
 */
import { B } from '../backend/index.js';
import { isGradEnabled, makeNode, markMultiOutput, multiOutputOp, recordView, result } from '../autograd.js';
import { Tensor, contiguousStrides, fmtShape, shapeSize, stridesContiguous } from '../tensor.js';
import { normDim, outputArray, sumToShape } from './util.js';

/** A view's layout: shape, strides, storage offset. */
export interface Layout { shape: number[]; strides: number[]; offset: number }

/** How a view op maps an input layout to the view's layout (applied to the real and the contiguous one). */
type LayoutFn = (shape: readonly number[], strides: readonly number[], offset: number) => Layout;

// Views made by ops that return several views (split, chunk), and views of those (autograd.ts
// keeps the mark): PyTorch forbids writing them in place while recording, and rebuilding their
// history after their base was written in place.
export { multiOutputOp };

/** A view of x through `f`, with autograd (scatter of the gradient through f of x's contiguous layout). */
function viewOf(x: Tensor, op: string, f: LayoutFn,
  backward?: (g: Float32Array) => Float32Array): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  const v = f(x.shape, x.strides, x.offset);
  const out = Tensor.view(x, v.shape, v.strides, v.offset, false, null, op);
  const multi = multiOutputOp(x);
  if (multi !== undefined) markMultiOutput(out, multi);
  if (isGradEnabled() && x.requiresGrad) {
    const bw = backward ?? scatterBackward(x, f);
    out.requiresGrad = true;
    // a view's backward reads nothing; if its storage is written in place later, its history is rebuilt (gradFnOf)
    out.gradFn = makeNode(op, [x], (g) => [bw(g)], { inputs: [] }, out);
    recordView(out);
  }
  return out;
}

/** The gradient of a view: g placed at the view's elements of a zero tensor of x's shape. */
function scatterBackward(x: Tensor, f: LayoutFn): (g: Float32Array) => Float32Array {
  const rel = f(x.shape, contiguousStrides(x.shape), 0);
  const n = x.size;
  if (rel.offset === 0 && shapeSize(rel.shape) === n && stridesContiguous(rel.shape, rel.strides)) return (g) => g;
  return (g) => {
    const gx = new Float32Array(n);
    B().stridedCopy(rel.shape, g, 0, contiguousStrides(rel.shape), gx, rel.offset, rel.strides);
    return gx;
  };
}

/** Shape arguments as PyTorch takes them: varargs or one array (`view(2, 3)`, `view([2, 3])`). */
export type ShapeArgs = (number | readonly number[])[];
export function shapeArg(op: string, args: ShapeArgs): number[] {
  const s = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly number[]).slice() : args as number[];
  for (const d of s) {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new TypeError(`${op}: a shape is integers, given as arguments or one array, got (${args.map((a) => JSON.stringify(a)).join(', ')})`);
    }
  }
  return s.slice();
}

/** Resolve one -1 dim of a requested shape against a number of elements. */
function inferShape(op: string, shape: readonly number[], n: number, from: readonly number[]): number[] {
  const s = shape.slice();
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0) throw new RangeError(`${op}: only one dim can be -1, got ${fmtShape(shape)}`);
    const rest = shapeSize(s.filter((_, i) => i !== free), op);
    if (rest === 0 || n % rest !== 0) {
      throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${n}`);
    }
    s[free] = n / rest;
  }
  if (shapeSize(s, op) !== n) {
    throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(from)} (size ${n})`);
  }
  return s;
}

/**
 * Strides for viewing (shape, strides) as newShape without a copy, or null when impossible
 * (PyTorch's computeStride: each run of merged old dims must be contiguous within itself).
 */
export function viewStrides(shape: readonly number[], strides: readonly number[], newShape: readonly number[]): number[] | null {
  if (shape.length === 0) return newShape.map(() => 1); // a 0-d tensor: every new dim has size 1
  const n = shapeSize(shape);
  const out = new Array<number>(newShape.length);
  // empty: the old strides when the shape is unchanged, else the strides of a fresh tensor (NumPy's rule, as PyTorch)
  if (n === 0) return shape.length === newShape.length && shape.every((d, i) => d === newShape[i]) ? strides.slice() : contiguousStrides(newShape);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1] ?? 1;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) { chunkBase = strides[d - 1]; tensorNumel = 1; viewNumel = 1; }
    }
  }
  if (viewD !== -1) return null;
  return out;
}

/** PyTorch's view: the same storage in a new shape (one dim may be -1); an error when the strides do not allow it. */
export function view(x: Tensor, ...args: ShapeArgs): Tensor {
  const shape = inferShape('view', shapeArg('view', args), x.size, x.shape);
  const st = viewStrides(x.shape, x.strides, shape);
  if (st === null) {
    throw new RangeError(`view: size ${fmtShape(shape)} is not compatible with input of shape ${fmtShape(x.shape)} and ` +
      `strides ${fmtShape(x.strides)} (at least one dim spans two non-contiguous runs); use reshape (which copies) or contiguous() first`);
  }
  return viewOf(x, 'view', (sh, s, o) => ({ shape, strides: viewStrides(sh, s, shape) ?? contiguousStrides(shape), offset: o }));
}

/**
 * The same elements in a new shape (one dim may be -1): a view when the strides allow, else a copy.
 * @example
 * ```js
 * import { arange, reshape } from 'neurite';
 * console.log(reshape(arange(6), 2, -1).shape, reshape(arange(6), [3, 2]).shape); // [ 2, 3 ] [ 3, 2 ]
 * ```
 */
export function reshape(x: Tensor, ...args: ShapeArgs): Tensor {
  const shape = inferShape('reshape', shapeArg('reshape', args), x.size, x.shape);
  if (viewStrides(x.shape, x.strides, shape) !== null) return view(x, shape);
  return view(contiguous(x), shape);
}

/**
 * Flatten dims startDim..endDim into one (nn.Flatten's default is startDim = 1); a view when possible.
 * @example
 * ```js
 * import { flatten, zeros } from 'neurite';
 * console.log(flatten(zeros(2, 3, 4)).shape, flatten(zeros(2, 3, 4), 1).shape); // [ 24 ] [ 2, 12 ]  (torch.flatten(x, 1))
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim('flatten', startDim, x.ndim), b = normDim('flatten', endDim, x.ndim);
  if (a > b) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  if (a === b) return x; // PyTorch returns the input itself (same layout, size-1 and empty dims keep their strides)
  const mid = x.shape.slice(a, b + 1).reduce((p, q) => p * q, 1);
  return reshape(x, [...x.shape.slice(0, a), mid, ...x.shape.slice(b + 1)]);
}

/** Split dim into `sizes` (one may be -1), as torch.unflatten. */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normDim('unflatten', dim, x.ndim);
  const inner = inferShape('unflatten', shapeArg('unflatten', [sizes]), x.shape[d], [x.shape[d]]);
  return reshape(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

/** A contiguous tensor with x's elements: x itself when already contiguous, else one strided copy. */
export function contiguous(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('contiguous: expected a Tensor');
  if (x.isContiguous()) return x;
  const out = outputArray(x.size); // the copy writes every element: no zero fill
  B().stridedCopy(x.shape, x.storage, x.offset, x.strides, out, 0, contiguousStrides(x.shape));
  return result(out, x.shape, 'contiguous', [x], (g) => [g], { inputs: [] });
}

/**
 * Swap two dims: a view (`transpose(x, 0, 1)` of a matrix is its transpose).
 * @example
 * ```js
 * import { arange, transpose } from 'neurite';
 * console.log(transpose(arange(6).reshape(2, 3), 0, 1).toArray()); // [ [ 0, 3 ], [ 1, 4 ], [ 2, 5 ] ]
 * ```
 */
export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('transpose: expected a Tensor');
  const a = normDim('transpose', dim0, x.ndim), b = normDim('transpose', dim1, x.ndim);
  if (x.ndim < 2) return viewOf(x, 'transpose', (sh, s, o) => ({ shape: sh.slice(), strides: s.slice(), offset: o }));
  return viewOf(x, 'transpose', (sh, s, o) => {
    const shape = sh.slice(), strides = s.slice();
    [shape[a], shape[b]] = [shape[b], shape[a]];
    [strides[a], strides[b]] = [strides[b], strides[a]];
    return { shape, strides, offset: o };
  });
}

/** PyTorch's `.T`: all dims reversed (a matrix's transpose; 0-D and 1-D tensors unchanged). */
export function reverseDims(x: Tensor): Tensor {
  return permute(x, x.shape.map((_, i) => x.ndim - 1 - i));
}

/** PyTorch's `.mT`: the last two dims swapped (a batch of matrices transposed). */
export function mT(x: Tensor): Tensor {
  if (x.ndim < 2) throw new RangeError(`mT: expected a tensor of rank >= 2, got shape ${fmtShape(x.shape)}`);
  return transpose(x, -2, -1);
}

/** Reorder the dims: result dim i is x's dim dims[i]. */
export function permute(x: Tensor, ...args: ShapeArgs): Tensor {
  const dims = shapeArg('permute', args).map((d) => normDim('permute', d, x.ndim));
  if (dims.length !== x.ndim || new Set(dims).size !== dims.length) {
    throw new RangeError(`permute: dims ${fmtShape(dims)} are not a permutation of the ${x.ndim} dims of ${fmtShape(x.shape)}`);
  }
  return viewOf(x, 'permute', (sh, s, o) => ({ shape: dims.map((d) => sh[d]), strides: dims.map((d) => s[d]), offset: o }));
}

/** `length` elements of dim from start (torch.narrow; a negative start counts from the end). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim('narrow', dim, x.ndim);
  if (x.ndim === 0) throw new RangeError('narrow: cannot narrow a 0-d tensor');
  const n = x.shape[d];
  if (!Number.isInteger(start) || start < -n || start > n) {
    throw new RangeError(`narrow: start ${start} is out of range for dim ${dim} of size ${n}`);
  }
  const s0 = start < 0 ? start + n : start;
  if (!Number.isInteger(length) || length < 0 || s0 + length > n) {
    throw new RangeError(`narrow: start (${s0}) + length (${length}) exceeds dim ${dim} of size ${n}`);
  }
  return viewOf(x, 'narrow', (sh, s, o) => {
    const shape = sh.slice();
    shape[d] = length;
    return { shape, strides: s.slice(), offset: o + s0 * s[d] };
  });
}

/** Index `index` of dim, dropping the dim (torch.select; x[i] is select(x, 0, i)). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.ndim === 0) throw new RangeError('select: cannot select from a 0-d tensor');
  const d = normDim('select', dim, x.ndim);
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new RangeError(`select: index ${index} is out of range for dim ${dim} of size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  return viewOf(x, 'select', (sh, s, o) => ({
    shape: sh.filter((_, k) => k !== d), strides: s.filter((_, k) => k !== d), offset: o + i * s[d],
  }));
}

/**
 * Elements start, start+step, ... below end of dim: PyTorch's `x[:, start:end:step]` is
 * `x.slice(1, start, end, step)`. Python's slice rules: negative start/end count from the end,
 * out-of-range bounds clamp, `end` omitted (or null) means the end; step >= 1.
 */
export function slice(x: Tensor, dim: number, start: number | null = 0, end: number | null = null, step = 1): Tensor {
  if (x.ndim === 0) throw new RangeError('slice: cannot slice a 0-d tensor');
  const d = normDim('slice', dim, x.ndim);
  const n = x.shape[d];
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  const clampIdx = (v: number | null, dflt: number, what: string): number => {
    if (v === null || v === undefined) return dflt;
    if (!Number.isInteger(v)) throw new RangeError(`slice: ${what} must be an integer or null, got ${v}`);
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, 0), n);
  };
  const a = clampIdx(start, 0, 'start'), b = Math.max(clampIdx(end, n, 'end'), a);
  const len = Math.ceil((b - a) / step);
  return viewOf(x, 'slice', (sh, s, o) => {
    const shape = sh.slice(), strides = s.slice();
    shape[d] = len;
    strides[d] = s[d] * step;
    return { shape, strides, offset: o + a * s[d] }; // as PyTorch, also when empty
  });
}

/**
 * Index a tensor the way Python's `x[...]` does, one entry per leading dim: a number selects
 * (drops the dim), `[start, end?, step?]` slices (null for an omitted bound), null keeps the
 * whole dim. `x.index(null, [0, 10])` is `x[:, 0:10]`; `x.index(2)` is `x[2]`.
 */
export type IndexArg = number | null | readonly (number | null)[];
export function index(x: Tensor, ...idx: IndexArg[]): Tensor {
  if (idx.length > x.ndim) throw new RangeError(`index: ${idx.length} indices for a tensor of rank ${x.ndim}`);
  let out = x, dim = 0;
  for (const e of idx) {
    if (e === null || e === undefined) { dim++; continue; }
    if (typeof e === 'number') { out = select(out, dim, e); continue; }
    if (Array.isArray(e) && e.length >= 1 && e.length <= 3) {
      out = slice(out, dim, e[0] ?? null, e[1] ?? null, e[2] ?? 1);
      dim++;
      continue;
    }
    throw new TypeError(`index: each index is a number, null or [start, end?, step?], got ${JSON.stringify(e)}`);
  }
  return out;
}

/**
 * Broadcast size-1 dims to `shape` without copying (stride 0), as torch.expand; -1 keeps a dim,
 * new leading dims may be added. The gradient sums over the expanded dims.
 */
export function expand(x: Tensor, ...args: ShapeArgs): Tensor {
  const want = shapeArg('expand', args);
  if (want.length < x.ndim) {
    throw new RangeError(`expand: the number of sizes (${want.length}) must be at least the rank of ${fmtShape(x.shape)}`);
  }
  const lead = want.length - x.ndim;
  const shape = want.map((w, i) => {
    const have = i < lead ? -2 : x.shape[i - lead];
    if (w === -1) {
      if (i < lead) throw new RangeError(`expand: -1 is not allowed for a new leading dim (${fmtShape(want)})`);
      return have;
    }
    if (w < 0 || (have !== -2 && have !== 1 && have !== w)) {
      throw new RangeError(`expand: the size of dim ${i - lead} (${have}) cannot be expanded to ${w} (shape ${fmtShape(x.shape)} to ${fmtShape(want)})`);
    }
    return w;
  });
  return viewOf(x, 'expand', (sh, s, o) => {
    // PyTorch's inferExpandGeometry: an expanded dim gets stride 0; a new leading dim of size 1 the
    // stride a contiguous dim would have over the dims after it; everything from a 0-d tensor stride 0
    const strides = new Array<number>(shape.length);
    for (let i = shape.length - 1; i >= 0; i--) {
      const have = i < lead ? 1 : sh[i - lead];
      const st = i >= lead ? s[i - lead] : sh.length === 0 ? 0 : shape[i + 1] * strides[i + 1];
      strides[i] = have !== shape[i] ? 0 : st;
    }
    return { shape, strides, offset: o };
  }, (g) => sumToShape(g, shape, x.shape));
}

/** x expanded to other's shape. */
export function expandAs(x: Tensor, other: Tensor): Tensor {
  return expand(x, other.shape);
}

/** A size-1 dim inserted at `dim` (which ranges over rank + 1 positions). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  return viewOf(x, 'unsqueeze', (sh, s, o) => {
    const shape = sh.slice(), strides = s.slice();
    shape.splice(d, 0, 1);
    strides.splice(d, 0, d < sh.length ? sh[d] * s[d] : 1);
    return { shape, strides, offset: o };
  });
}

/** Size-1 dims removed: all of them, or only `dim` (when it has size 1; else unchanged, as PyTorch). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  const d = dim === undefined ? -1 : normDim('squeeze', dim, x.ndim);
  return viewOf(x, 'squeeze', (sh, s, o) => {
    const keep = (k: number): boolean => (d === -1 ? sh[k] !== 1 : k !== d || sh[k] !== 1);
    return { shape: sh.filter((_, k) => keep(k)), strides: s.filter((_, k) => keep(k)), offset: o };
  });
}

/** Views of consecutive pieces of dim: of `size` each (the last may be smaller), or of the listed sizes. */
export function split(x: Tensor, sizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d];
  let parts: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes < 0 || (sizes === 0 && n > 0)) {
      throw new RangeError(`split: split size must be a positive integer, got ${sizes}`);
    }
    parts = [];
    for (let s = 0; s < n; s += sizes) parts.push(Math.min(sizes, n - s));
    if (parts.length === 0) parts.push(0);
  } else {
    parts = sizes.slice();
    const sum = parts.reduce((p, q) => p + q, 0);
    if (parts.some((p) => !Number.isInteger(p) || p < 0) || sum !== n) {
      throw new RangeError(`split: sizes ${fmtShape(parts)} must be non-negative integers summing to dim ${dim}'s size ${n}`);
    }
  }
  const out: Tensor[] = [];
  let s = 0;
  for (const p of parts) {
    const v = narrow(x, d, s, p);
    markMultiOutput(v, 'split'); // even a single piece, as PyTorch
    out.push(v);
    s += p;
  }
  return out;
}

/** `chunks` views of dim of ceil(size / chunks) each (fewer when it does not divide), as torch.chunk. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks < 1) throw new RangeError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normDim('chunk', dim, x.ndim);
  const size = Math.ceil(x.shape[d] / chunks);
  return split(x, Math.max(size, 1), d);
}
