/**
 * Scalar math for the js backend: the activation table (forward and derivative side by side,
 * indexed by the ids of types.ts) and an erf accurate to double precision, so that every
 * float32 result is the correctly rounded value of the exact function within 1 ulp, as
 * PyTorch's own kernels are within 1-2 ulp.
 */
import { Act, type ActId } from './types.js';

// erf after fdlibm's s_erf.c (Sun Microsystems, freely redistributable): |error| < 1 ulp of double.
const erx = 8.45062911510467529297e-01;
const efx8 = 1.02703333676410069053e+00;
const pp = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
  -5.77027029648944159157e-03, -2.37630166566501626084e-05];
const qq = [3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
  1.32494738004321644526e-04, -3.96022827877536812320e-06];
const pa = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
  3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
  -2.16637559486879084300e-03];
const qa = [1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
  1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02];
const ra = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
  -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
  -8.12874355063065934246e+01, -9.81432934416914548592e+00];
const sa = [1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
  6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
  6.57024977031928170135e+00, -6.04244152148580987438e-02];
const rb = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
  -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
  -4.83519191608651397019e+02];
const sb = [3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
  3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
  -2.24409524465858183362e+01];

/** The error function, to double precision. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  if (ax < 0.84375) {
    if (ax < 3.7252902984e-09) return x + x * (efx8 / 8);
    const z = x * x;
    const r = pp[0] + z * (pp[1] + z * (pp[2] + z * (pp[3] + z * pp[4])));
    const s = 1 + z * (qq[0] + z * (qq[1] + z * (qq[2] + z * (qq[3] + z * qq[4]))));
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const P = pa[0] + s * (pa[1] + s * (pa[2] + s * (pa[3] + s * (pa[4] + s * (pa[5] + s * pa[6])))));
    const Q = 1 + s * (qa[0] + s * (qa[1] + s * (qa[2] + s * (qa[3] + s * (qa[4] + s * qa[5])))));
    return sign * (erx + P / Q);
  }
  if (ax >= 6) return sign * 1;
  const s = 1 / (ax * ax);
  let R: number;
  let S: number;
  if (ax < 1 / 0.35) {
    R = ra[0] + s * (ra[1] + s * (ra[2] + s * (ra[3] + s * (ra[4] + s * (ra[5] + s * (ra[6] + s * ra[7]))))));
    S = 1 + s * (sa[0] + s * (sa[1] + s * (sa[2] + s * (sa[3] + s * (sa[4] + s * (sa[5] + s * (sa[6] + s * sa[7])))))));
  } else {
    R = rb[0] + s * (rb[1] + s * (rb[2] + s * (rb[3] + s * (rb[4] + s * (rb[5] + s * rb[6])))));
    S = 1 + s * (sb[0] + s * (sb[1] + s * (sb[2] + s * (sb[3] + s * (sb[4] + s * (sb[5] + s * sb[6]))))));
  }
  // fdlibm splits ax into a high part to keep exp's argument exact; Math.fround-free variant:
  const z = Math.fround(ax);
  const r = Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + R / S);
  return sign * (1 - r / ax);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const K_BETA = Math.sqrt(2 / Math.PI);
const K_KAPPA = 0.044715;

/** Forward of each activation, in double (the caller rounds to float32). */
export const actForward: Record<ActId, (x: number, p: number) => number> = {
  [Act.identity]: (x) => x,
  [Act.relu]: (x) => (x > 0 ? x : (Number.isNaN(x) ? x : 0)),
  [Act.leakyRelu]: (x, p) => (x > 0 ? x : x * p),
  [Act.geluErf]: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  [Act.geluTanh]: (x) => 0.5 * x * (1 + Math.tanh(K_BETA * (x + K_KAPPA * x * x * x))),
  [Act.sigmoid]: (x) => 1 / (1 + Math.exp(-x)),
  [Act.tanh]: (x) => Math.tanh(x),
  [Act.elu]: (x, p) => (x > 0 ? x : p * Math.expm1(x)),
};

/**
 * Derivative of each activation as PyTorch 1.13 differentiates it: from the input z where
 * `actNeedsPre` says so, else from the output y (relu'(0) = 0, leaky'(0) = slope, elu'(0) = 1).
 */
export const actDerivative: Record<ActId, (z: number, y: number, p: number) => number> = {
  [Act.identity]: () => 1,
  [Act.relu]: (_z, y) => (y > 0 ? 1 : 0),
  [Act.leakyRelu]: (z, _y, p) => (z > 0 ? 1 : p),
  [Act.geluErf]: (z) => 0.5 * (1 + erf(z * SQRT1_2)) + z * Math.exp(-0.5 * z * z) * INV_SQRT_2PI,
  [Act.geluTanh]: (z) => {
    const t = Math.tanh(K_BETA * (z + K_KAPPA * z * z * z));
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * K_BETA * (1 + 3 * K_KAPPA * z * z);
  },
  [Act.sigmoid]: (_z, y) => (1 - y) * y,
  [Act.tanh]: (_z, y) => 1 - y * y,
  [Act.elu]: (z, _y, p) => (z > 0 ? 1 : p * Math.exp(z)),
};
