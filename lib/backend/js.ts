/**
 * The js backend: every kernel of the Backend interface in plain TypeScript. Activations and
 * optimizer updates round to float32 after each step as PyTorch's kernels do (js-math.ts);
 * sums and products accumulate in double and round once on store.
 */
import { Act, Binary, CeReduction, Unary, type ActId, type Backend, type BinaryId, type F32, type IndexArray, type UnaryId } from './types.js';
import { actBackward, actForward } from './js-math.js';
import { gemm, setGemmPrecision } from './js-gemm.js';

function actForwardInto(act: ActId, param: number, x: F32, y: F32, n: number): void {
  if (act === Act.identity) { if (y !== x) y.set(x.subarray(0, n)); return; }
  if (act === Act.relu) { for (let i = 0; i < n; i++) { const v = x[i]; y[i] = v < 0 ? 0 : v; } return; }
  const f = actForward[act];
  for (let i = 0; i < n; i++) y[i] = f(x[i], param);
}

function actBackwardInto(act: ActId, param: number, z: F32 | null, y: F32, gy: F32, gx: F32, n: number): void {
  if (act === Act.identity) { if (gx !== gy) gx.set(gy.subarray(0, n)); return; }
  if (act === Act.relu) { for (let i = 0; i < n; i++) gx[i] = y[i] <= 0 ? 0 : gy[i]; return; }
  const d = actBackward[act];
  const zz = z ?? y; // leaky relu with slope >= 0 reads the sign, which y shares with z
  for (let i = 0; i < n; i++) gx[i] = d(zz[i], y[i], gy[i], param);
}

function unaryFn(op: UnaryId, p: number, q: number): (x: number) => number {
  switch (op) {
    case Unary.neg: return (x) => -x;
    case Unary.exp: return Math.exp;
    case Unary.log: return Math.log;
    case Unary.sqrt: return Math.sqrt;
    case Unary.abs: return Math.abs;
    case Unary.pow: return (x) => Math.pow(x, p);
    case Unary.clamp: return (x) => (x < p ? p : x > q ? q : x);
    case Unary.scale: return (x) => x * p + q;
    case Unary.recip: return (x) => 1 / x;
    case Unary.sign: return (x) => (x > 0 ? 1 : x < 0 ? -1 : x);
    default: throw new RangeError(`unary: unknown op ${op as number}`);
  }
}

function binaryFn(op: BinaryId): (a: number, b: number) => number {
  switch (op) {
    case Binary.add: return (a, b) => a + b;
    case Binary.sub: return (a, b) => a - b;
    case Binary.mul: return (a, b) => a * b;
    case Binary.div: return (a, b) => a / b;
    default: throw new RangeError(`binary: unknown op ${op as number}`);
  }
}

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function binary(op: BinaryId, a: F32, aShape: readonly number[], b: F32, bShape: readonly number[],
  out: F32, outShape: readonly number[]): void {
  const n = sizeOf(outShape);
  const na = sizeOf(aShape), nb = sizeOf(bShape);
  const f = binaryFn(op);
  if (na === n && nb === n) { for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]); return; }
  if (nb === 1 && na === n) { const s = b[0]; for (let i = 0; i < n; i++) out[i] = f(a[i], s); return; }
  if (na === 1 && nb === n) { const s = a[0]; for (let i = 0; i < n; i++) out[i] = f(s, b[i]); return; }
  // general case: odometer over the output with per-input strides (0 on broadcast dims)
  const r = outShape.length;
  const sa = new Array<number>(r), sb = new Array<number>(r);
  let accA = 1, accB = 1;
  for (let d = r - 1; d >= 0; d--) {
    sa[d] = aShape[d] === 1 ? 0 : accA; accA *= aShape[d];
    sb[d] = bShape[d] === 1 ? 0 : accB; accB *= bShape[d];
  }
  const last = outShape[r - 1], la = sa[r - 1], lb = sb[r - 1];
  const idx = new Array<number>(r).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < n; o += last) {
    for (let j = 0, pa = ia, pb = ib; j < last; j++, pa += la, pb += lb) out[o + j] = f(a[pa], b[pb]);
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ia -= sa[d] * idx[d]; ib -= sb[d] * idx[d]; idx[d] = 0;
    }
  }
}

