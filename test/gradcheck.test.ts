/**
 * Every differentiable op's analytic gradient against float64 central differences of an
 * independent float64 re-implementation (test/helpers/gradcheck.ts), on every backend.
 */
import { describe, it } from 'vitest';
import { F, Tensor, flatten, manualSeed, matmul, nn, ones, reshape, tensor, transpose } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { broadcast64, gradcheck, matmul64, positive, reduce64, type InputSpec } from './helpers/gradcheck.js';

/** erf in float64: Taylor series below 2.5, erfc's continued fraction above. */
function erf64(x: number): number {
  if (Math.abs(x) >= 2.5) {
    const a = Math.abs(x);
    let t = a;
    for (let n = 80; n >= 1; n--) t = a + (n / 2) / t;
    const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / t;
    return Math.sign(x) * (1 - erfc);
  }
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x * x / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
const act64: Record<string, (x: number, p: number) => number> = {
  relu: (x) => Math.max(0, x),
  leakyRelu: (x, p) => (x > 0 ? x : p * x),
  gelu: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  elu: (x, p) => (x > 0 ? x : p * Math.expm1(x)),
};
const actNt: Record<string, [(x: Tensor, p: number) => Tensor, (p: number) => nn.Module, number[]]> = {
  relu: [(x) => F.relu(x), () => new nn.ReLU(), [0]],
  leakyRelu: [(x, p) => F.leakyRelu(x, p), (p) => new nn.LeakyReLU(p), [0.01, 0.2]],
  gelu: [(x) => F.gelu(x), () => new nn.GELU(), [0]],
  geluTanh: [(x) => F.gelu(x, { approximate: 'tanh' }), () => new nn.GELU({ approximate: 'tanh' }), [0]],
  sigmoid: [(x) => F.sigmoid(x), () => new nn.Sigmoid(), [0]],
  tanh: [(x) => F.tanh(x), () => new nn.Tanh(), [0]],
  elu: [(x, p) => F.elu(x, p), (p) => new nn.ELU(p), [1, 0.5]],
};

const map64 = (f: (x: number) => number) => (xs: Float64Array[]): Float64Array => xs[0].map(f);
const S = (...shape: number[]): InputSpec => ({ shape });
const P = (...shape: number[]): InputSpec => ({ shape, gen: positive });

describe.each(availableBackends())('gradcheck (%s backend)', (name) => {
  useBackend(name);

  describe('elementwise, with broadcasting', () => {
    const bin: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
      ['add', (a, b) => a.add(b), (x, y) => x + y],
      ['sub', (a, b) => a.sub(b), (x, y) => x - y],
      ['mul', (a, b) => a.mul(b), (x, y) => x * y],
      ['div', (a, b) => a.div(b), (x, y) => x / y],
    ];
    const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[3, 1, 4], [2, 4]], [[4], [2, 3, 4]], [[2, 3], []], [[], [5]]];
    for (const [op, f, g] of bin) {
      for (const [sa, sb] of shapes) {
        it(`${op} [${sa}] with [${sb}]`, () => {
          gradcheck([S(...sa), op === 'div' ? P(...sb) : S(...sb)], ([a, b]) => f(a, b),
            ([a, b]) => broadcast64(a, sa, b, sb, g).out);
        });
      }
    }
    it('neg, exp, log, sqrt, abs, pow(3), pow(0.5), pow(-1.5), clamp', () => {
      gradcheck([S(3, 4)], ([x]) => x.neg(), map64((x) => -x));
      gradcheck([S(3, 4)], ([x]) => x.exp(), map64(Math.exp));
      gradcheck([P(3, 4)], ([x]) => x.log(), map64(Math.log));
      gradcheck([P(3, 4)], ([x]) => x.sqrt(), map64(Math.sqrt));
      gradcheck([S(3, 4)], ([x]) => x.abs(), map64(Math.abs));
      gradcheck([S(3, 4)], ([x]) => x.pow(3), map64((x) => x ** 3));
      gradcheck([P(3, 4)], ([x]) => x.pow(0.5), map64(Math.sqrt));
      gradcheck([P(3, 4)], ([x]) => x.pow(-1.5), map64((x) => x ** -1.5));
      gradcheck([{ shape: [40], gen: (r) => { const v = r() * 4 - 2; return Math.abs(Math.abs(v) - 1) < 0.05 ? v * 1.2 : v; } }],
        ([x]) => x.clamp(-1, 1), map64((x) => Math.min(1, Math.max(-1, x))));
      gradcheck([S(20)], ([x]) => x.clamp(0.05, null), map64((x) => Math.max(0.05, x)), { seed: 9 });
    });
  });

  describe('reductions', () => {
    const shape = [2, 3, 4];
    it('sum / mean over all', () => {
      gradcheck([S(...shape)], ([x]) => x.sum(), (xs) => [xs[0].reduce((a, b) => a + b, 0)]);
      gradcheck([S(...shape)], ([x]) => x.mean(), (xs) => [xs[0].reduce((a, b) => a + b, 0) / 24]);
    });
    for (const dim of [0, 1, 2, -1]) {
      for (const keep of [false, true]) {
        it(`sum / mean / max along dim ${dim}, keepDim ${keep}`, () => {
          const d = dim < 0 ? dim + 3 : dim;
          gradcheck([S(...shape)], ([x]) => x.sum(dim, keep), (xs) => reduce64(xs[0], shape, d, (v) => v.reduce((a, b) => a + b, 0)));
          gradcheck([S(...shape)], ([x]) => x.mean(dim, keep), (xs) => reduce64(xs[0], shape, d, (v) => v.reduce((a, b) => a + b, 0) / v.length));
          gradcheck([S(...shape)], ([x]) => x.max(dim, keep).values, (xs) => reduce64(xs[0], shape, d, (v) => Math.max(...v)));
          gradcheck([S(...shape)], ([x]) => x.min(dim, keep).values, (xs) => reduce64(xs[0], shape, d, (v) => Math.min(...v)));
        });
      }
    }
    it('sum / mean over several dims (x.sum([0, 2]), negative dims, keepDim)', () => {
      const sumOver = (xs: Float64Array[], dims: number[]): number[] => {
        // reduce64 one dim at a time, highest first, keeping the reduced dims as size 1
        let v: ArrayLike<number> = xs[0], sh = shape.slice();
        for (const d of [...dims].sort((a, b) => b - a)) { v = reduce64(v, sh, d, (u) => u.reduce((a, b) => a + b, 0)); sh = sh.map((s, i) => (i === d ? 1 : s)); }
        return Array.from(v);
      };
      for (const [dims, norm] of [[[0, 2], [0, 2]], [[-1, 0], [2, 0]], [[0, 1, 2], [0, 1, 2]]] as const) {
        for (const keep of [false, true]) {
          const count = norm.reduce((a, d) => a * shape[d], 1);
          gradcheck([S(...shape)], ([x]) => x.sum([...dims], keep), (xs) => sumOver(xs, [...norm]));
          gradcheck([S(...shape)], ([x]) => x.mean([...dims], keep), (xs) => sumOver(xs, [...norm]).map((v) => v / count));
        }
      }
    });
    it('max / min of everything', () => {
      gradcheck([S(3, 5)], ([x]) => x.max(), (xs) => [Math.max(...xs[0])]);
      gradcheck([S(3, 5)], ([x]) => x.min(), (xs) => [Math.min(...xs[0])]);
    });
  });

  describe('linear algebra and shapes', () => {
    it('matmul 2-D, odd sizes', () => {
      gradcheck([S(5, 7), S(7, 3)], ([a, b]) => matmul(a, b), ([a, b]) => matmul64(a, b, 5, 7, 3));
      gradcheck([S(1, 1), S(1, 9)], ([a, b]) => matmul(a, b), ([a, b]) => matmul64(a, b, 1, 1, 9));
    });
    it('matmul N-D x 2-D', () => {
      gradcheck([S(2, 3, 4), S(4, 5)], ([a, b]) => matmul(a, b), ([a, b]) => matmul64(a, b, 6, 4, 5));
    });
    it('matmul large enough for the blocked path', () => {
      gradcheck([S(40, 35), S(35, 30)], ([a, b]) => matmul(a, b), ([a, b]) => matmul64(a, b, 40, 35, 30), { only: [0] });
    });
    it('transpose, reshape, flatten, .T', () => {
      const tr = (x: ArrayLike<number>, m: number, n: number): Float64Array => {
        const o = new Float64Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) o[j * m + i] = x[i * n + j];
        return o;
      };
      gradcheck([S(3, 4)], ([x]) => transpose(x, 0, 1).mul(tensor(Float32Array.from({ length: 12 }, (_, i) => i), [4, 3])),
        ([x]) => tr(x, 3, 4).map((v, i) => v * i));
      gradcheck([S(3, 4)], ([x]) => x.T.exp(), ([x]) => tr(x, 3, 4).map(Math.exp));
      gradcheck([S(2, 3, 4)], ([x]) => transpose(x, 0, 2).exp(), ([x]) => {
        const o = new Float64Array(24);
        for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 4; c++) o[(c * 3 + b) * 2 + a] = Math.exp(x[(a * 3 + b) * 4 + c]);
        return o;
      });
      gradcheck([S(2, 3, 4)], ([x]) => reshape(x, [4, -1]).exp(), map64(Math.exp));
      gradcheck([S(2, 3, 4)], ([x]) => flatten(x, 1).exp(), map64(Math.exp));
      gradcheck([S(2, 3, 4)], ([x]) => x.view(6, 4).mul(x.view(6, 4)), map64((v) => v * v));
    });
  });

  describe('activations', () => {
    for (const [act, [fn, , params]] of Object.entries(actNt)) {
      for (const p of params) {
        it(`${act}(${p})`, () => {
          gradcheck([S(5, 6)], ([x]) => fn(x, p), map64((v) => act64[act](v, p)));
        });
      }
    }
  });

  describe('linear fused with each activation (x, W, b)', () => {
    const linear64 = (x: Float64Array, w: Float64Array, b: Float64Array, M: number, K: number, N: number,
      f: (v: number) => number): Float64Array => {
      const o = new Float64Array(M * N);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = b[j];
        for (let k = 0; k < K; k++) s += x[i * K + k] * w[j * K + k];
        o[i * N + j] = f(s);
      }
      return o;
    };
    for (const [act, [, mod, params]] of Object.entries(actNt)) {
      for (const p of params) {
        it(`Linear → ${act}(${p}), also over a 3-D input`, () => {
          // x, and the Linear's own weight and bias, through Sequential's fused Linear+activation
          let lin = new nn.Linear(4, 3);
          gradcheck([S(5, 4), S(3, 4), S(3)], ([x, w, b]) => {
            lin = new nn.Linear(4, 3);
            lin.weight.data.set(w.data);
            lin.bias!.data.set(b.data);
            return new nn.Sequential(lin, mod(p)).forward(x);
          }, ([x, w, b]) => linear64(x, w, b, 5, 4, 3, (v) => act64[act](v, p)),
          { gradOf: (k) => (k === 1 ? lin.weight.grad : k === 2 ? lin.bias!.grad : null) });
          gradcheck([S(2, 5, 4), S(3, 4), S(3)], ([x, w, b]) => fusedLinear(x, w, b, act, p),
            ([x, w, b]) => linear64(x, w, b, 10, 4, 3, (v) => act64[act](v, p)));
        });
      }
    }
  });

  describe('softmax and losses', () => {
    const softmax64 = (x: ArrayLike<number>, rows: number, cols: number, log: boolean): Float64Array => {
      const o = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let m = -Infinity;
        for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
        let s = 0;
        for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
        for (let c = 0; c < cols; c++) o[r * cols + c] = log ? x[r * cols + c] - m - Math.log(s) : Math.exp(x[r * cols + c] - m) / s;
      }
      return o;
    };
    const tr = (x: ArrayLike<number>, m: number, n: number): Float64Array => {
      const o = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) o[j * m + i] = x[i * n + j];
      return o;
    };
    it('softmax / logSoftmax along the last dim and along dim 0', () => {
      gradcheck([S(4, 5)], ([x]) => F.softmax(x, 1), ([x]) => softmax64(x, 4, 5, false));
      gradcheck([S(4, 5)], ([x]) => F.logSoftmax(x, -1), ([x]) => softmax64(x, 4, 5, true));
      gradcheck([S(4, 5)], ([x]) => F.softmax(x, 0), ([x]) => tr(softmax64(tr(x, 4, 5), 5, 4, false), 5, 4));
      gradcheck([S(4, 5)], ([x]) => F.logSoftmax(x, 0), ([x]) => tr(softmax64(tr(x, 4, 5), 5, 4, true), 5, 4));
    });
    const target = [2, 0, 4, 1];
    const ce64 = (x: ArrayLike<number>): number[] => {
      const ls = softmax64(x, 4, 5, true);
      return target.map((t, r) => -ls[r * 5 + t]);
    };
    it('crossEntropy (mean, sum, none) and nllLoss', () => {
      gradcheck([S(4, 5)], ([x]) => F.crossEntropy(x, target), ([x]) => [ce64(x).reduce((a, b) => a + b) / 4]);
      gradcheck([S(4, 5)], ([x]) => F.crossEntropy(x, target, { reduction: 'sum' }), ([x]) => [ce64(x).reduce((a, b) => a + b)]);
      gradcheck([S(4, 5)], ([x]) => F.crossEntropy(x, target, { reduction: 'none' }), ([x]) => ce64(x));
      gradcheck([S(4, 5)], ([x]) => F.nllLoss(x, target), ([x]) => [-target.reduce((s, t, r) => s + x[r * 5 + t], 0) / 4]);
      gradcheck([S(4, 5)], ([x]) => F.nllLoss(F.logSoftmax(x, 1), target, { reduction: 'none' }), ([x]) => ce64(x));
    });
    it('mseLoss and bceWithLogits (input and target)', () => {
      gradcheck([S(3, 4), S(3, 4)], ([a, b]) => F.mseLoss(a, b), ([a, b]) => [a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / 12]);
      gradcheck([S(3, 4), S(3, 4)], ([a, b]) => F.mseLoss(a, b, { reduction: 'none' }), ([a, b]) => a.map((v, i) => (v - b[i]) ** 2));
      const bce = (x: number, y: number): number => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
      gradcheck([S(3, 4), { shape: [3, 4], gen: (r) => r() }], ([a, b]) => F.binaryCrossEntropyWithLogits(a, b),
        ([a, b]) => [a.reduce((s, v, i) => s + bce(v, b[i]), 0) / 12]);
      gradcheck([S(3, 4), { shape: [3, 4], gen: (r) => r() }], ([a, b]) => F.binaryCrossEntropyWithLogits(a, b, { reduction: 'sum' }),
        ([a, b]) => [a.reduce((s, v, i) => s + bce(v, b[i]), 0)]);
    });
  });

  describe('dropout, LayerNorm, BatchNorm1d', () => {
    it('dropout with a fixed mask (manualSeed)', () => {
      manualSeed(11);
      const mask = F.dropout(ones([4, 6]), 0.3, true).data;
      gradcheck([S(4, 6)], ([x]) => { manualSeed(11); return F.dropout(x, 0.3, true); },
        ([x]) => x.map((v, i) => v * mask[i]));
    });
    const norm64 = (x: ArrayLike<number>, rows: number, cols: number, eps: number): Float64Array => {
      const o = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        let m = 0;
        for (let c = 0; c < cols; c++) m += x[r * cols + c];
        m /= cols;
        let v = 0;
        for (let c = 0; c < cols; c++) v += (x[r * cols + c] - m) ** 2;
        v /= cols;
        for (let c = 0; c < cols; c++) o[r * cols + c] = (x[r * cols + c] - m) / Math.sqrt(v + eps);
      }
      return o;
    };
    it('LayerNorm over the last dim, with an affine map (input, weight, bias)', () => {
      // x, and LayerNorm's own weight and bias (its fused kernel's parameter gradients)
      let ln = new nn.LayerNorm(5);
      gradcheck([S(3, 5), S(5), S(5)], ([x, w, b]) => {
        ln = new nn.LayerNorm(5);
        ln.weight!.data.set(w.data); ln.bias!.data.set(b.data);
        return ln.forward(x);
      }, ([x, w, b]) => norm64(x, 3, 5, 1e-5).map((v, i) => v * w[i % 5] + b[i % 5]),
      { gradOf: (k) => (k === 1 ? ln.weight!.grad : k === 2 ? ln.bias!.grad : null) });
      gradcheck([S(2, 3, 5)], ([x]) => new nn.LayerNorm(5).forward(x), ([x]) => norm64(x, 6, 5, 1e-5));
    });
    it('BatchNorm1d in training mode (batch statistics)', () => {
      const tr = (x: ArrayLike<number>, m: number, n: number): Float64Array => {
        const o = new Float64Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) o[j * m + i] = x[i * n + j];
        return o;
      };
      gradcheck([S(6, 3)], ([x]) => new nn.BatchNorm1d(3).forward(x), ([x]) => tr(norm64(tr(x, 6, 3), 3, 6, 1e-5), 3, 6));
      gradcheck([S(6, 3)], ([x]) => new nn.BatchNorm1d(3).eval().forward(x), ([x]) => x.map((v) => v / Math.sqrt(1 + 1e-5)));
    });
  });
});

/** F.linear with an activation fused, for checking W and b as leaves. */
import { linear as linearOp } from '../lib/ops/linalg.js';
import { ACTIVATIONS, type ActivationName } from '../lib/ops/activations.js';
function fusedLinear(x: Tensor, w: Tensor, b: Tensor, act: string, p: number): Tensor {
  return linearOp(x, w, b, ACTIVATIONS[act as ActivationName].id, p);
}
