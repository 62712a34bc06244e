/**
 * Matrix products. Transposes are GEMM flags, never copies: a 2-D operand that is the
 * transpose view of a contiguous matrix (`b.T`, `b.transpose(0, 1)`) is read in place with the
 * GEMM's transpose flag, forward and backward; other non-contiguous operands are copied once. `linear` is the fused
 * x·Wᵀ + b (+ activation) that nn.Linear and the fused Linear→activation path use.
 */
import { B } from '../backend/index.js';
import { Act, actNeedsPre, type ActId } from '../backend/types.js';
import { gradTarget, isGradEnabled, result, storageId } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { activationById, activationListenerCount, notifyActivation } from './activations.js';
import { outputArray } from './util.js';

/** A GEMM operand: the contiguous buffer and whether it holds the matrix transposed. */
interface Operand { buf: Float32Array; trans: boolean; live: boolean /* buf is t's storage, not a copy */ }

/** How the GEMM reads t: in place (maybe transposed) when its layout allows, else one contiguous copy. */
function operand(t: Tensor): Operand {
  if (!t.isContiguous() && t.ndim === 2 && t.strides[0] === 1 && t.strides[1] === t.shape[0]) {
    return { buf: t.storage.subarray(t.offset, t.offset + t.size), trans: true, live: true };
  }
  return { buf: t.data, trans: false, live: t.isContiguous() };
}

/**
 * a·b for a 2-D or N-D `a` (product over its last dim) and a 2-D `b`.
 * @example
 * ```js
 * import { matmul, tensor } from 'neurite';
 * const a = tensor([[1, 2], [3, 4]]);
 * console.log(matmul(a, tensor([[1], [1]])).toArray()); // [ [ 3 ], [ 7 ] ]  (a @ b)
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new TypeError('matmul: expected two Tensors');
  if (a.ndim < 1 || b.ndim !== 2) {
    throw new RangeError(`matmul: expected an N-D tensor times a 2-D tensor, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  }
  const K = a.shape[a.ndim - 1];
  if (K !== b.shape[0]) {
    throw new RangeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  }
  const N = b.shape[1];
  const M = a.size / Math.max(K, 1) | 0;
  const rows = K === 0 ? a.shape.slice(0, -1).reduce((p, q) => p * q, 1) : M;
  const out = outputArray(rows * N); // beta = 0: the GEMM writes every element
  const oa = operand(a), ob = operand(b);
  B().gemm(oa.trans, ob.trans, rows, N, K, 1, oa.buf, ob.buf, 0, out);
  const shape = [...a.shape.slice(0, -1), N];
  return result(out, shape, 'matmul', [a, b], (g) => {
    let ga: Float32Array | null = null, gb: Float32Array | null = null;
    // g·bᵀ and aᵀ·g: a transposed operand's storage already holds the transpose; beta = 0 writes every element
    // a leaf's gradient may go straight where it is wanted (gradTarget: DDP's bucket) instead of a fresh array
    if (a.requiresGrad) { ga = gradTarget(a, a.size) ?? outputArray(a.size); B().gemm(false, !ob.trans, rows, K, N, 1, g, ob.buf, 0, ga); }
    if (b.requiresGrad) { gb = gradTarget(b, b.size) ?? outputArray(b.size); B().gemm(!oa.trans, false, K, N, rows, 1, oa.buf, g, 0, gb); }
    return [ga, gb];
  });
}

const opNames = new Map<ActId, string>();
function opName(act: ActId): string {
  let s = opNames.get(act);
  if (s === undefined) opNames.set(act, s = act === Act.identity ? 'linear' : `linear+${activationById(act).name}`);
  return s;
}

/**
 * y = act(x·wᵀ + b) over the last dim of x (any rank), w: [out, in], b: [out] or null.
 * One backend call forward (GEMM with the bias + activation epilogue) and one backward.
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null, act: ActId = Act.identity, param = 0): Tensor {
  if (!(x instanceof Tensor) || !(w instanceof Tensor)) throw new TypeError('linear: expected Tensors for input and weight');
  if (w.ndim !== 2) throw new RangeError(`linear: weight must be 2-D [out, in], got ${fmtShape(w.shape)}`);
  const [N, K] = w.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== K) {
    throw new RangeError(`linear: input's last dim must equal in_features: input ${fmtShape(x.shape)}, weight ${fmtShape(w.shape)}`);
  }
  if (b !== null && (b.ndim !== 1 || b.shape[0] !== N)) {
    throw new RangeError(`linear: bias must have shape [${N}], got ${fmtShape(b.shape)}`);
  }
  const M = x.size / K | 0;
  const rows = K === 0 ? x.shape.slice(0, -1).reduce((p, q) => p * q, 1) : M;
  const y = outputArray(rows * N);
  // the pre-activation is kept only for a backward that will run, or for listeners
  const recording = isGradEnabled() && (x.requiresGrad || w.requiresGrad || (b !== null && b.requiresGrad));
  const keepPre = act !== Act.identity && ((recording && actNeedsPre(act, param)) || activationListenerCount() > 0);
  const pre = keepPre ? outputArray(rows * N) : null;
  // a transposed weight view (w = v.T) is read in place through the GEMM flag; other
  // non-contiguous views are copied once
  const xd = x.data, ow = operand(w), wd = ow.buf;
  // a weight no backward will update (inference, or a frozen weight) is read through the
  // packed-weight cache of the bf16 products, keyed by its storage and version (an in-place
  // write makes a new key); a trained weight changes every step, so it is not kept
  if (ow.live && !(isGradEnabled() && w.requiresGrad)) B().linearForward(xd, wd, b ? b.data : null, rows, N, K, act, param, y, pre, ow.trans, storageId(w), w.version);
  else B().linearForward(xd, wd, b ? b.data : null, rows, N, K, act, param, y, pre, ow.trans);
  const shape = x.shape.slice();
  shape[shape.length - 1] = N;
  const inputs = b ? [x, w, b] : [x, w];
  const res = result(y, shape, opName(act), inputs, (g) => {
    // accumulate = false: every element is written, so a leaf's gradient may go straight where it is wanted
    // (gradTarget: DistributedDataParallel's bucket) instead of into a fresh array that is then copied there
    const gx = x.requiresGrad ? gradTarget(x, x.size) ?? outputArray(x.size) : null;
    const gw = w.requiresGrad ? gradTarget(w, w.size) ?? outputArray(w.size) : null;
    const gb = b && b.requiresGrad ? gradTarget(b, N) ?? outputArray(N) : null;
    B().linearBackward(xd, wd, rows, N, K, act, param, pre, y, g, gx, gw, gb, false, ow.trans);
    return b ? [gx, gw, gb] : [gx, gw];
  }, { inputs: [0, 1], output: act !== Act.identity });
  if (act !== Act.identity && pre) notifyActivation(act, param, new Tensor(pre, shape), res);
  return res;
}
