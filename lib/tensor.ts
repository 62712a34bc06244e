/**
 * Tensor: a shape and a contiguous row-major Float32Array (`data` is the live storage), plus
 * what autograd needs (requiresGrad, grad, the node that made it). Methods such as `add` or
 * `matmul` are the ops of lib/ops, installed on the prototype there; this file imports
 * nothing from ops, so the two never form a circle.
 */

/** How a tensor was made: its inputs and how to send a gradient back to them. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given d(out), the gradients for each input (null where an input needs none). */
  backward(grad: Float32Array): (Float32Array | null)[];
}

export type Shape = readonly number[];
export type NestedArray = number | NestedArray[];

export class Tensor {
  data: Float32Array;
  readonly shape: number[];
  requiresGrad: boolean;
  grad: Tensor | null = null;
  gradFn: GradNode | null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false, gradFn: GradNode | null = null) {
    const n = shapeSize(shape, 'Tensor');
    if (data.length !== n) {
      throw new RangeError(`Tensor: data has ${data.length} elements but shape [${shape.join(',')}] needs ${n}`);
    }
    this.data = data;
    this.shape = shape.slice();
    this.requiresGrad = requiresGrad;
    this.gradFn = gradFn;
  }

  get size(): number { return this.data.length; }
  get ndim(): number { return this.shape.length; }
  numel(): number { return this.data.length; }
  /** True for tensors the user made (not the result of an op): their grad accumulates. */
  get isLeaf(): boolean { return this.gradFn === null; }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new RangeError(`item: only one-element tensors have an item, this one has shape [${this.shape.join(',')}]`);
    }
    return this.data[0];
  }

  /** Nested arrays of numbers, as PyTorch's tolist(). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (dim: number, off: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[off + i] : build(dim + 1, off + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A tensor sharing this storage, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false, null);
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