function sumAxis(x: F32, outer: number, d: number, inner: number, out: F32): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * d;
      for (let j = 0; j < d; j++) s += x[base + j];
      out[o] = s;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let j = 0; j < d; j++) {
      const base = (o * d + j) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i];
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i];
  }
}

function maxAxis(x: F32, outer: number, d: number, inner: number, outVal: F32, outIdx: Int32Array): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity, bi = 0;
      for (let j = 0; j < d; j++) {
        const v = x[(o * d + j) * inner + i];
        if (v > best || v !== v) { best = v; bi = j; if (v !== v) break; } // NaN wins, as in PyTorch
      }
      outVal[o * inner + i] = d > 0 ? x[(o * d + bi) * inner + i] : NaN;
      outIdx[o * inner + i] = bi;
    }
  }
}

function softmax(x: F32, outer: number, d: number, inner: number, y: F32, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * d + j) * inner + i;
      let m = -Infinity;
      for (let j = 0; j < d; j++) { const v = x[at(j)]; if (v > m) m = v; }
      if (m === -Infinity) m = 0; // a row of -inf gives NaN below, as PyTorch
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.exp(x[at(j)] - m);
      if (log) {
        const ls = Math.log(s);
        for (let j = 0; j < d; j++) y[at(j)] = x[at(j)] - m - ls;
      } else {
        for (let j = 0; j < d; j++) y[at(j)] = Math.exp(x[at(j)] - m) / s;
      }
    }
  }
}

function softmaxBackward(y: F32, gy: F32, outer: number, d: number, inner: number, gx: F32, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * d + j) * inner + i;
      let s = 0;
      if (log) {
        for (let j = 0; j < d; j++) s += gy[at(j)];
        for (let j = 0; j < d; j++) gx[at(j)] = gy[at(j)] - Math.exp(y[at(j)]) * s;
      } else {
        for (let j = 0; j < d; j++) s += gy[at(j)] * y[at(j)];
        for (let j = 0; j < d; j++) gx[at(j)] = y[at(j)] * (gy[at(j)] - s);
      }
    }
  }
}

/** Shape and both strides with size-1 dims dropped and mergeable neighbours merged. */
export function coalesceLayout(shape: readonly number[], a: readonly number[], b: readonly number[]):
  [number[], number[], number[]] | null {
  const dims: number[] = [], sa: number[] = [], sb: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === 0) return null; // nothing to copy
    if (d === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && sa[k] === d * a[i] && sb[k] === d * b[i]) { dims[k] *= d; sa[k] = a[i]; sb[k] = b[i]; }
    else { dims.push(d); sa.push(a[i]); sb.push(b[i]); }
  }
  return [dims, sa, sb];
}

const TILE = 32;

/** dst[do + i·d0 + j·d1] = src[so + i·s0 + j·s1]: rows when both inner strides are 1, else 32×32 tiles. */
function copy2d(n0: number, n1: number, src: F32, so: number, s0: number, s1: number,
  dst: F32, dOff: number, d0: number, d1: number): void {
  if (s1 === 1 && d1 === 1) {
    for (let i = 0; i < n0; i++) dst.set(src.subarray(so + i * s0, so + i * s0 + n1), dOff + i * d0);
    return;
  }
  for (let i0 = 0; i0 < n0; i0 += TILE) {
    const i1 = Math.min(n0, i0 + TILE);
    for (let j0 = 0; j0 < n1; j0 += TILE) {
      const j1 = Math.min(n1, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        let ps = so + i * s0 + j0 * s1, pd = dOff + i * d0 + j0 * d1;
        for (let j = j0; j < j1; j++, ps += s1, pd += d1) dst[pd] = src[ps];
      }
    }
  }
}

