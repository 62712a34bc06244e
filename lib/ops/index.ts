/**
 * The differentiable ops, and their installation as Tensor methods (`t.add(u)`, `t.relu()`),
 * typed by the declaration below so that tensor.ts needs no import from here.
 */
import { Tensor } from '../tensor.js';
import { backward } from '../autograd.js';
import * as ew from './elementwise.js';
import * as red from './reduce.js';
import * as shp from './shape.js';
import * as lin from './linalg.js';
import * as act from './activations.js';
import * as loss from './loss.js';
import * as inp from './inplace.js';
import * as idx from './indexing.js';
import * as srt from './sorting.js';
import * as st from './stats.js';
import type { Dims, IndexLike, TensorLike } from './util.js';

export * from './create.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './inplace.js';
export { matmul, linear } from './linalg.js';
export * from './activations.js';
export * from './loss.js';
export { dropout } from './dropout.js';
export * from './indexing.js';
export * from './sorting.js';
export * from './stats.js';
export type { Dims, IndexLike } from './util.js';
export { embedding, type EmbeddingOptions } from './embedding.js';

declare module '../tensor.js' {
  interface Tensor {
    add(o: TensorLike): Tensor; sub(o: TensorLike): Tensor; mul(o: TensorLike): Tensor; div(o: TensorLike): Tensor;
    neg(): Tensor; exp(): Tensor; log(): Tensor; sqrt(): Tensor; abs(): Tensor; pow(p: number): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    eq(o: TensorLike): Tensor; ne(o: TensorLike): Tensor; gt(o: TensorLike): Tensor; ge(o: TensorLike): Tensor;
    lt(o: TensorLike): Tensor; le(o: TensorLike): Tensor;
    sum(dim?: Dims, keepDim?: boolean): Tensor; mean(dim?: Dims, keepDim?: boolean): Tensor;
    max(): Tensor; max(dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
    min(): Tensor; min(dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
    argmax(dim?: number, keepDim?: boolean): Tensor; argmin(dim?: number, keepDim?: boolean): Tensor;
    all(dim?: number, keepDim?: boolean): Tensor; any(dim?: number, keepDim?: boolean): Tensor;
    // views (lib/ops/shape.ts): share this tensor's storage
    reshape(...shape: shp.ShapeArgs): Tensor; view(...shape: shp.ShapeArgs): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor; unflatten(dim: number, sizes: readonly number[]): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor; permute(...dims: shp.ShapeArgs): Tensor;
    /** All dims reversed (a matrix's transpose), as PyTorch's `.T`. */
    readonly T: Tensor;
    /** The last two dims swapped, as PyTorch's `.mT`. */
    readonly mT: Tensor;
    narrow(dim: number, start: number, length: number): Tensor; select(dim: number, index: number): Tensor;
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    index(...idx: shp.IndexArg[]): Tensor;
    expand(...shape: shp.ShapeArgs): Tensor; expandAs(other: Tensor): Tensor;
    unsqueeze(dim: number): Tensor; squeeze(dim?: number): Tensor;
    split(sizes: number | readonly number[], dim?: number): Tensor[]; chunk(chunks: number, dim?: number): Tensor[];
    contiguous(): Tensor;
    // in place (lib/ops/inplace.ts): return this tensor
    add_(o: TensorLike): Tensor; sub_(o: TensorLike): Tensor; mul_(o: TensorLike): Tensor; div_(o: TensorLike): Tensor;
    fill_(v: number): Tensor; zero_(): Tensor; copy_(src: TensorLike): Tensor;
    clamp_(min?: number | null, max?: number | null): Tensor; relu_(): Tensor;
    matmul(o: Tensor): Tensor;
    relu(): Tensor; sigmoid(): Tensor; tanh(): Tensor; gelu(opts?: act.GeluOptions): Tensor;
    leakyRelu(slope?: number): Tensor; elu(alpha?: number): Tensor;
    softmax(dim?: number): Tensor; logSoftmax(dim?: number): Tensor;
    /** Backpropagate from this tensor (a scalar, or pass a gradient of its shape). */
    backward(grad?: Tensor | Float32Array): void;
  }
}

type AnyFn = (this: Tensor, ...args: never[]) => unknown;
const methods: Record<string, AnyFn> = {
  add(o: TensorLike) { return ew.add(this, o); },
  sub(o: TensorLike) { return ew.sub(this, o); },
  mul(o: TensorLike) { return ew.mul(this, o); },
  div(o: TensorLike) { return ew.div(this, o); },
  neg() { return ew.neg(this); },
  exp() { return ew.exp(this); },
  log() { return ew.log(this); },
  sqrt() { return ew.sqrt(this); },
  abs() { return ew.abs(this); },
  pow(p: number) { return ew.pow(this, p); },
  clamp(lo?: number | null, hi?: number | null) { return ew.clamp(this, lo, hi); },
  eq(o: TensorLike) { return ew.eq(this, o); },
  ne(o: TensorLike) { return ew.ne(this, o); },
  gt(o: TensorLike) { return ew.gt(this, o); },
  ge(o: TensorLike) { return ew.ge(this, o); },
  lt(o: TensorLike) { return ew.lt(this, o); },
  le(o: TensorLike) { return ew.le(this, o); },
  sum(dim?: Dims, keep?: boolean) { return red.sum(this, dim, keep); },
  mean(dim?: Dims, keep?: boolean) { return red.mean(this, dim, keep); },
  max(dim?: number, keep?: boolean) { return dim === undefined ? red.max(this) : red.max(this, dim, keep); },
  min(dim?: number, keep?: boolean) { return dim === undefined ? red.min(this) : red.min(this, dim, keep); },
  argmax(dim?: number, keep?: boolean) { return red.argmax(this, dim, keep); },
  argmin(dim?: number, keep?: boolean) { return red.argmin(this, dim, keep); },
  all(dim?: number, keep?: boolean) { return red.all(this, dim, keep); },
  any(dim?: number, keep?: boolean) { return red.any(this, dim, keep); },
  reshape(...shape: shp.ShapeArgs) { return shp.reshape(this, ...shape); },
  view(...shape: shp.ShapeArgs) { return shp.view(this, ...shape); },
  flatten(a?: number, b?: number) { return shp.flatten(this, a, b); },
  unflatten(d: number, sizes: readonly number[]) { return shp.unflatten(this, d, sizes); },
  transpose(a?: number, b?: number) { return shp.transpose(this, a, b); },
  permute(...dims: shp.ShapeArgs) { return shp.permute(this, ...dims); },
  narrow(d: number, s: number, l: number) { return shp.narrow(this, d, s, l); },
  select(d: number, i: number) { return shp.select(this, d, i); },
  slice(d: number, s?: number | null, e?: number | null, st?: number) { return shp.slice(this, d, s, e, st); },
  index(...idx: shp.IndexArg[]) { return shp.index(this, ...idx); },
  expand(...shape: shp.ShapeArgs) { return shp.expand(this, ...shape); },
  expandAs(o: Tensor) { return shp.expandAs(this, o); },
  unsqueeze(d: number) { return shp.unsqueeze(this, d); },
  squeeze(d?: number) { return shp.squeeze(this, d); },
  split(s: number | readonly number[], d?: number) { return shp.split(this, s, d); },
  chunk(c: number, d?: number) { return shp.chunk(this, c, d); },
  contiguous() { return shp.contiguous(this); },
  add_(o: TensorLike) { return inp.add_(this, o); },
  sub_(o: TensorLike) { return inp.sub_(this, o); },
  mul_(o: TensorLike) { return inp.mul_(this, o); },
  div_(o: TensorLike) { return inp.div_(this, o); },
  fill_(v: number) { return inp.fill_(this, v); },
  zero_() { return inp.zero_(this); },
  copy_(s: TensorLike) { return inp.copy_(this, s); },
  clamp_(lo?: number | null, hi?: number | null) { return inp.clamp_(this, lo, hi); },
  relu_() { return act.relu_(this); },
  matmul(o: Tensor) { return lin.matmul(this, o); },
  relu() { return act.relu(this); },
  sigmoid() { return act.sigmoid(this); },
  tanh() { return act.tanh(this); },
  gelu(o?: act.GeluOptions) { return act.gelu(this, o); },
  leakyRelu(s?: number) { return act.leakyRelu(this, s); },
  elu(a?: number) { return act.elu(this, a); },
  softmax(dim?: number) { return loss.softmax(this, dim); },
  logSoftmax(dim?: number) { return loss.logSoftmax(this, dim); },
  backward(g?: Tensor | Float32Array) { backward(this, g); },
};
for (const [k, f] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, k, { value: f, writable: true, configurable: true });
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) { return shp.reverseDims(this); }, configurable: true,
});
Object.defineProperty(Tensor.prototype, 'mT', {
  get(this: Tensor) { return shp.mT(this); }, configurable: true,
});

