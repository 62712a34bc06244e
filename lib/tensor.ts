/**
 * Tensor: PyTorch's strided layout, (storage, shape, strides, offset), plus what autograd needs
 * (requiresGrad, grad, the node that made it) and the storage's version counter.
 *
 * Layout contract (what every op may rely on):
 * - `storage` is a Float32Array shared by a tensor and all its views; element (i0, i1, ...) is
 *   `storage[offset + Σ ik·strides[k]]`. Strides are non-negative (0 for expanded dims) and
 *   every element lies inside the storage (checked when a view is made).
 * - `data` is the tensor's elements as a contiguous row-major Float32Array of `numel()`
 *   elements. For a contiguous tensor it is the live storage window (`storage.subarray`):
 *   reads see in-place writes and kernel writes into it land in the tensor. For a
 *   non-contiguous view (a transpose, a strided slice, an expand) it is a fresh copy made on
 *   each read (read it once into a local, not in a loop), and writing into that copy changes
 *   nothing: code that writes a tensor's elements (in-place ops, optimizers, initialisers) goes
 *   through `isContiguous()` / `copy_` / the in-place ops, which handle views. Results of
 *   ops, parameters, gradients and loaded tensors are always contiguous, so existing code that
 *   reads or writes `t.data` of those keeps working unchanged.
 * - Gradients are contiguous Float32Arrays of the tensor's logical shape, whatever its layout.
 * - `version` counts in-place writes to the storage (shared by all views, as PyTorch's
 *   `_version`): autograd records it when an op saves a tensor for backward and backward
 *   refuses to run, naming the op, when it changed. Writes through `.data` bypass it (as
 *   writes through PyTorch's `.data` do).
 *
 * Methods such as `add` or `matmul` are the ops of lib/ops, installed on the prototype there;
 * this file imports nothing from ops, so the two never form a circle.
 */
import { B } from './backend/index.js';

/** How a tensor was made: its inputs and how to send a gradient back to them. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given d(out), the gradients for each input (null where an input needs none). */
  backward(grad: Float32Array): (Float32Array | null)[];
}

/** A tensor's sizes per dimension, e.g. `[32, 10]` (PyTorch: torch.Size). */
export type Shape = readonly number[];
/** A number or nested arrays of numbers, as `tensor()` takes them (PyTorch: a Python list). */
export type NestedArray = number | NestedArray[];

/** A storage's version counter, shared by every view of it. */
export interface VersionCounter { v: number }

/** Where a view lies in its source's storage (see `Tensor.view`). */
export interface ViewLayout {
  readonly src: Tensor; readonly strides: Shape; readonly offset: number; readonly op: string;
  /** Not a differentiable view (detach): it records no base. */
  readonly detached?: boolean;
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= Math.max(shape[i], 1); } // size 0 counts as 1, as PyTorch
  return s;
}

/** Whether (shape, strides) is row-major contiguous (dims of size 1 may have any stride; an empty tensor always is, as PyTorch). */
export function stridesContiguous(shape: Shape, strides: Shape): boolean {
  if (shape.includes(0)) return true;
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    if (d !== 1 && strides[i] !== acc) return false;
    acc *= d;
  }
  return true;
}

/**
 * A float32 n-d array with autograd, PyTorch's torch.Tensor: (storage, shape, strides, offset), `grad`, `requiresGrad`.
 * Build one with `tensor`, `zeros`, `randn`, ...; ops are methods (`x.add(y)`, `x.view(2, 3)`) and functions.
 * @example
 * ```js
 * import { tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); // torch.tensor(..., requires_grad=True)
 * x.mul(x).sum().backward();
 * console.log(x.grad.toArray(), x.view(4).shape, x.T.shape); // [ [ 2, 4 ], [ 6, 8 ] ] [ 4 ] [ 2, 2 ]  (x.grad = 2x)
 * ```
 */
export class Tensor {
  /** The storage, shared with every view of this tensor. */
  readonly storage: Float32Array;
  readonly shape: number[];
  /** Element strides per dim (`stride()` returns a copy). */
  readonly strides: number[];
  /** Index of element (0, ..., 0) in the storage. */
  readonly offset: number;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  gradFn: GradNode | null;
  /** The storage's version counter (shared by views). */
  readonly versionCounter: VersionCounter;
  /** The tensor this one is a view of (PyTorch's `._base`), or null. */
  readonly base: Tensor | null;
  private readonly contig: boolean;
  private readonly n: number;
  private window: Float32Array | null;

  /**
   * A contiguous tensor over `data` (the whole array is its storage). `layout` is internal:
   * `Tensor.view` passes it to make a view of another tensor's storage.
   */
  constructor(data: Float32Array, shape: Shape, requiresGrad = false, gradFn: GradNode | null = null,
    layout?: ViewLayout) {
    const n = shapeSize(shape, 'Tensor');
    if (layout === undefined) {
      if (data.length !== n) {
        throw new RangeError(`Tensor: data has ${data.length} elements but shape [${shape.join(',')}] needs ${n}`);
      }
      this.strides = contiguousStrides(shape);
      this.offset = 0;
      this.versionCounter = { v: 0 };
      this.base = null;
      this.contig = true;
      this.window = data;
    } else {
      checkLayout(layout.op, data.length, shape, layout.strides, layout.offset);
      this.strides = layout.strides.slice();
      this.offset = layout.offset;
      this.versionCounter = layout.src.versionCounter;
      this.base = layout.detached ? null : layout.src.base ?? layout.src;
      this.contig = stridesContiguous(shape, layout.strides);
      this.window = null;
    }
    this.storage = data;
    this.shape = shape.slice();
    this.n = n;
    this.requiresGrad = requiresGrad;
    this.gradFn = gradFn;
  }