function stridedCopy(shape: readonly number[], src: F32, srcOffset: number, srcStrides: readonly number[],
  dst: F32, dstOffset: number, dstStrides: readonly number[]): void {
  const c = coalesceLayout(shape, srcStrides, dstStrides);
  if (c === null) return;
  const [dims, sa, sb] = c;
  const r = dims.length;
  if (r === 0) { dst[dstOffset] = src[srcOffset]; return; }
  if (r === 1) {
    const n = dims[0], a = sa[0], b = sb[0];
    for (let i = 0, ps = srcOffset, pd = dstOffset; i < n; i++, ps += a, pd += b) dst[pd] = src[ps];
    return;
  }
  // odometer over the dims before the last two, a 2-D copy inside
  const outer = dims.slice(0, r - 2), idx = new Array<number>(r - 2).fill(0);
  let ps = srcOffset, pd = dstOffset;
  for (;;) {
    copy2d(dims[r - 2], dims[r - 1], src, ps, sa[r - 2], sa[r - 1], dst, pd, sb[r - 2], sb[r - 1]);
    let d = r - 3;
    for (; d >= 0; d--) {
      idx[d]++; ps += sa[d]; pd += sb[d];
      if (idx[d] < outer[d]) break;
      ps -= idx[d] * sa[d]; pd -= idx[d] * sb[d]; idx[d] = 0;
    }
    if (d < 0) return;
  }
}

function crossEntropy(logits: F32, N: number, C: number, target: Int32Array, grad: F32 | null): number {
  return Math.fround(crossEntropyEx(logits, N, C, target, null, null, -100, 0, CeReduction.mean, null, grad));
}

const lseOut = new Float64Array(1);
/** One row's exponentials e_k = fround(exp(fround(x_k - max))) into e (a Float32Array: the fround); returns Σ e_k, lseOut[0] = max + log Σ e_k. */
function rowExp(x: F32, base: number, C: number, e: F32, eb: number): number {
  let m = -Infinity;
  for (let k = 0; k < C; k++) if (x[base + k] > m) m = x[base + k];
  for (let k = 0; k < C; k++) e[eb + k] = Math.exp(Math.fround(x[base + k] - m));
  // four interleaved sums (k mod 4) added pairwise, as the native kernel
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (; k + 4 <= C; k += 4) { s0 += e[eb + k]; s1 += e[eb + k + 1]; s2 += e[eb + k + 2]; s3 += e[eb + k + 3]; }
  for (; k < C; k++) s0 += e[eb + k];
  const s = (s0 + s1) + (s2 + s3);
  lseOut[0] = m + Math.log(s);
  return s;
}