// indexing, joining, sorting and statistics (lib/ops/indexing.ts, sorting.ts, stats.ts)
declare module '../tensor.js' {
  interface Tensor {
    indexSelect(dim: number, index: IndexLike): Tensor;
    gather(dim: number, index: IndexLike): Tensor;
    scatter(dim: number, index: IndexLike, src: TensorLike, opts?: idx.ScatterOptions): Tensor;
    scatterAdd(dim: number, index: IndexLike, src: Tensor): Tensor;
    scatterReduce(dim: number, index: IndexLike, src: Tensor, reduce: idx.ScatterReduction, opts?: idx.ScatterReduceOptions): Tensor;
    nonzero(opts: idx.NonzeroOptions & { asTuple: true }): Tensor[];
    nonzero(opts?: idx.NonzeroOptions & { asTuple?: false }): Tensor;
    maskedFill(mask: Tensor, value: TensorLike): Tensor;
    /** torch.where(cond, this, other). */
    where(cond: Tensor, other: TensorLike): Tensor;
    repeat(...sizes: (number | readonly number[])[]): Tensor;
    clone(): Tensor;
    var(dim?: Dims | st.VarOptions, opts?: st.VarOptions): Tensor;
    std(dim?: Dims | st.VarOptions, opts?: st.VarOptions): Tensor;
    cumsum(dim: number): Tensor;
    sort(dim?: number | srt.SortOptions, descending?: boolean): { values: Tensor; indices: Tensor };
    argsort(dim?: number | srt.SortOptions, descending?: boolean): Tensor;
    topk(k: number, dim?: number | srt.TopkOptions, largest?: boolean, sorted?: boolean): { values: Tensor; indices: Tensor };
  }
}
const moreMethods: Record<string, AnyFn> = {
  indexSelect(dim: number, i: IndexLike) { return idx.indexSelect(this, dim, i); },
  gather(dim: number, i: IndexLike) { return idx.gather(this, dim, i); },
  scatter(dim: number, i: IndexLike, src: TensorLike, o?: idx.ScatterOptions) { return idx.scatter(this, dim, i, src, o); },
  scatterAdd(dim: number, i: IndexLike, src: Tensor) { return idx.scatterAdd(this, dim, i, src); },
  scatterReduce(dim: number, i: IndexLike, src: Tensor, r: idx.ScatterReduction, o?: idx.ScatterReduceOptions) { return idx.scatterReduce(this, dim, i, src, r, o); },
  nonzero(o?: idx.NonzeroOptions) { return idx.nonzero(this, o); },
  maskedFill(mask: Tensor, v: TensorLike) { return idx.maskedFill(this, mask, v); },
  where(cond: Tensor, other: TensorLike) { return idx.where(cond, this, other); },
  repeat(...sizes: (number | readonly number[])[]) { return idx.repeat(this, ...sizes); },
  clone() { return idx.clone(this); },
  var(dim?: Dims | st.VarOptions, o?: st.VarOptions) { return st.variance(this, dim, o); },
  std(dim?: Dims | st.VarOptions, o?: st.VarOptions) { return st.std(this, dim, o); },
  cumsum(dim: number) { return st.cumsum(this, dim); },
  sort(dim?: number | srt.SortOptions, d?: boolean) { return srt.sort(this, dim, d); },
  argsort(dim?: number | srt.SortOptions, d?: boolean) { return srt.argsort(this, dim, d); },
  topk(k: number, dim?: number | srt.TopkOptions, l?: boolean, s?: boolean) { return srt.topk(this, k, dim, l, s); },
};
for (const [k, f] of Object.entries(moreMethods)) {
  Object.defineProperty(Tensor.prototype, k, { value: f, writable: true, configurable: true });
}

/**
 * `x[0]` on a Tensor would be `undefined` (a Tensor is not an array): the first indices throw a
 * TypeError that says what to use instead. Getters on the prototype cost nothing on the ops'
 * paths (a Proxy on every tensor would); an index past the guarded range stays undefined.
 */
export const GUARDED_INDICES = 64;
for (let i = 0; i < GUARDED_INDICES; i++) {
  Object.defineProperty(Tensor.prototype, String(i), {
    get(this: Tensor) {
      throw new TypeError(`Tensor: x[${i}] is not supported (a Tensor is not an array); use x.data[${i}] for the flat `
        + 'row-major values, x.toArray() for nested arrays, or x.item() for a one-element tensor');
    },
    configurable: true,
  });
}