  /**
   * A view of `src`'s storage with the given layout (checked to stay inside the storage),
   * sharing its version counter. Autograd is the caller's business (lib/ops/shape.ts).
   */
  static view(src: Tensor, shape: Shape, strides: Shape, offset: number, requiresGrad = false,
    gradFn: GradNode | null = null, op = 'view'): Tensor {
    return new Tensor(src.storage, shape, requiresGrad, gradFn, { src, strides, offset, op, detached: op === 'detach' });
  }

  /**
   * The elements as a contiguous row-major Float32Array: the live storage window when
   * contiguous, else a fresh copy (see the header: never write into a copy expecting effect).
   */
  get data(): Float32Array {
    if (this.window !== null) return this.window;
    if (this.contig) {
      this.window = this.offset === 0 && this.n === this.storage.length
        ? this.storage : this.storage.subarray(this.offset, this.offset + this.n);
      return this.window;
    }
    const out = new Float32Array(this.size);
    B().stridedCopy(this.shape, this.storage, this.offset, this.strides, out, 0, contiguousStrides(this.shape));
    return out;
  }

  get size(): number { return this.n; }
  get ndim(): number { return this.shape.length; }
  numel(): number { return this.size; }
  /** True for tensors the user made (not the result of an op): their grad accumulates. */
  get isLeaf(): boolean { return this.gradFn === null; }
  /** Times the storage was modified in place (PyTorch's `_version`). */
  get version(): number { return this.versionCounter.v; }

  /** Whether the elements lie row-major without gaps (PyTorch's is_contiguous()). */
  isContiguous(): boolean { return this.contig; }
  /** The strides, or the stride of one dim (PyTorch's stride()). */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this.strides.slice();
    const r = this.shape.length;
    if (!Number.isInteger(dim) || dim < -r || dim >= r) {
      throw new RangeError(`stride: dim ${dim} is out of range for a tensor of rank ${r}`);
    }
    return this.strides[dim < 0 ? dim + r : dim];
  }
  /** Index of the first element in the storage (PyTorch's storage_offset()). */
  storageOffset(): number { return this.offset; }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new RangeError(`item: only one-element tensors have an item, this one has shape [${this.shape.join(',')}]`);
    }
    return this.storage[this.offset];
  }

  /** Nested arrays of numbers, as PyTorch's tolist(). */
  toArray(): NestedArray {
    const s = this.storage, st = this.strides;
    if (this.shape.length === 0) return s[this.offset];
    const build = (dim: number, off: number): NestedArray[] => {
      const n = this.shape[dim];
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? s[off + i * st[dim]] : build(dim + 1, off + i * st[dim]));
      }
      return out;
    };
    return build(0, this.offset);
  }

  /** A view of the same storage and layout, cut from the graph (shares the version counter). */
  detach(): Tensor {
    return Tensor.view(this, this.shape, this.strides, this.offset, false, null, 'detach');
  }

  /** Turn gradient tracking on or off for a leaf (PyTorch's requires_grad_). */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** Drop the gradient (PyTorch's `grad = None`). */
  zeroGrad(): void {
    this.grad = null;
  }

  toString(): string {
    const fmt = (v: number): string => {
      if (Number.isInteger(v) && Math.abs(v) < 1e6) return `${v}.`;
      const a = Math.abs(v);
      return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(4) : v.toFixed(4);
    };
    const render = (a: NestedArray, depth: number): string => {
      if (typeof a === 'number') return fmt(a);
      const items = a.length > 12
        ? [...a.slice(0, 3).map((x) => render(x, depth + 1)), '...', ...a.slice(-3).map((x) => render(x, depth + 1))]
        : a.map((x) => render(x, depth + 1));
      const sep = typeof a[0] === 'number' ? ', ' : `,\n${' '.repeat(depth + 8)}`;
      return `[${items.join(sep)}]`;
    };
    const grad = this.gradFn ? `, gradFn=<${this.gradFn.op}>` : this.requiresGrad ? ', requiresGrad=true' : '';
    return `tensor(${render(this.toArray(), 0)}, shape=[${this.shape.join(', ')}]${grad})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * A layout's elements must all lie in [0, storageLength): integer non-negative strides and
 * offset, and offset + Σ (d-1)·stride below the length (empty tensors touch nothing).
 */
export function checkLayout(op: string, storageLength: number, shape: Shape, strides: Shape, offset: number): void {
  if (strides.length !== shape.length) {
    throw new RangeError(`${op}: ${shape.length} dims but ${strides.length} strides`);
  }
  const n = shapeSize(shape, op);
  let last = offset;
  for (let i = 0; i < shape.length; i++) {
    const s = strides[i];
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`${op}: strides must be non-negative integers, got [${strides.join(',')}]`);
    if (shape[i] > 0) last += (shape[i] - 1) * s;
  }
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`${op}: storage offset must be a non-negative integer, got ${offset}`);
  if (n > 0 && last >= storageLength) {
    throw new RangeError(`${op}: shape [${shape.join(',')}], strides [${strides.join(',')}] and offset ${offset} ` +
      `reach element ${last}, outside a storage of ${storageLength}`);
  }
}

/** Number of elements of a shape, after checking every dim is a non-negative integer. */
export function shapeSize(shape: Shape, op = 'shape'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: dims must be non-negative integers, got [${shape.join(',')}]`);
    }
    n *= d;
  }
  if (n > 2 ** 32) throw new RangeError(`${op}: shape [${shape.join(',')}] is too large`);
  return n;
}

/** `[32,10]`, as errors print shapes. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}
