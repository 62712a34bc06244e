/**
 * The backend interface: the small kernel set that everything above `lib/backend/` calls.
 * Implemented twice, in TypeScript (`js.ts`) and in C++ behind Node-API (`native.ts`).
 *
 * Conventions shared by every kernel:
 * - all buffers are float32, row-major, contiguous; lengths are element counts;
 * - outputs are written, never resized; an output never aliases an input unless the kernel
 *   says so (in-place optimizer updates, `accumulate` flags);
 * - shapes are checked by the caller (lib/ops) and again by the native addon (trust boundary).
 */
export type F32 = Float32Array;

/** Activation ids: the same numbers in `native/kernels/activations.h`. */
export const Act = {
  identity: 0,
  relu: 1,
  leakyRelu: 2, // param: negative slope
  geluErf: 3,
  geluTanh: 4,
  sigmoid: 5,
  tanh: 6,
  elu: 7, // param: alpha
} as const;
export type ActId = (typeof Act)[keyof typeof Act];

/** Unary elementwise ops (ids shared with native). `p`, `q` are op parameters. */
export const Unary = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  abs: 4,
  pow: 5, // y = x^p
  clamp: 6, // y = min(max(x, p), q)
  scale: 7, // y = x * p + q
  recip: 8, // y = 1 / x
  sign: 9,
} as const;
export type UnaryId = (typeof Unary)[keyof typeof Unary];

/** Matmul precision ids (lib/precision.ts): the same numbers as `MatmulPrecision` in native/kernels/gemm.h. */
export const MatmulPrecision = { highest: 0, high: 1, medium: 2 } as const;
export type MatmulPrecisionId = (typeof MatmulPrecision)[keyof typeof MatmulPrecision];

/** Binary elementwise ops with NumPy broadcasting (ids shared with native). */
export const Binary = { add: 0, sub: 1, mul: 2, div: 3 } as const;

/** crossEntropyEx's reduction ids: the same numbers as kReduceNone/Mean/Sum in native/kernels/reduce.h. */
export const CeReduction = { none: 0, mean: 1, sum: 2 } as const;

/** The most layers one `linearChain` call takes (the addon's argument limit). */
export const LINEAR_CHAIN_MAX = 16;
export type BinaryId = (typeof Binary)[keyof typeof Binary];

/** An index array of the index kernels: an Int32Array, or a Float32Array of integers (a float32 index tensor's data). */
export type IndexArray = Int32Array | Float32Array;

export interface Backend {
  readonly name: 'js' | 'native';

  /**
   * C = alpha * op(A) * op(B) + beta * C, op(A): M×K, op(B): K×N, C: M×N.
   * A is stored M×K (K×M when transA), B is stored K×N (N×K when transB), all contiguous.
   * beta = 0 ignores C's old contents (NaN in C does not leak); beta = 1 accumulates.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: F32, B: F32, beta: number, C: F32): void;

  /**
   * Linear forward with the fused epilogue: Y = act(X·Wᵀ + b), X: M×K, W: N×K (PyTorch layout),
   * b: N or null. When `pre` is given it receives X·Wᵀ + b (needed by backward for GELU).
   * `transW`: W is stored transposed (K×N, the storage of a transposed view such as `v.T`), read
   * in place through the GEMM's transpose flag.
   */
  linearForward(X: F32, W: F32, b: F32 | null, M: number, N: number, K: number,
    act: ActId, param: number, Y: F32, pre: F32 | null, transW?: boolean): void;

  /**
   * Inference through a chain of Linear(+activation) layers in one call (Sequential in eval).
   * `spec` = [K0, N1, act1, param1, N2, act2, param2, ...]: layer i maps K(i-1) = N(i-1) features
   * to Ni. `wb` = [W1, b1, W2, b2, ...] (b may be null). X: M×K0, Y: M×N_L. `S` holds the hidden
   * activations: (L > 2 ? 2 : 1) × M × max hidden width floats. At most `LINEAR_CHAIN_MAX` layers.
   */
  linearChain(X: F32, M: number, spec: Float64Array, Y: F32, S: F32, wb: (F32 | null)[]): void;

