/**
 * Scalar math for the js backend: the activation table (forward and backward side by side,
 * indexed by the ids of types.ts), computed in float32 steps in PyTorch 1.13's operation order
 * so that values match PyTorch's float32 bits within 1-2 ulp (test/goldens.test.ts), not the
 * exact function: PyTorch's own roundings and erf approximation are part of its semantics.
 */
import { Act, type ActId } from './types.js';

const f = Math.fround;
/** fma in float32: the product of two float32 values is exact in double, so one rounding remains. */
const fma = (a: number, b: number, c: number): number => f(a * b + c);
/** e^x rounded to float32 (overflow to Infinity and underflow to 0 as float32 kernels do). */
const expf = (x: number): number => f(Math.exp(x));

const bitsF = new Float32Array(1);
const bitsU = new Uint32Array(bitsF.buffer);
const hexf = (h: number): number => { bitsU[0] = h; return bitsF[0]; };

// e^x as oneDNN's eltwise kernels compute it (PyTorch 1.13 runs GELU through oneDNN on CPU):
// x = n·ln2 + r, a degree-5 polynomial in r, scaled by 2^(n-1)·2; below ln(FLT_MIN) it is 0.
const LOG2E = hexf(0x3fb8aa3b), LN_MAX = hexf(0x42b17218), LN_MIN = hexf(0xc2aeac50), LN2 = hexf(0x3f317218);
const EP = [0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce].map(hexf);
function expDnnl(x: number): number {
  if (x < LN_MIN) return 0;
  const xc = x > LN_MAX ? LN_MAX : x;
  const n = Math.floor(f(f(xc * LOG2E) + 0.5));
  const r = fma(-n, LN2, xc);
  let y = EP[4];
  for (let i = 3; i >= 0; i--) y = fma(y, r, EP[i]);
  y = fma(y, r, 1);
  return f(f(y * 2 ** (n - 1)) * 2);
}

// e^x as Sleef's expf_u10 computes it (PyTorch 1.13's vectorised exp, behind its sigmoid):
// x = q·ln2 + s with a two-part ln2, a degree-6 polynomial, one rounding for 2^q; 0 below -104.
// Mirrors v_exp_sleef in native/kernels/vmath_impl.inc.
const R_LN2F = f(1.442695040888963407359924681001892137), L2UF = 0.693145751953125, L2LF = f(1.428606765330187045e-06);
const SP = [0.000198527617612853646278381, 0.00139304355252534151077271, 0.00833336077630519866943359,
  0.0416664853692054748535156, 0.166666671633720397949219, 0.5].map(f);
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
function expSleef(d: number): number {
  if (d !== d) return NaN;
  if (d < -104) return 0;
  if (d > LN_MAX) return Infinity;
  const q = roundEven(f(d * R_LN2F));
  let s = fma(q, -L2UF, d);
  s = fma(q, -L2LF, s);
  let u = SP[0];
  for (let i = 1; i < 6; i++) u = fma(u, s, SP[i]);
  u = f(1 + fma(f(s * s), u, s));
  return f(u * 2 ** q); // 2^q is exact in double: one rounding, subnormal results included
}

/**
 * erf as PyTorch 1.13 computes it on CPU for float32 (Abramowitz & Stegun 7.1.26, abs error
 * ~1.5e-7, in oneDNN's GELU kernels): GELU must reproduce PyTorch's values, whose error where
 * 1 + erf(x) ~ 0 is large, not the true erf. Returns erf and the e^(-x²) it used.
 */
function erfParts(x: number): [number, number] {
  const t = f(1 / fma(ERF_P, Math.abs(x), 1));
  let r = fma(ERF_A[4], t, ERF_A[3]);
  r = fma(r, t, ERF_A[2]);
  r = fma(r, t, ERF_A[1]);
  r = fma(r, t, ERF_A[0]);
  const q = expDnnl(-f(x * x));
  const e = fma(f(-q * t), r, 1);
  return [x < 0 || Object.is(x, -0) ? -e : e, q];
}
const ERF_P = f(0.3275911);
const ERF_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429].map(f);
export function erfPt(x: number): number {
  return erfParts(x)[0];
}