// the native kernel's twin (native/kernels/reduce.cc cross_entropy_ex), operation for operation
function crossEntropyEx(x: F32, N: number, C: number, target: Int32Array | null, probs: F32 | null, weight: F32 | null,
  ignore: number, eps: number, reduction: number, out: F32 | null, grad: F32 | null): number {
  const keep = 1 - eps, share = eps / C;
  let wsum = 0;
  for (let k = 0; k < C; k++) wsum += weight ? weight[k] : 1;
  let denom = 0;
  if (target) { for (let r = 0; r < N; r++) if (target[r] !== ignore) denom += weight ? weight[target[r]] : 1; } else denom = N;
  const scale = reduction === CeReduction.mean ? 1 / denom : 1;
  const pk = Math.fround(keep), ps = Math.fround(share);
  const scratch = grad ? null : new Float32Array(C);
  let total = 0;
  for (let r = 0; r < N; r++) {
    const base = r * C;
    const e = grad ?? scratch!, eb = grad ? base : 0;
    let li = 0;
    if (target) {
      const t = target[r];
      if (t === ignore) {
        if (grad) grad.fill(0, base, base + C);
        if (out) out[r] = 0;
        continue;
      }
      const inv = 1 / rowExp(x, base, C, e, eb), lse = lseOut[0];
      const wt = weight ? weight[t] : 1;
      li = wt * (lse - x[base + t]);
      if (eps > 0) {
        // Σ_k w_k (lse - x_k) in four interleaved sums added pairwise, as the native kernel
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
        for (; k + 4 <= C; k += 4) {
          s0 += (weight ? weight[k] : 1) * (lse - x[base + k]); s1 += (weight ? weight[k + 1] : 1) * (lse - x[base + k + 1]);
          s2 += (weight ? weight[k + 2] : 1) * (lse - x[base + k + 2]); s3 += (weight ? weight[k + 3] : 1) * (lse - x[base + k + 3]);
        }
        for (; k < C; k++) s0 += (weight ? weight[k] : 1) * (lse - x[base + k]);
        li = keep * li + share * ((s0 + s1) + (s2 + s3));
      }
      if (grad) {
        const a = keep * wt * scale, b = share * wsum * scale, d = share * scale;
        const pt = e[eb + t] * inv;
        for (let k = 0; k < C; k++) { const p = e[eb + k] * inv; grad[base + k] = a * p + b * p - d * (weight ? weight[k] : 1); }
        grad[base + t] = a * (pt - 1) + b * pt - d * (weight ? weight[t] : 1);
      }
    } else {
      const q = probs!;
      const inv = 1 / rowExp(x, base, C, e, eb), lse = lseOut[0];
      // four interleaved sums (k mod 4) added pairwise, as the native kernel
      let w0 = 0, w1 = 0, w2 = 0, w3 = 0, l0 = 0, l1 = 0, l2 = 0, l3 = 0;
      for (let k = 0; k < C; k++) {
        const qk = eps > 0 ? Math.fround(Math.fround(q[base + k] * pk) + ps) : q[base + k];
        const w = weight ? weight[k] * qk : qk, l = w * (lse - x[base + k]);
        switch (k & 3) {
          case 0: w0 += w; l0 += l; break;
          case 1: w1 += w; l1 += l; break;
          case 2: w2 += w; l2 += l; break;
          default: w3 += w; l3 += l;
        }
      }
      const wq = (w0 + w1) + (w2 + w3);
      li = (l0 + l1) + (l2 + l3);
      if (grad) {
        for (let k = 0; k < C; k++) {
          const qk = eps > 0 ? Math.fround(Math.fround(q[base + k] * pk) + ps) : q[base + k];
          const w = weight ? weight[k] * qk : qk;
          grad[base + k] = (wq * (e[eb + k] * inv) - w) * scale;
        }
      }
    }
    if (out) out[r] = li;
    total += li;
  }
  return total * scale;
}

function linearForward(X: F32, W: F32, b: F32 | null, M: number, N: number, K: number,
  act: ActId, param: number, Y: F32, pre: F32 | null, transW = false): void {
  gemm(false, !transW, M, N, K, 1, X, W, 0, Y);
  if (b) for (let i = 0; i < M; i++) { const o = i * N; for (let j = 0; j < N; j++) Y[o + j] += b[j]; }
  if (pre) pre.set(Y.subarray(0, M * N));
  actForwardInto(act, param, Y, Y, M * N);
}

function linearChain(X: F32, M: number, spec: Float64Array, Y: F32, S: F32, wb: (F32 | null)[]): void {
  const L = wb.length / 2;
  let hidden = 0;
  for (let i = 1; i < L; i++) hidden = Math.max(hidden, spec[1 + 3 * (i - 1)]);
  let x = X, K = spec[0];
  for (let i = 0; i < L; i++) {
    const N = spec[1 + 3 * i];
    const y = i + 1 === L ? Y : S.subarray((i % 2) * M * hidden, ((i % 2) + 1) * M * hidden);
    linearForward(x, wb[2 * i] as F32, wb[2 * i + 1], M, N, K, spec[2 + 3 * i] as ActId, spec[3 + 3 * i], y, null);
    x = y;
    K = N;
  }
}