  /**
   * Linear backward with the fused activation derivative and bias sum. dZ = gY * act'(Z):
   * gB = Σ_rows dZ, gW = dZᵀ·X (N×K), gX = dZ·W (M×K). Each output may be null (not wanted).
   * `Z` is the pre-activation (required when `actNeedsPre(act, param)`), `Y` the activation output.
   * With accumulate = true the results are added to gX/gW/gB, otherwise they overwrite them.
   * `transW`: W stored K×N as in linearForward; gW is N×K either way.
   */
  linearBackward(X: F32, W: F32, M: number, N: number, K: number, act: ActId, param: number,
    Z: F32 | null, Y: F32, gY: F32, gX: F32 | null, gW: F32 | null, gB: F32 | null,
    accumulate: boolean, transW?: boolean): void;

  /**
   * The precision of every matrix product of this backend on this thread (gemm, linear forward,
   * backward, chain): MatmulPrecision ids. Set through lib/precision.ts, never per call.
   */
  setMatmulPrecision(p: MatmulPrecisionId): void;

  /** y = act(x) over n elements. */
  actForward(act: ActId, param: number, x: F32, y: F32, n: number): void;
  /** gx = gy * act'(z); z is the input (may be null unless actNeedsPre), y the output. */
  actBackward(act: ActId, param: number, z: F32 | null, y: F32, gy: F32, gx: F32, n: number): void;

  /** y = op(x) over n elements; y may be x (in place). */
  unary(op: UnaryId, x: F32, y: F32, n: number, p: number, q: number): void;
  /** out = a op b with broadcasting; shapes already right-aligned to outShape's rank. */
  binary(op: BinaryId, a: F32, aShape: readonly number[], b: F32, bShape: readonly number[],
    out: F32, outShape: readonly number[]): void;
  /**
   * Copy a strided layout into another: dst[dOff + Σ i_k·dStrides_k] = src[sOff + Σ i_k·sStrides_k]
   * over every index of `shape` (PyTorch's copy between views; `.contiguous()` is the case
   * dStrides = row-major). Strides are non-negative; the caller makes sure both layouts stay
   * inside their arrays and that dst's elements do not overlap src's.
   */
  stridedCopy(shape: readonly number[], src: F32, srcOffset: number, srcStrides: readonly number[],
    dst: F32, dstOffset: number, dstStrides: readonly number[]): void;
  /** out[i] += alpha * x[i] over n elements (gradient accumulation, scaled adds). */
  axpy(n: number, alpha: number, x: F32, out: F32): void;

  /** View x as [outer, d, inner]; out[o, i] = Σ_j x[o, j, i]. */
  sumAxis(x: F32, outer: number, d: number, inner: number, out: F32): void;
  /** View x as [outer, d, inner]; the max over j and its first index. */
  maxAxis(x: F32, outer: number, d: number, inner: number, outVal: F32, outIdx: Int32Array): void;

  /** Softmax (or log-softmax) along the middle axis of [outer, d, inner], max-subtracted. */
  softmax(x: F32, outer: number, d: number, inner: number, y: F32, log: boolean): void;
  /** gx from the forward output y and upstream gy, for softmax or log-softmax. */
  softmaxBackward(y: F32, gy: F32, outer: number, d: number, inner: number, gx: F32, log: boolean): void;

  /**
   * Mean softmax cross-entropy of logits [N, C] against class indices (checked in range by the
   * caller). When grad is given it receives d(mean loss)/d(logits) = (softmax - onehot) / N.
   */
  crossEntropy(logits: F32, N: number, C: number, target: Int32Array, grad: F32 | null): number;

  /**
   * Cross-entropy with PyTorch 1.13's options, fused (forward and gradient in one pass per row).
   * Exactly one of target (class indices in [0, C) or == ignoreIndex, checked by the caller) and
   * probs (class probabilities [N, C]) is non-null; weight [C] may be null; labelSmoothing in
   * [0, 1]; reduction: CE_REDUCTION ids. out (may be null) receives each row's loss; grad (may
   * be null) d(loss)/d(logits) for an upstream gradient of 1 (per row for 'none', of the reduced
   * loss otherwise). Returns the reduced loss (the sum for 'none'). The mean divides by the kept
   * rows' weights (class indices) or by N (probabilities), as PyTorch.
   */
  crossEntropyEx(logits: F32, N: number, C: number, target: Int32Array | null, probs: F32 | null, weight: F32 | null,
    ignoreIndex: number, labelSmoothing: number, reduction: number, out: F32 | null, grad: F32 | null): number;