const K_ALPHA = f(Math.SQRT1_2);
const TANH_ONE = f(8.664339742);
const K_INV_SQRT_PI = f(1 / Math.sqrt(Math.PI));
const K_BETA = f(Math.sqrt(2 / Math.PI));
const K_KAPPA = f(0.044715);
const K_3KAPPA = f(3 * K_KAPPA);

/**
 * Forward of each activation in float32 steps, in the operation order of PyTorch 1.13's CPU
 * kernels (and of native/kernels/act_impl.inc), so values agree with PyTorch within 1-2 ulp,
 * including its cancellations (elu uses exp(x) - 1, not expm1, as PyTorch 1.13 does).
 */
export const actForward: Record<ActId, (x: number, p: number) => number> = {
  [Act.identity]: (x) => x,
  [Act.relu]: (x) => (x < 0 ? 0 : x), // relu(-0) = -0 and relu(NaN) = NaN, as PyTorch
  [Act.leakyRelu]: (x, p) => (x > 0 ? x : f(x * p)),
  [Act.geluErf]: (x) => {
    const e = erfPt(f(x * K_ALPHA));
    const h = f(x * 0.5);
    return fma(h, e, h); // 0.5x + 0.5x·erf: gelu(-0) = +0, as PyTorch's oneDNN kernel
  },
  [Act.geluTanh]: (x) => {
    const cube = f(f(x * x) * x);
    const inner = f(K_BETA * fma(K_KAPPA, cube, x));
    return f(f(0.5 * x) * f(1 + f(Math.tanh(inner))));
  },
  [Act.sigmoid]: (x) => f(1 / f(1 + expSleef(0 - x))),
  // PyTorch runs tanh through Sleef on every element, which returns ±1 beyond |x| > 8.664339742
  // (tanh(9) is 1, not 1 - 2^-24), so tanh' is exactly 0 there
  [Act.tanh]: (x) => (Math.abs(x) > TANH_ONE ? (x > 0 ? 1 : -1) : f(Math.tanh(x))),
  [Act.elu]: (x, p) => (x > 0 ? x : f(f(expf(x) - 1) * f(p))),
};

/**
 * gx = gy · act'(z) as PyTorch 1.13 differentiates each activation, in float32 steps: from the
 * input z where `actNeedsPre` says so, else from the output y (relu'(0) = 0, leaky'(0) = slope,
 * elu'(0) = alpha).
 */
export const actBackward: Record<ActId, (z: number, y: number, gy: number, p: number) => number> = {
  [Act.identity]: (_z, _y, gy) => gy,
  [Act.relu]: (_z, y, gy) => (y <= 0 ? 0 : gy),
  [Act.leakyRelu]: (z, _y, gy, p) => (z > 0 ? gy : f(gy * p)),
  [Act.geluErf]: (z, _y, gy) => {
    // oneDNN's order: r = z/√2; 0.5 + r·e^(-r²)/√π, plus 0.5·erf(r) (gelu'(-8) is exactly 0)
    const r = f(z * K_ALPHA);
    const [e, q] = erfParts(r);
    const half = f(f(f(r * K_INV_SQRT_PI) * q) + 0.5);
    return f(gy * fma(e, 0.5, half));
  },
  [Act.geluTanh]: (z, _y, gy) => {
    const sq = f(z * z);
    const cube = f(z * sq);
    const inner = f(K_BETA * fma(K_KAPPA, cube, z));
    const th = f(Math.tanh(inner));
    const left = f(0.5 * z);
    const right = f(1 + th);
    const tanhD = fma(-th, th, 1);
    const innerD = f(K_BETA * fma(K_3KAPPA, sq, 1));
    const rightD = f(f(left * tanhD) * innerD);
    return f(gy * fma(0.5, right, rightD));
  },
  [Act.sigmoid]: (_z, y, gy) => f(f(gy * f(1 - y)) * y),
  [Act.tanh]: (_z, y, gy) => f(gy * fma(-y, y, 1)),
  [Act.elu]: (z, _y, gy, p) => (z <= 0 ? f(f(gy * f(p)) * expSleef(z)) : gy),
};