function linearBackward(X: F32, W: F32, M: number, N: number, K: number, act: ActId, param: number,
  Z: F32 | null, Y: F32, gY: F32, gX: F32 | null, gW: F32 | null, gB: F32 | null, accumulate: boolean,
  transW = false): void {
  let dZ = gY;
  if (act !== Act.identity) {
    dZ = new Float32Array(M * N);
    actBackwardInto(act, param, Z, Y, gY, dZ, M * N);
  }
  if (gB) {
    const acc = new Float64Array(N);
    for (let i = 0; i < M; i++) { const o = i * N; for (let j = 0; j < N; j++) acc[j] += dZ[o + j]; }
    for (let j = 0; j < N; j++) gB[j] = (accumulate ? gB[j] : 0) + acc[j];
  }
  const beta = accumulate ? 1 : 0;
  if (gW) gemm(true, false, N, K, M, 1, dZ, X, beta, gW);
  if (gX) gemm(false, transW, M, K, N, 1, dZ, W, beta, gX);
}

function sgdStep(p: F32, g: F32, buf: F32 | null, n: number, lr: number, momentum: number,
  dampening: number, weightDecay: number, nesterov: boolean, first: boolean, maximize: boolean): void {
  const sg = maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    let d = weightDecay !== 0 ? Math.fround(sg * g[i] + weightDecay * p[i]) : sg * g[i];
    if (momentum !== 0 && buf) {
      buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
      d = nesterov ? Math.fround(d + momentum * buf[i]) : buf[i];
    }
    p[i] = p[i] - lr * d;
  }
}

function adamStep(p: F32, g: F32, m: F32, v: F32, vmax: F32 | null, n: number, lr: number, beta1: number, beta2: number,
  eps: number, weightDecay: number, step: number, decoupled: boolean, maximize: boolean): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  const f = Math.fround;
  const sg = maximize ? -1 : 1;
  // float32 rounding after each PyTorch tensor op keeps the update bit-compatible with torch
  for (let i = 0; i < n; i++) {
    let gi = sg * g[i];
    if (weightDecay !== 0) {
      if (decoupled) p[i] = f(p[i] * f(1 - lr * weightDecay));
      else gi = f(gi + f(weightDecay * p[i]));
    }
    m[i] = f(f(m[i] * beta1) + f(gi * f(1 - beta1)));
    v[i] = f(f(v[i] * beta2) + f(f(gi * gi) * f(1 - beta2)));
    let vi = v[i];
    if (vmax) vi = vmax[i] = Math.max(vmax[i], vi); // torch.maximum: NaN if either is
    const denom = f(f(f(Math.sqrt(vi)) / f(bc2Sqrt)) + eps);
    p[i] = f(p[i] - f(f(stepSize) * f(m[i] / denom)));
  }
}

function rmspropStep(p: F32, g: F32, sq: F32, gavg: F32 | null, buf: F32 | null, n: number, lr: number, alpha: number,
  eps: number, weightDecay: number, momentum: number, maximize: boolean): void {
  // as native/kernels/optim_impl.inc (which says why): scalars as floats; add(alpha) and addcmul
  // fused (an exact double product plus the addend, rounded); addcdiv as (value * t1) / t2
  const f = Math.fround;
  const sg = maximize ? -1 : 1;
  const fa = f(alpha), oneMA = f(1 - alpha), fe = f(eps), fwd = f(weightDecay), fm = f(momentum), nlr = f(-lr);
  for (let i = 0; i < n; i++) {
    let gi = sg * g[i];
    if (weightDecay !== 0) gi = f(fwd * p[i] + gi);
    const s = f(f(oneMA * gi) * gi + f(sq[i] * fa));
    sq[i] = s;
    let avg: number;
    if (gavg) {
      const ga = f(gi * oneMA + f(gavg[i] * fa));
      gavg[i] = ga;
      avg = f(Math.sqrt(f(-ga * ga + s)));
    } else avg = f(Math.sqrt(s));
    avg = f(avg + fe);
    if (buf) {
      const b = f(f(buf[i] * fm) + f(gi / avg));
      buf[i] = b;
      p[i] = f(nlr * b + p[i]);
    } else p[i] = f(p[i] + f(f(nlr * gi) / avg));
  }
}