  /**
   * SGD, PyTorch 1.13: g = maximize ? -grad : grad; g += wd*p; buf = first ? g : momentum*buf + (1-dampening)*g;
   * g = nesterov ? g + momentum*buf : buf (when momentum != 0); p -= lr*g. buf may be null
   * when momentum == 0. Updates p and buf in place.
   */
  sgdStep(p: F32, g: F32, buf: F32 | null, n: number, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, first: boolean, maximize: boolean): void;

  /**
   * Adam / AdamW, PyTorch 1.13 (step = t after increment): g = maximize ? -grad : grad;
   * decoupled ? p *= 1 - lr*wd : g += wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
   * vmax = max(vmax, v) when vmax is given (amsgrad), used in place of v below;
   * p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps). bc1 = 1 - b1^t and bc2 = 1 - b2^t in double.
   * Updates p, m, v (and vmax) in place.
   */
  adamStep(p: F32, g: F32, m: F32, v: F32, vmax: F32 | null, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, step: number, decoupled: boolean, maximize: boolean): void;

  /**
   * RMSprop, PyTorch 1.13: g = maximize ? -grad : grad; g += wd*p; sq = alpha sq + (1-alpha) g²;
   * centered (gavg given): gavg = alpha gavg + (1-alpha) g, avg = sqrt(sq - gavg²), else sqrt(sq);
   * avg += eps; momentum > 0 (buf given): buf = momentum buf + g/avg, p -= lr buf; else p -= lr g/avg.
   */
  rmspropStep(p: F32, g: F32, sq: F32, gavg: F32 | null, buf: F32 | null, n: number, lr: number, alpha: number,
    eps: number, weightDecay: number, momentum: number, maximize: boolean): void;

  /** Adagrad, PyTorch 1.13: g = maximize ? -grad : grad; g += wd*p; sum += g²; p -= clr g/(sqrt(sum) + eps). */
  adagradStep(p: F32, g: F32, sum: F32, n: number, clr: number, weightDecay: number, eps: number, maximize: boolean): void;

  /**
   * Rows along the middle axis (torch.index_select): src [outer, d, inner], out [outer, m, inner],
   * out[o, j, :] = src[o, idx[j], :]. The index kernels check their index first: an entry (of the
   * first m here, of the first outer·m·inner in gather/scatter) that is not an integer in [0, d)
   * is a RangeError before anything is written, on both backends.
   */
  indexSelect(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void;
  /** index_add (indexSelect's backward): out[o, idx[j], :] += src[o, j, :], src [outer, m, inner], out [outer, d, inner], j in order. */
  indexAdd(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void;
  /** torch.gather along the middle axis: idx and out [outer, m, inner], out[o, j, i] = src[o, idx[o, j, i], i]. */
  gather(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void;
  /**
   * torch.scatter / scatter_add_ along the middle axis: out[o, idx[o, j, i], i] = src[o, j, i]
   * (`add`: +=), `value` for every entry when src is null; idx and src [outer, m, inner], out
   * [outer, d, inner], in idx's row-major order (the last write to a position wins).
   */
  scatter(src: F32 | null, value: number, outer: number, d: number, inner: number, idx: IndexArray, m: number,
    out: F32, add: boolean): void;
}

/**
 * Whether an activation's backward needs the pre-activation (the output is not enough).
 * GELU and ELU (PyTorch differentiates ELU from its input: y + alpha would lose precision far
 * in the negative tail); Leaky ReLU only with a negative slope, where the output's sign no
 * longer tells the input's.
 */
export function actNeedsPre(act: ActId, param = 0): boolean {
  return act === Act.geluErf || act === Act.geluTanh || act === Act.elu ||
    (act === Act.leakyRelu && param < 0);
}