function adagradStep(p: F32, g: F32, sum: F32, n: number, clr: number, weightDecay: number, eps: number, maximize: boolean): void {
  const f = Math.fround;
  const sg = maximize ? -1 : 1;
  for (let i = 0; i < n; i++) {
    let gi = sg * g[i];
    if (weightDecay !== 0) gi = f(gi + f(weightDecay * p[i]));
    sum[i] = f(sum[i] + f(gi * gi));
    const std = f(f(Math.sqrt(sum[i])) + eps);
    p[i] = f(p[i] - f(clr * f(gi / std)));
  }
}

// ---- index kernels (the reference loops of native/kernels/indexing.cc, in the same order)

/** The first n entries of idx are integers in [0, bound), else a RangeError worded as the addon's. */
function checkIndex(fn: string, idx: IndexArray, n: number, bound: number): void {
  if (idx.length < n) throw new RangeError(`${fn}: idx has ${idx.length} elements, needs ${n}`);
  for (let k = 0; k < n; k++) {
    const v = idx[k];
    if (!(v >= 0 && v < bound && Math.trunc(v) === v)) {
      throw new RangeError(`${fn}: idx[${k}] = ${v} ${Number.isInteger(v) ? `is out of range for a dim of size ${bound}` : 'is not an integer'}`);
    }
  }
}

function indexSelect(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void {
  checkIndex('indexSelect', idx, m, d);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const s = (o * d + idx[j]) * inner, t = (o * m + j) * inner;
      if (inner >= 64) out.set(src.subarray(s, s + inner), t); // rows: one memcpy each
      else for (let i = 0; i < inner; i++) out[t + i] = src[s + i];
    }
  }
}

function indexAdd(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void {
  checkIndex('indexAdd', idx, m, d);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const t = (o * d + idx[j]) * inner, s = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[t + i] += src[s + i];
    }
  }
}

function gather(src: F32, outer: number, d: number, inner: number, idx: IndexArray, m: number, out: F32): void {
  checkIndex('gather', idx, outer * m * inner, d);
  for (let o = 0, p = 0; o < outer; o++) {
    const base = o * d * inner;
    for (let j = 0; j < m; j++) for (let i = 0; i < inner; i++, p++) out[p] = src[base + idx[p] * inner + i];
  }
}

function scatter(src: F32 | null, value: number, outer: number, d: number, inner: number, idx: IndexArray, m: number,
  out: F32, add: boolean): void {
  checkIndex('scatter', idx, outer * m * inner, d);
  const fv = Math.fround(value); // the value as float32, as the addon takes it
  for (let o = 0, p = 0; o < outer; o++) {
    const base = o * d * inner;
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++, p++) {
        const t = base + idx[p] * inner + i, v = src ? src[p] : fv;
        if (add) out[t] += v; else out[t] = v;
      }
    }
  }
}

export const jsBackend: Backend = {
  name: 'js',
  gemm,
  setMatmulPrecision: setGemmPrecision,
  packCacheId() { return 0; },
  packCacheDrop() { /* no packed-weight cache in js */ },
  packCacheLimit() { /* no packed-weight cache in js */ },
  packCacheStats(out) { out.fill(0, 0, 5); },
  linearForward,
  linearChain,
  linearBackward,
  actForward: actForwardInto,
  actBackward: actBackwardInto,
  unary(op, x, y, n, p, q) {
    const f = unaryFn(op, p, q);
    for (let i = 0; i < n; i++) y[i] = f(x[i]);
  },
  binary,
  stridedCopy,
  axpy(n, alpha, x, out) {
    if (alpha === 1) for (let i = 0; i < n; i++) out[i] += x[i];
    else for (let i = 0; i < n; i++) out[i] += alpha * x[i];
  },
  sumAxis,
  maxAxis,
  softmax,
  softmaxBackward,
  crossEntropy,
  crossEntropyEx,
  sgdStep,
  adamStep,
  rmspropStep,
  adagradStep,
  indexSelect,
  indexAdd,
  gather,
  scatter,
};
