/**
 * Seeded random cases for the differential suite against PyTorch (test/torch-diff.test.ts):
 * each case carries what the Python driver needs (`torch`) and how to run neurite on the same
 * inputs and compare (`check`, run once per backend). Shapes, weights, hyper-parameters and
 * values come from `lcg(seed)`, so a failure names a case that replays exactly.
 */
import { expect } from 'vitest';
import { F, Tensor, abs, argmax, clamp, exp, log, matmul, max, mean, min, neg, nn, optim, pow, softmax, logSoftmax,
  sqrt, sum, tensor, zeros, add, sub, mul, div, noGrad, eq, ne, lt, le, gt, ge, indexSelect, gather, scatter, scatterAdd, nonzero,
  maskedFill, where, cat, stack, repeat, clone, variance, std, cumsum, sort, argsort, topk, argmin } from '../../lib/index.js';
import { Module, Parameter } from '../../lib/nn/module.js';
import { lcg } from './gradcheck.js';
import { manualSeed } from '../../lib/random.js';
import { fixedViewCases, viewCases } from './torch-cases-views.js';
import { ACT_TOL, COMPOSITE, EXACT, dec, enc, expectLikeTorch, type Tol, type TorchResult } from './torch.js';

export interface DiffCase {
  group: string;
  name: string;
  torch: Record<string, unknown>;
  check(r: TorchResult): void;
}

type Rng = () => number;
const f32 = Math.fround;

/** Inputs where kernels branch, round, overflow or saturate. */
export const SPECIALS = [0, -0, 1e-45, -1e-45, 1e-38, -1e-38, 1e-7, -1e-7, 0.5, -0.5, 1, -1, 3, -3, 5.5, -5.5,
  9, -9, 10, -10, 15, -15, 20, -20, 50, -50, 87, -87, 88.5, -88.5, 89, -89, 100, -100, 104, -104, 1e4, -1e4,
  1e30, -1e30, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];

function gauss(r: Rng): number {
  const u = Math.max(r(), 1e-12), v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
function randArr(r: Rng, n: number, scale = 1, specials = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = specials > 0 && r() < specials ? SPECIALS[Math.floor(r() * SPECIALS.length)] : f32(gauss(r) * scale);
  }
  return a;
}
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const leaf = (d: Float32Array, shape: number[]): Tensor => tensor(d.slice(), shape, { requiresGrad: true });
const gradOf = (t: Tensor): Float32Array => t.grad ? t.grad.data : new Float32Array(t.size);
const fmt = (xs: unknown): string => JSON.stringify(xs);

function noError(name: string, r: TorchResult): void {
  expect(r.error, `${name}: PyTorch raised`).toBeUndefined();
}

// ---------------------------------------------------------------- activations

const ACTS: [string, number[]][] = [
  ['relu', [0]], ['leakyRelu', [0.01, 0.2, -0.3, 0, 1.5]], ['gelu', [0]], ['geluTanh', [0]],
  ['sigmoid', [0]], ['tanh', [0]], ['elu', [1, 0.5, 2]],
];
export function applyAct(name: string, x: Tensor, p: number): Tensor {
  switch (name) {
    case 'relu': return F.relu(x);
    case 'leakyRelu': return F.leakyRelu(x, p);
    case 'gelu': return F.gelu(x);
    case 'geluTanh': return F.gelu(x, { approximate: 'tanh' });
    case 'sigmoid': return F.sigmoid(x);
    case 'tanh': return F.tanh(x);
    case 'elu': return F.elu(x, p);
    default: throw new Error(name);
  }
}

function activationCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (const [name, params] of ACTS) {
    for (const p of params) {
      for (const kind of ['extreme', 'random'] as const) {
        const x = kind === 'extreme' ? Float32Array.from(SPECIALS) : randArr(r, 133, pick(r, [1, 4, 30]), 0.05);
        const gy = randArr(r, x.length);
        const cn = `${name}(${p}) on ${kind} inputs`;
        out.push({
          group: 'activations', name: cn,
          torch: { op: 'act', name, param: p, x: enc(x), xShape: [x.length], gy: enc(gy) },
          check(res) {
            noError(cn, res);
            const xt = leaf(x, [x.length]);
            const y = applyAct(name, xt, p);
            y.backward(tensor(gy.slice()));
            // GELU-erf's gradient: oneDNN's erf/exp differ from neurite's emulation by an ulp of
            // the O(1) sum 0.5 + 0.5·erf + r·e^(-r²)/√π, which cancels near x = -0.75
            // GELU-tanh: PyTorch's tail elements (past its last full vector) take std::tanh, the
            // others Sleef's; an ulp of t = tanh(k(x + a·x³)) reaches y = 0.5·x·(1 + t) scaled by
            // 0.5·|x| and gx by |gy|·|0.5 - x·t·k·(1 + 3a·x²)| (1 + t cancels for x near -2)
            const tanhUlp = name === 'geluTanh' ? 2 ** -23 : 0;
            const k = Math.sqrt(2 / Math.PI), a = 0.044715;
            const yTol: Tol = name === 'geluTanh' ? { ...ACT_TOL, signedZero: true, absEach: x.map((v) => 0.5 * Math.abs(v) * tanhUlp) } : { ...ACT_TOL, signedZero: true };
            const gxTol: Tol = name === 'gelu' ? { ulps: 4, absEach: gy.map((g) => Math.abs(g) * 2 ** -23) }
              : name === 'geluTanh' ? { ...ACT_TOL, absEach: gy.map((g, i) => Math.abs(g) * (0.5 + Math.abs(x[i]) * k * (1 + 3 * a * x[i] * x[i])) * tanhUlp) }
                : ACT_TOL;
            expectLikeTorch(cn, { y: y.data, gx: gradOf(xt) },
              { y: [dec(res.y), dec(res.yScalar)], gx: [dec(res.gx), dec(res.gxScalar)] },
              { y: yTol, gx: gxTol });
          },
        });
      }
    }
  }
  // sigmoid mirrors PyTorch's vectorised kernel (Sleef's expf, then 1/(1 + e)): bit for bit on a
  // length its vector loop covers whole (a multiple of 32: no scalar tail)
  const x = randArr(r, 4096, 12, 0.05);
  out.push({
    group: 'activations', name: 'sigmoid bit-exact on 4096 inputs',
    torch: { op: 'act', name: 'sigmoid', param: 0, x: enc(x), xShape: [x.length], gy: enc(new Float32Array(x.length)) },
    check(res) {
      noError('sigmoid bit-exact', res);
      expectLikeTorch('sigmoid bit-exact', { y: F.sigmoid(tensor(x.slice())).data }, { y: [dec(res.y)] }, { y: { ...EXACT, signedZero: true } });
    },
  });
  return out;
}

// ---------------------------------------------------------------- elementwise

function broadcastPair(r: Rng): [number[], number[]] {
  const rank = int(r, 0, 4);
  const outS = Array.from({ length: rank }, () => int(r, 1, 4));
  const derive = (): number[] => {
    const drop = int(r, 0, rank);
    return outS.slice(drop).map((d) => (r() < 0.35 ? 1 : d));
  };
  return [derive(), derive()];
}

const BINARY = { add, sub, mul, div } as const;
function binaryCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (let k = 0; k < 24; k++) {
    const name = (['add', 'sub', 'mul', 'div'] as const)[k % 4];
    const [as, bs] = broadcastPair(r);
    const a = randArr(r, size(as), 2, 0.1), b = randArr(r, size(bs), 2, 0.1);
    const gy = randArr(r, size(broadcastShape(as, bs)));
    out.push(binaryCase(name, as, bs, a, b, gy, `${name} ${fmt(as)} with ${fmt(bs)} #${k}`));
  }
  return out;
}

/**
 * Binary cases that once differed from PyTorch: seed 13's div by a b near 1e-7 summed over a
 * broadcast dim (b's gradient is -g * ((a / b) / b) in PyTorch's rounding; -(g / b) * (a / b) was 512 ulp off).
 */
function binaryRegressionCases(): DiffCase[] {
  const a = dec('HBuXPkdIvj+jMIZAxoAMQNCY8z6T1qU/Zn2ovzkhmj8AAEDAUvadPlGVhj/f4ZA/'), b = dec('WpGzvz2Bxj7A6jnApkscP8htv72Vv9Yz');
  const gy = dec('tV2lP4H2jT9ktia/UxVtP8+Zaz7b+Y+/jikBP2N4Xj6SeN0+cNxbP2J4Rb6AVpI/');
  return [binaryCase('div', [2, 2, 3], [2, 1, 3], a, b, gy, 'div [2,2,3] with [2,1,3], b near 1e-7 (seed 13 #3)')];
}

function binaryCase(name: 'add' | 'sub' | 'mul' | 'div', as: number[], bs: number[], a: Float32Array, b: Float32Array,
  gy: Float32Array, cn: string): DiffCase {
  return {
    group: 'broadcasting binary ops', name: cn,
    torch: { op: 'binary', name, a: enc(a), aShape: as, b: enc(b), bShape: bs, gy: enc(gy) },
    check(res) {
      noError(cn, res);
      const at = leaf(a, as), bt = leaf(b, bs);
      const y = BINARY[name](at, bt);
      expect(y.shape, `${cn}: shape`).toEqual(res.shape);
      y.backward(tensor(gy.slice(), y.shape));
      expectLikeTorch(cn, { y: y.data, ga: gradOf(at), gb: gradOf(bt) },
        { y: dec(res.y), ga: dec(res.ga), gb: dec(res.gb) }, { y: { ...EXACT, signedZero: true }, default: COMPOSITE });
    },
  };
}
function broadcastShape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1));
}

type UnarySpec = { name: string; p?: number | (number | null)[]; run: (x: Tensor) => Tensor; x: (r: Rng) => Float32Array; tol: Tol; gtol: Tol };
function unaryCases(r: Rng): DiffCase[] {
  const mixed = (rr: Rng): Float32Array => Float32Array.from([...SPECIALS, ...randArr(rr, 40, 3)]);
  const specs: UnarySpec[] = [
    { name: 'neg', run: neg, x: mixed, tol: EXACT, gtol: EXACT },
    { name: 'exp', run: exp, x: mixed, tol: ACT_TOL, gtol: ACT_TOL },
    { name: 'log', run: log, x: mixed, tol: ACT_TOL, gtol: ACT_TOL },
    { name: 'sqrt', run: sqrt, x: mixed, tol: ACT_TOL, gtol: ACT_TOL },
    { name: 'abs', run: abs, x: mixed, tol: EXACT, gtol: EXACT },
  ];
  for (const p of [2, 3, 0.5, -0.5, -1, -2, 1.5, -1.5, 0, 1, 2.5, 0.3, 4]) {
    specs.push({ name: 'pow', p, run: (x) => pow(x, p), x: mixed, tol: ACT_TOL, gtol: { ulps: 4 } });
  }
  for (const [lo, hi] of [[-1, 1], [0, null], [null, 0.5], [-2.5, -2.5], [0, 6], [2, 1]] as (number | null)[][]) {
    const onEdges = (rr: Rng): Float32Array => Float32Array.from([...SPECIALS, ...[lo, hi].filter((v): v is number => v !== null),
      ...randArr(rr, 30, 3)]);
    specs.push({ name: 'clamp', p: [lo, hi], run: (x) => clamp(x, lo, hi), x: onEdges, tol: EXACT, gtol: EXACT });
  }
  return specs.map((s, k) => {
    const x = s.x(r);
    const gy = randArr(r, x.length);
    const cn = `${s.name}${s.p === undefined ? '' : `(${fmt(s.p)})`} #${k}`;
    return {
      group: 'unary ops', name: cn,
      torch: { op: 'unary', name: s.name, p: s.p, x: enc(x), xShape: [x.length], gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, [x.length]);
        const y = s.run(xt);
        y.backward(tensor(gy.slice()));
        expectLikeTorch(cn, { y: y.data, gx: gradOf(xt) },
          { y: [dec(res.y), dec(res.yScalar)], gx: [dec(res.gx), dec(res.gxScalar)] }, { y: s.tol, gx: s.gtol });
      },
    };
  });
}

// ---------------------------------------------------------------- reductions, softmax

function reductionCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const names = ['sum', 'mean', 'max', 'min', 'argmax'] as const;
  for (let k = 0; k < 40; k++) {
    const name = names[k % names.length];
    const shape = Array.from({ length: int(r, 1, 4) }, () => int(r, 1, 5));
    const whole = r() < 0.25;
    const dim = whole ? undefined : int(r, -shape.length, shape.length - 1);
    const keepDim = !whole && r() < 0.5;
    const n = size(shape);
    // few distinct values, so ties are common; sometimes NaN
    const x = name === 'sum' || name === 'mean' ? randArr(r, n, 3, 0.02)
      : Float32Array.from({ length: n }, () => (r() < 0.04 ? NaN : Math.round(gauss(r) * 2) / 2));
    const outShape = dim === undefined ? [] : shape.map((d, i) => (i === (dim + shape.length) % shape.length ? (keepDim ? 1 : -1) : d)).filter((d) => d >= 0);
    const gy = randArr(r, size(outShape));
    const cn = `${name}(${dim ?? 'all'}${keepDim ? ', keepDim' : ''}) of ${fmt(shape)} #${k}`;
    out.push({
      group: 'reductions', name: cn,
      torch: { op: 'reduce', name, dim: dim ?? null, keepDim, x: enc(x), xShape: shape, gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, shape);
        let y: Tensor, idx: Tensor | null = null;
        if (name === 'argmax') {
          idx = argmax(xt, dim, keepDim);
          expect(idx.shape, `${cn}: shape`).toEqual(res.shape);
          expectLikeTorch(cn, { indices: idx.data }, { indices: dec(res.indices) }, EXACT);
          return;
        }
        if (name === 'sum' || name === 'mean') y = (name === 'sum' ? sum : mean)(xt, dim, keepDim);
        else if (dim === undefined) y = (name === 'max' ? max : min)(xt);
        else ({ values: y, indices: idx } = (name === 'max' ? max : min)(xt, dim, keepDim));
        expect(y.shape, `${cn}: shape`).toEqual(res.shape);
        y.backward(tensor(gy.slice(), y.shape));
        const got: Record<string, ArrayLike<number>> = { y: y.data, gx: gradOf(xt) };
        const want: Record<string, ArrayLike<number>> = { y: dec(res.y), gx: dec(res.gx) };
        if (idx) { got.indices = idx.data; want.indices = dec(res.indices); }
        // a sum's rounding scales with the sum of its terms' magnitudes, not with the result,
        // which cancellation can make small: each output may be off by 1e-6 of Σ|x| over its slice
        const yTol: Tol = name === 'sum' || name === 'mean'
          ? { ...COMPOSITE, absEach: (name === 'sum' ? sum : mean)(tensor(x.map(Math.abs), shape), dim, keepDim).data.map((v) => 1e-6 * v) }
          : COMPOSITE;
        expectLikeTorch(cn, got, want, { indices: EXACT, y: yTol, default: COMPOSITE });
      },
    });
  }
  return out;
}

/** One softmax / logSoftmax case along `dim`, forward and backward against PyTorch's. */
function softmaxCase(log: boolean, dim: number, shape: number[], x: Float32Array, gy: Float32Array, what: string): DiffCase {
  const cn = `${log ? 'logSoftmax' : 'softmax'}(dim ${dim}) of ${fmt(shape)} ${what}`;
  return {
    group: 'softmax', name: cn,
    torch: { op: 'softmax', log, dim, x: enc(x), xShape: shape, gy: enc(gy) },
    check(res) {
      noError(cn, res);
      const xt = leaf(x, shape);
      const y = (log ? logSoftmax : softmax)(xt, dim);
      y.backward(tensor(gy.slice(), shape));
      expectLikeTorch(cn, { y: y.data, gx: gradOf(xt) }, { y: dec(res.y), gx: dec(res.gx) }, COMPOSITE);
    },
  };
}

function softmaxCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (const log of [false, true]) {
    for (const dim of [0, 1, 2, -1]) {
      for (const scale of [1, 30, 1e4]) {
        const shape = [int(r, 1, 5), int(r, 1, 5), int(r, 1, 6)];
        const x = randArr(r, size(shape), scale);
        out.push(softmaxCase(log, dim, shape, x, randArr(r, x.length), `at scale ${scale}`));
      }
    }
  }
  // masked logits: -inf entries, and along dim 1 of the first slice a row that is all -inf (NaN)
  for (const log of [false, true]) {
    const shape = [2, 4, 5];
    const x = randArr(r, size(shape), 3);
    for (let i = 0; i < x.length; i++) if (r() < 0.25) x[i] = -Infinity;
    for (let j = 0; j < 4; j++) x[j * 5] = -Infinity;
    const gy = randArr(r, x.length);
    for (const dim of [1, 2]) out.push(softmaxCase(log, dim, shape, x, gy, 'with -inf masks'));
  }
  return out;
}

// ---------------------------------------------------------------- losses

function lossCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const reductions = ['mean', 'sum', 'none'] as const;
  for (let k = 0; k < 30; k++) {
    const name = (['crossEntropy', 'nllLoss', 'mseLoss', 'bceWithLogits'] as const)[k % 4];
    const reduction = reductions[Math.floor(k / 4) % 3];
    let shape: number[], x: Float32Array, t: Float32Array | null = null, target: number[] | null = null;
    if (name === 'crossEntropy' || name === 'nllLoss') {
      const N = int(r, 1, 9), C = int(r, 2, 11);
      shape = [N, C];
      x = randArr(r, N * C, name === 'crossEntropy' ? pick(r, [1, 20, 1e4]) : 2);
      target = Array.from({ length: N }, () => int(r, 0, C - 1));
      // masked classes: -inf logits away from the target
      if (name === 'crossEntropy' && k % 3 === 0) for (let i = 0; i < N; i++) x[i * C + ((target[i] + 1) % C)] = -Infinity;
    } else {
      shape = Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 6));
      x = randArr(r, size(shape), name === 'bceWithLogits' ? pick(r, [1, 10]) : 2);
      if (name === 'bceWithLogits') for (let i = 0; i < x.length; i += 3) x[i] = pick(r, [100, -100, 30, -30, 1e4, -1e4, 0]);
      t = name === 'bceWithLogits' ? Float32Array.from({ length: x.length }, () => (r() < 0.5 ? Math.round(r()) : f32(r())))
        : randArr(r, x.length, 2);
    }
    const outShape = reduction === 'none' ? (target ? [shape[0]] : shape) : [];
    const gy = reduction === 'none' ? randArr(r, size(outShape)) : Float32Array.of(f32(0.5 + r()));
    const cn = `${name}(${reduction}) of ${fmt(shape)} #${k}`;
    out.push({
      group: 'losses', name: cn,
      torch: { op: 'loss', name, reduction, x: enc(x), xShape: shape, gy: enc(gy),
        ...(target ? { target } : { t: enc(t!) }) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, shape);
        const tt = t ? leaf(t, shape) : null;
        const opts = { reduction };
        const y = name === 'crossEntropy' ? F.crossEntropy(xt, target!, opts)
          : name === 'nllLoss' ? F.nllLoss(xt, target!, opts)
            : name === 'mseLoss' ? F.mseLoss(xt, tt!, opts) : F.binaryCrossEntropyWithLogits(xt, tt!, opts);
        expect(y.shape, `${cn}: shape`).toEqual(res.shape);
        y.backward(tensor(gy.slice(), y.shape));
        const got: Record<string, ArrayLike<number>> = { y: y.data, gx: gradOf(xt) };
        const want: Record<string, ArrayLike<number>> = { y: dec(res.y), gx: dec(res.gx) };
        if (tt) { got.gt = gradOf(tt); want.gt = dec(res.gt); }
        expectLikeTorch(cn, got, want, COMPOSITE);
      },
    });
  }
  // one sample: input [C] and a 0-d class index, as torch accepts
  for (const name of ['crossEntropy', 'nllLoss'] as const) {
    for (const reduction of reductions) {
      const C = int(r, 2, 6), target = int(r, 0, C - 1);
      const x = randArr(r, C, 2);
      const gy = Float32Array.of(f32(0.5 + r()));
      const cn = `${name}(${reduction}) of one sample [${C}] with a 0-d target`;
      out.push({
        group: 'losses', name: cn,
        torch: { op: 'loss', name, reduction, x: enc(x), xShape: [C], gy: enc(gy), target },
        check(res) {
          noError(cn, res);
          const xt = leaf(x, [C]);
          const y = (name === 'crossEntropy' ? F.crossEntropy : F.nllLoss)(xt, tensor(target), { reduction });
          expect(y.shape, `${cn}: shape`).toEqual(res.shape);
          y.backward(tensor(gy.slice(), y.shape));
          expectLikeTorch(cn, { y: y.data, gx: gradOf(xt) }, { y: dec(res.y), gx: dec(res.gx) }, COMPOSITE);
        },
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- matmul, linear

function linalgCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (let k = 0; k < 12; k++) {
    const K = int(r, 1, 40), N = int(r, 1, 20);
    const lead = pick(r, [[int(r, 1, 17)], [int(r, 1, 4), int(r, 1, 9)], [], [2, 3, int(r, 1, 4)]]);
    const as = [...lead, K], bs = [K, N];
    const a = randArr(r, size(as)), b = randArr(r, size(bs));
    const gy = randArr(r, size([...lead, N]));
    const cn = `matmul ${fmt(as)} x ${fmt(bs)}`;
    out.push({
      group: 'matmul / linear', name: cn,
      torch: { op: 'matmul', a: enc(a), aShape: as, b: enc(b), bShape: bs, gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const at = leaf(a, as), bt = leaf(b, bs);
        const y = matmul(at, bt);
        y.backward(tensor(gy.slice(), y.shape));
        expectLikeTorch(cn, { y: y.data, ga: gradOf(at), gb: gradOf(bt) }, { y: dec(res.y), ga: dec(res.ga), gb: dec(res.gb) }, COMPOSITE);
      },
    });
  }
  for (let k = 0; k < 10; k++) {
    const I = int(r, 1, 33), O = int(r, 1, 17), bias = k % 2 === 0;
    const lead = pick(r, [[int(r, 1, 9)], [int(r, 1, 4), int(r, 1, 6)], []]);
    const xs = [...lead, I];
    const x = randArr(r, size(xs)), w = randArr(r, O * I, 0.5), b = randArr(r, O);
    const gy = randArr(r, size([...lead, O]));
    const cn = `linear ${fmt(xs)} -> ${O}${bias ? '' : ' (no bias)'}`;
    out.push({
      group: 'matmul / linear', name: cn,
      torch: { op: 'linear', x: enc(x), xShape: xs, w: enc(w), wShape: [O, I], ...(bias ? { b: enc(b), bShape: [O] } : {}), gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, xs), wt = leaf(w, [O, I]), bt = bias ? leaf(b, [O]) : null;
        const y = F.linear(xt, wt, bt);
        y.backward(tensor(gy.slice(), y.shape));
        const got: Record<string, ArrayLike<number>> = { y: y.data, gx: gradOf(xt), gw: gradOf(wt) };
        const want: Record<string, ArrayLike<number>> = { y: dec(res.y), gx: dec(res.gx), gw: dec(res.gw) };
        if (bt) { got.gb = gradOf(bt); want.gb = dec(res.gb); }
        expectLikeTorch(cn, got, want, COMPOSITE);
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------- modules

export type Spec =
  | { t: 'linear'; i: number; o: number; bias: boolean }
  | { t: 'bn'; n: number; eps?: number; momentum?: number | null }
  | { t: 'ln'; shape: number[]; eps?: number; affine?: boolean }
  | { t: 'act'; name: string; p?: number }
  | { t: 'dropout'; p: number }
  | { t: 'seq'; items: Spec[] }
  | { t: 'custom'; attrs: [string, Spec | { t: 'param'; shape: number[] }][] };

class Custom extends Module {
  declare private order: Module[];
  declare private own: Parameter[];
  constructor(attrs: [string, Spec | { t: 'param'; shape: number[] }][]) {
    super();
    Object.defineProperty(this, 'order', { value: [], enumerable: false });
    Object.defineProperty(this, 'own', { value: [], enumerable: false });
    for (const [name, s] of attrs) {
      const v = s.t === 'param' ? new Parameter(tensor(new Float32Array(size(s.shape)).fill(1), s.shape)) : build(s);
      (this as unknown as Record<string, unknown>)[name] = v;
      if (v instanceof Parameter) this.own.push(v); else this.order.push(v);
    }
  }
  forward(x: Tensor): Tensor {
    for (const m of this.order) x = m.forward(x);
    for (const p of this.own) x = mul(x, p);
    return x;
  }
}

export function build(s: Spec): Module {
  switch (s.t) {
    case 'linear': return new nn.Linear(s.i, s.o, { bias: s.bias });
    case 'bn': return new nn.BatchNorm1d(s.n, { eps: s.eps, momentum: s.momentum });
    case 'ln': return new nn.LayerNorm(s.shape, { eps: s.eps, elementwiseAffine: s.affine });
    case 'dropout': return new nn.Dropout(s.p);
    case 'seq': return new nn.Sequential(...s.items.map(build));
    case 'custom': return new Custom(s.attrs);
    case 'act': {
      switch (s.name) {
        case 'relu': return new nn.ReLU();
        case 'leakyRelu': return new nn.LeakyReLU(s.p);
        case 'gelu': return new nn.GELU();
        case 'geluTanh': return new nn.GELU({ approximate: 'tanh' });
        case 'sigmoid': return new nn.Sigmoid();
        case 'tanh': return new nn.Tanh();
        case 'elu': return new nn.ELU(s.p);
        default: return new nn.Identity();
      }
    }
  }
}

interface Step { train: boolean; xShape: number[]; x: Float32Array; gy: Float32Array }

/**
 * A model built from `spec` in both libraries, neurite's random weights loaded into PyTorch,
 * then the same steps (forward in train or eval mode, backward): outputs, input and parameter
 * gradients, and the whole state dict (running statistics) after every step.
 */
function modelCase(r: Rng, name: string, spec: Spec, steps: { train: boolean; xShape: number[]; scale?: number }[],
  outShape: (x: number[]) => number[]): DiffCase {
  const m = build(spec);
  for (const [, p] of m.namedParameters()) p.data.set(randArr(r, p.size, 0.7));
  const sd0: Record<string, [string, number[]]> = {};
  for (const [k, v] of Object.entries(m.stateDict())) sd0[k] = [enc(v.data), v.shape];
  const st: Step[] = steps.map((s) => ({ ...s, x: randArr(r, size(s.xShape), s.scale ?? 1.5), gy: randArr(r, size(outShape(s.xShape))) }));
  return {
    group: 'modules', name,
    torch: { op: 'model', spec, stateDict: sd0, steps: st.map((s) => ({ train: s.train, x: enc(s.x), xShape: s.xShape, gy: enc(s.gy) })) },
    check(res) {
      noError(name, res);
      const mm = build(spec);
      mm.loadStateDict(Object.fromEntries(Object.entries(sd0).map(([k, [v, s]]) => [k, tensor(dec(v), s)])));
      st.forEach((s, i) => {
        const want = res.steps[i];
        mm.train(s.train);
        mm.zeroGrad();
        const x = leaf(s.x, s.xShape);
        const y = mm.forward(x);
        y.backward(tensor(s.gy.slice(), y.shape));
        const got: Record<string, ArrayLike<number>> = { y: y.data, gx: gradOf(x) };
        const exp: Record<string, ArrayLike<number>> = { y: dec(want.y), gx: dec(want.gx) };
        for (const [k, p] of mm.namedParameters()) { got[`grad ${k}`] = gradOf(p); exp[`grad ${k}`] = dec(want.grads[k]); }
        expect(Object.keys(mm.stateDict()), `${name} step ${i}: state-dict keys`).toEqual(Object.keys(want.state));
        for (const [k, v] of Object.entries(mm.stateDict())) { got[`state ${k}`] = v.data; exp[`state ${k}`] = dec(want.state[k]); }
        // Every output may be as far from PyTorch's float64 result as twice PyTorch's own float32
        // result is: BatchNorm over a few near-equal values, or a bias ahead of a training-mode
        // BatchNorm (whose gradient is exactly zero, a sum of cancelling terms), magnify both
        // libraries' rounding alike.
        const w64 = res.steps64[i];
        const ref: Record<string, Float32Array> = { y: dec(w64.y), gx: dec(w64.gx) };
        for (const k of Object.keys(w64.grads)) ref[`grad ${k}`] = dec(w64.grads[k]);
        for (const k of Object.keys(w64.state)) ref[`state ${k}`] = dec(w64.state[k]);
        const tol: Record<string, Tol> = {};
        for (const k of Object.keys(exp)) tol[k] = { rel: 2e-5, abs: 2e-6, ref64: ref[k] };
        expectLikeTorch(`${name} step ${i} (${s.train ? 'train' : 'eval'})`, got, exp, tol);
      });
    },
  };
}

function moduleCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const same = (x: number[]): number[] => x;
  // Linear on (B, T, F), and every activation fused into Linear by Sequential
  for (const [act, ps] of ACTS) {
    for (const p of ps) {
      const F_ = int(r, 2, 9), H = int(r, 2, 12), B = int(r, 1, 3), T = int(r, 1, 5);
      const spec: Spec = { t: 'seq', items: [{ t: 'linear', i: F_, o: H, bias: p !== 0 || act !== 'leakyRelu' }, { t: 'act', name: act, p }, { t: 'linear', i: H, o: 3, bias: true }] };
      out.push(modelCase(r, `Sequential(Linear(${F_},${H}), ${act}(${p}), Linear) on (B, T, F) = ${fmt([B, T, F_])}`, spec,
        [{ train: true, xShape: [B, T, F_], scale: 3 }, { train: false, xShape: [T, F_], scale: 3 }], (x) => [...x.slice(0, -1), 3]));
    }
  }
  // LayerNorm over 2 dims and 1 dim, several eps, with and without affine
  for (const [shape, norm, eps, affine] of [[[3, 4, 5], [4, 5], 1e-5, true], [[2, 3, 2, 6], [2, 6], 1e-3, true],
    [[5, 7], [7], 0.1, true], [[4, 3, 3], [3, 3], 1e-5, false]] as [number[], number[], number, boolean][]) {
    out.push(modelCase(r, `LayerNorm(${fmt(norm)}, eps ${eps}${affine ? '' : ', no affine'}) on ${fmt(shape)}`,
      { t: 'ln', shape: norm, eps, affine }, [{ train: true, xShape: shape, scale: 4 }], same));
  }
  out.push(modelCase(r, 'BatchNorm1d(4, momentum 0.3) on (N, C, L) inputs, train x2 -> eval -> train', { t: 'bn', n: 4, momentum: 0.3 },
    [true, true, false, true].map((train) => ({ train, xShape: [int(r, 2, 5), 4, int(r, 2, 6)], scale: 2 })), same));
  out.push(modelCase(r, 'BatchNorm1d(3, momentum null): cumulative running averages over 4 batches', { t: 'bn', n: 3, momentum: null },
    [true, true, true, true, false].map((train) => ({ train, xShape: [int(r, 3, 8), 3], scale: 2 })), same));
  out.push(modelCase(r, 'LayerNorm([3]) on constant rows (variance 0)', { t: 'ln', shape: [3] },
    [{ train: true, xShape: [4, 3], scale: 0 }], same));
  out.push(modelCase(r, 'BatchNorm1d(3) in eval before any training, then train on a constant feature', { t: 'bn', n: 3, momentum: 0.3 },
    [{ train: false, xShape: [4, 3] }, { train: true, xShape: [5, 3], scale: 0 }, { train: false, xShape: [2, 3] }], same));
  // BatchNorm1d: train over several batches, then eval, then train and eval again (N >= 3:
  // with N = 2 the normalised output is ±1 whatever the input, and d/dx is rounding noise)
  for (const [C, eps, momentum] of [[4, 1e-5, 0.3], [7, 1e-3, 0.3], [3, 1e-5, 0.1], [5, 0.5, 0.9]] as number[][]) {
    const steps = [true, true, true, false, false, true, false].map((train) => ({ train, xShape: [int(r, 3, 9), C], scale: 3 }));
    out.push(modelCase(r, `BatchNorm1d(${C}, eps ${eps}, momentum ${momentum}) train x3 -> eval x2 -> train -> eval`,
      { t: 'bn', n: C, eps, momentum }, steps, same));
  }
  // a Module holding a Sequential holding BatchNorm1d, with an own parameter
  const nested: Spec = { t: 'custom', attrs: [
    ['body', { t: 'seq', items: [{ t: 'linear', i: 6, o: 8, bias: true }, { t: 'bn', n: 8, momentum: 0.3 }, { t: 'act', name: 'leakyRelu', p: 0.2 },
      { t: 'seq', items: [{ t: 'linear', i: 8, o: 5, bias: false }, { t: 'act', name: 'elu', p: 0.5 }] }] }],
    ['scale', { t: 'param', shape: [5] }],
    ['norm', { t: 'ln', shape: [5] }],
  ] };
  out.push(modelCase(r, 'Custom{body: Sequential(Linear, BatchNorm1d, LeakyReLU, Sequential(Linear, ELU)), scale, norm: LayerNorm}',
    nested, [true, true, false, true, false].map((train) => ({ train, xShape: [int(r, 3, 7), 6] })), (x) => [x[0], 5]));
  return out;
}

/** State-dict and parameter key order of nested modules, against torch's. */
function keyCases(): DiffCase[] {
  const specs: [string, Spec][] = [
    ['Module{fc, seq(Linear, BN, ReLU, Dropout), scale}', { t: 'custom', attrs: [
      ['fc', { t: 'linear', i: 3, o: 4, bias: true }],
      ['seq', { t: 'seq', items: [{ t: 'linear', i: 4, o: 4, bias: false }, { t: 'bn', n: 4 }, { t: 'act', name: 'relu' }, { t: 'dropout', p: 0.1 }] }],
      ['scale', { t: 'param', shape: [4] }]] }],
    ['Module{pre: param, enc: Module{bn, ln, seq(seq(BN))}, head}', { t: 'custom', attrs: [
      ['pre', { t: 'param', shape: [2, 2] }],
      ['enc', { t: 'custom', attrs: [['bn', { t: 'bn', n: 3 }], ['gain', { t: 'param', shape: [3] }], ['ln', { t: 'ln', shape: [3] }],
        ['deep', { t: 'seq', items: [{ t: 'seq', items: [{ t: 'bn', n: 3 }, { t: 'act', name: 'tanh' }] }, { t: 'linear', i: 3, o: 2, bias: true }] }]] }],
      ['head', { t: 'linear', i: 2, o: 1, bias: false }],
      ['post', { t: 'param', shape: [1] }]] }],
    ['Sequential(Sequential(Linear, BN), LayerNorm(no affine), Linear)', { t: 'seq', items: [
      { t: 'seq', items: [{ t: 'linear', i: 2, o: 3, bias: true }, { t: 'bn', n: 3 }] }, { t: 'ln', shape: [3], affine: false }, { t: 'linear', i: 3, o: 3, bias: true }] }],
  ];
  return specs.map(([name, spec]) => ({
    group: 'state-dict keys', name,
    torch: { op: 'keys', spec },
    check(res) {
      noError(name, res);
      const m = build(spec);
      expect(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]), `${name}: state dict`).toEqual(res.stateDict);
      expect(m.namedParameters().map(([k]) => k), `${name}: named parameters`).toEqual(res.params);
    },
  }));
}

// ---------------------------------------------------------------- optimizers

function optimCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (let k = 0; k < 18; k++) {
    const kind = (['SGD', 'Adam', 'AdamW'] as const)[k % 3];
    const shapes = [[int(r, 1, 4), int(r, 1, 5)], [int(r, 1, 6)]];
    const params = shapes.map((s) => randArr(r, size(s)));
    // parameter 1 has no gradient at step 2: PyTorch skips it (its Adam step count lags)
    const grads = Array.from({ length: 5 }, (_, t) => shapes.map((s, i) => (i === 1 && t === 2 && k % 2 === 0 ? null : randArr(r, size(s), pick(r, [0.1, 1, 10])))));
    let hyper: Record<string, unknown>;
    if (kind === 'SGD') {
      const momentum = pick(r, [0, 0.5, 0.9]);
      const nesterov = momentum > 0 && r() < 0.5;
      hyper = { lr: pick(r, [0.01, 0.1, 0.5]), momentum, dampening: nesterov ? 0 : pick(r, [0, 0.3]), weightDecay: pick(r, [0, 0.01, 0.1]), nesterov };
    } else {
      hyper = { lr: pick(r, [1e-3, 0.01, 0.1]), betas: [pick(r, [0.8, 0.9, 0.95]), pick(r, [0.99, 0.999, 0.9999])],
        eps: pick(r, [1e-8, 1e-6, 0.1]), weightDecay: pick(r, [0, 0.01, 0.1]) };
    }
    const cn = `${kind} ${fmt(hyper)} over 5 steps`;
    out.push({
      group: 'optimizers', name: cn,
      torch: { op: 'optim', name: kind, shapes, params: params.map((p) => enc(p)), hyper, grads: grads.map((gs) => gs.map((g) => (g ? enc(g) : null))) },
      check(res) {
        noError(cn, res);
        const ps = params.map((p, i) => tensor(p.slice(), shapes[i], { requiresGrad: true }));
        const o = kind === 'SGD' ? new optim.SGD(ps, hyper as never)
          : new (kind === 'Adam' ? optim.Adam : optim.AdamW)(ps, hyper as never);
        grads.forEach((gs, t) => {
          ps.forEach((p, i) => { p.grad = gs[i] ? tensor(gs[i]!.slice(), shapes[i]) : null; });
          o.step();
          const got: Record<string, ArrayLike<number>> = {}, want: Record<string, ArrayLike<number>> = {};
          ps.forEach((p, i) => { got[`param ${i}`] = p.data; want[`param ${i}`] = dec(res.traj[t][i]); });
          expectLikeTorch(`${cn}: after step ${t + 1}`, got, want, { rel: 1e-5, abs: 1e-6 });
        });
        const sd = o.stateDict().state;
        (res.state as Record<string, string | number>[]).forEach((s, i) => {
          for (const [k, v] of Object.entries(s)) {
            const mine = sd[i]?.[k];
            if (typeof v === 'number') expect(mine, `${cn}: state ${i}.${k}`).toBe(v);
            else expectLikeTorch(`${cn}: state ${i}.${k}`, { v: mine as number[] }, { v: dec(v) }, { rel: 1e-5, abs: 1e-6 });
          }
        });
      },
    });
  }
  return out;
}

type OptKind = 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad';
function drawHyper(r: Rng, kind: OptKind): Record<string, unknown> {
  const maximize = r() < 0.3;
  switch (kind) {
    case 'SGD': {
      const momentum = pick(r, [0, 0.5, 0.9]);
      const nesterov = momentum > 0 && r() < 0.5;
      return { lr: pick(r, [0.01, 0.1]), momentum, dampening: nesterov ? 0 : pick(r, [0, 0.3]), weightDecay: pick(r, [0, 0.01]), nesterov, maximize };
    }
    case 'Adam': case 'AdamW':
      return { lr: pick(r, [1e-3, 0.01, 0.1]), betas: [pick(r, [0.8, 0.9]), pick(r, [0.99, 0.999])], eps: pick(r, [1e-8, 1e-6]),
        weightDecay: pick(r, [0, 0.01, 0.1]), amsgrad: r() < 0.6, maximize };
    case 'RMSprop':
      return { lr: pick(r, [1e-3, 0.01]), alpha: pick(r, [0.9, 0.99]), eps: pick(r, [1e-8, 1e-6]), weightDecay: pick(r, [0, 0.01]),
        momentum: pick(r, [0, 0.5, 0.9]), centered: r() < 0.5, maximize };
    case 'Adagrad':
      return { lr: pick(r, [0.01, 0.1]), lrDecay: pick(r, [0, 0.1]), weightDecay: pick(r, [0, 0.01]), initialAccumulatorValue: pick(r, [0, 0.1]),
        eps: pick(r, [1e-10, 1e-6]), maximize };
  }
}
const OPTIMS = (): Record<OptKind, new (p: never, o: never) => optim.Optimizer<never>> => ({
  SGD: optim.SGD as never, Adam: optim.Adam as never, AdamW: optim.AdamW as never, RMSprop: optim.RMSprop as never, Adagrad: optim.Adagrad as never,
});

/** Parameter groups with their own options, each flag, learning rates written per step, a state dict round trip mid-way. */
function optimGroupCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const kinds: OptKind[] = ['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad'];
  for (let k = 0; k < 25; k++) {
    const kind = kinds[k % kinds.length];
    const { shapes, params, grads } = drawGroupData(r);
    const hyper = drawHyper(r, kind);
    const over = drawHyper(r, kind);
    // group 0: params 0 and 2 with the defaults; group 1: param 1 with two overrides
    const keys = Object.keys(over).filter((x) => !(kind === 'SGD' && x === 'nesterov') && !(kind === 'SGD' && x === 'dampening'));
    const picked = Object.fromEntries([keys[int(r, 0, keys.length - 1)], 'lr'].map((x) => [x, over[x]]));
    out.push(optimGroupCase(kind, shapes, params, grads, hyper, picked, k % 2 === 0));
  }
  return out;
}

const GROUP_STEPS = 8;
/** Three parameters and their gradients for GROUP_STEPS steps (parameter 1 has none at step 3). */
function drawGroupData(r: Rng): { shapes: number[][]; params: Float32Array[]; grads: (Float32Array | null)[][] } {
  const shapes = [[int(r, 1, 4), int(r, 1, 5)], [int(r, 1, 6)], [int(r, 1, 3), 2]];
  const params = shapes.map((s) => randArr(r, size(s)));
  const grads = Array.from({ length: GROUP_STEPS }, (_, t) => shapes.map((s, i) => (i === 1 && t === 2 ? null : randArr(r, size(s), pick(r, [0.01, 1, 10])))));
  return { shapes, params, grads };
}

/**
 * Group settings that once differed from PyTorch (seeds 3, 8, 11): a group that inherits
 * nesterov but sets momentum 0 (plain SGD in PyTorch), and Adagrad groups with their own
 * initialAccumulatorValue (PyTorch starts every sum at the constructor's value).
 */
function optimGroupRegressionCases(): DiffCase[] {
  const r = lcg(11);
  const specs: [OptKind, Record<string, unknown>, Record<string, unknown>][] = [
    ['SGD', { lr: 0.1, momentum: 0.5, dampening: 0, weightDecay: 0.01, nesterov: true, maximize: false }, { momentum: 0, lr: 0.01 }],
    ['SGD', { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true, maximize: true }, { dampening: 0.3, lr: 0.1 }],
    ['Adagrad', { lr: 0.01, lrDecay: 0.1, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-6, maximize: false }, { initialAccumulatorValue: 0.1, lr: 0.1 }],
    ['Adagrad', { lr: 0.1, lrDecay: 0, weightDecay: 0.01, initialAccumulatorValue: 0.1, eps: 1e-10, maximize: false }, { initialAccumulatorValue: 0, lr: 0.1 }],
  ];
  return specs.map(([kind, hyper, picked], k) => {
    const { shapes, params, grads } = drawGroupData(r);
    return optimGroupCase(kind, shapes, params, grads, hyper, picked, k % 2 === 0);
  });
}

/**
 * RMSprop bit for bit against torch, every combination of momentum, centered, weight decay and
 * maximize (37 elements: torch's vector loop and its scalar tail; 6 steps, lr set per step):
 * 1.13's CPU kernels fuse add(alpha) and addcmul into FMAs, which neurite's step reproduces
 * (native/kernels/optim_impl.inc). Fixed data, so every seed runs them; seed 17's RMSprop group
 * case was 116 ulp out before.
 */
function rmspropExactCases(): DiffCase[] {
  const r = lcg(23);
  const out: DiffCase[] = [];
  for (const momentum of [0, 0.5]) for (const centered of [false, true]) for (const weightDecay of [0, 0.01]) for (const maximize of [false, true]) {
    const shapes = [[37]];
    const params = [randArr(r, 37)];
    const grads = Array.from({ length: 6 }, () => [randArr(r, 37)]);
    const lrs = Array.from({ length: 6 }, (_, t) => [f32(0.01 * (1 + t))]);
    const hyper = { lr: 0.001, alpha: 0.99, eps: 1e-6, weightDecay, momentum, centered, maximize };
    const cn = `RMSprop ${fmt(hyper)} bit for bit over 6 steps, lr set per step`;
    out.push({
      group: 'optimizers', name: cn,
      torch: { op: 'optim', name: 'RMSprop', shapes, params: params.map((p) => enc(p)), hyper, grads: grads.map((gs) => gs.map((g) => enc(g))), lrs },
      check(res) {
        noError(cn, res);
        const p = tensor(params[0].slice(), shapes[0], { requiresGrad: true });
        const o = new optim.RMSprop([p], hyper);
        grads.forEach((gs, t) => {
          p.grad = tensor(gs[0].slice(), shapes[0]);
          o.paramGroups[0].lr = lrs[t][0];
          o.step();
          expectLikeTorch(`${cn}: after step ${t + 1}`, { param: p.data }, { param: dec(res.traj[t][0]) }, EXACT);
        });
      },
    });
  }
  return out;
}

function optimGroupCase(kind: OptKind, shapes: number[][], params: Float32Array[], grads: (Float32Array | null)[][],
  hyper: Record<string, unknown>, picked: Record<string, unknown>, lrPerStep: boolean): DiffCase {
  const steps = GROUP_STEPS;
  const groups = [{ idx: [0, 2], hyper: {} }, { idx: [1], hyper: picked }];
  const lrs = lrPerStep ? Array.from({ length: steps }, (_, t) => [f32(0.01 * (1 + t)), f32(0.02 / (1 + t))]) : undefined;
  const cn = `${kind} groups ${fmt(hyper)} + ${fmt(picked)}${lrs ? ', lr set per step' : ''}, state dict round trip after step 4`;
  return {
    group: 'optimizers', name: cn,
    torch: { op: 'optim', name: kind, shapes, params: params.map((p) => enc(p)), hyper, groups, grads: grads.map((gs) => gs.map((g) => (g ? enc(g) : null))), ...(lrs ? { lrs } : {}) },
    check(res) {
      noError(cn, res);
      const Ctor = OPTIMS()[kind];
      const ps = params.map((p, i) => tensor(p.slice(), shapes[i], { requiresGrad: true }));
      const make = (): optim.Optimizer<never> => new Ctor(groups.map((g) => ({ params: g.idx.map((i) => ps[i]), ...g.hyper })) as never, hyper as never);
      let o = make();
      grads.forEach((gs, t) => {
        ps.forEach((p, i) => { p.grad = gs[i] ? tensor(gs[i]!.slice(), shapes[i]) : null; });
        if (lrs) o.paramGroups.forEach((g, i) => { (g as { lr: number }).lr = lrs[t][i]; });
        o.step();
        if (t === 3) { // JSON round trip into a fresh optimizer, which carries on
          const sd = JSON.parse(JSON.stringify(o.stateDict()));
          o = make();
          o.loadStateDict(sd);
        }
        const got: Record<string, ArrayLike<number>> = {}, want: Record<string, ArrayLike<number>> = {};
        ps.forEach((p, i) => { got[`param ${i}`] = p.data; want[`param ${i}`] = dec(res.traj[t][i]); });
        expectLikeTorch(`${cn}: after step ${t + 1}`, got, want, { rel: 1e-5, abs: 1e-6 });
      });
      const sd = o.stateDict();
      // PyTorch numbers parameters group by group: [0, 2] then [1]
      const order = groups.flatMap((g) => g.idx);
      (res.state as Record<string, string | number>[]).forEach((s, i) => {
        const mine = sd.state[order.indexOf(i)];
        expect(Object.keys(mine ?? {}).sort(), `${cn}: state keys of parameter ${i}`).toEqual(Object.keys(s).sort());
        for (const [key, v] of Object.entries(s)) {
          if (typeof v === 'number') expect(mine[key], `${cn}: state ${i}.${key}`).toBe(v);
          else expectLikeTorch(`${cn}: state ${i}.${key}`, { v: mine[key] as number[] }, { v: dec(v) }, { rel: 1e-5, abs: 1e-6 });
        }
      });
      const pg = (res.groups as Record<string, unknown>[]).map((g) => ({ ...g, params: (g.params as number[]).map(() => 0) }));
      const mg = sd.param_groups.map((g) => ({ ...g, params: g.params.map(() => 0) }));
      expect(mg, `${cn}: param_groups as PyTorch's`).toEqual(pg);
    },
  };
}

// ---------------------------------------------------------------- lr schedulers

interface SchedSpec { kind: string; args?: Record<string, unknown>; lambdas?: string[]; subs?: SchedSpec[]; milestones?: number[] }
const LAMBDAS: Record<string, (e: number) => number> = { decay: (e) => 0.95 ** e, warm: (e) => Math.min(1.0, (e + 1) / 10), saw: (e) => 1.0 / (1 + (e % 7)) };
function buildSched(o: optim.Optimizer<never>, s: SchedSpec): optim.lrScheduler.Scheduler {
  const L = optim.lrScheduler as unknown as Record<string, new (...a: unknown[]) => optim.lrScheduler.Scheduler>;
  if (s.kind === 'LambdaLR') return new optim.lrScheduler.LambdaLR(o, s.lambdas!.length > 1 ? s.lambdas!.map((n) => LAMBDAS[n]) : LAMBDAS[s.lambdas![0]]);
  if (s.kind === 'SequentialLR') return new optim.lrScheduler.SequentialLR(o, s.subs!.map((x) => buildSched(o, x) as optim.lrScheduler.LRScheduler), { milestones: s.milestones! });
  if (s.kind === 'ChainedScheduler') return new optim.lrScheduler.ChainedScheduler(s.subs!.map((x) => buildSched(o, x) as optim.lrScheduler.LRScheduler));
  return new L[s.kind](o, s.args);
}

function schedulerCases(r: Rng): DiffCase[] {
  const specs: [SchedSpec, string, Record<string, unknown>?][] = [
    [{ kind: 'StepLR', args: { stepSize: 7, gamma: 0.5 } }, 'SGD'],
    [{ kind: 'MultiStepLR', args: { milestones: [10, 30, 30, 80], gamma: 0.3 } }, 'SGD'],
    [{ kind: 'ExponentialLR', args: { gamma: 0.97 } }, 'Adam'],
    [{ kind: 'CosineAnnealingLR', args: { tMax: 25, etaMin: 0.001 } }, 'SGD'],
    [{ kind: 'CosineAnnealingLR', args: { tMax: 100 } }, 'AdamW'],
    [{ kind: 'CosineAnnealingWarmRestarts', args: { t0: 10, tMult: 2, etaMin: 1e-4 } }, 'SGD'],
    [{ kind: 'CosineAnnealingWarmRestarts', args: { t0: 7 } }, 'RMSprop'],
    [{ kind: 'LinearLR', args: { startFactor: 0.1, endFactor: 1, totalIters: 20 } }, 'SGD'],
    [{ kind: 'LinearLR', args: {} }, 'Adagrad'],
    [{ kind: 'LinearLR', args: { startFactor: 1, endFactor: 0.05, totalIters: 90 } }, 'SGD'],
    [{ kind: 'ConstantLR', args: { factor: 0.5, totalIters: 10 } }, 'SGD'],
    [{ kind: 'OneCycleLR', args: { maxLr: [0.5, 0.2], totalSteps: 121 } }, 'SGD', { momentum: 0.9 }],
    [{ kind: 'OneCycleLR', args: { maxLr: 0.01, epochs: 13, stepsPerEpoch: 10, annealStrategy: 'linear', threePhase: true, pctStart: 0.25 } }, 'Adam'],
    [{ kind: 'OneCycleLR', args: { maxLr: 0.1, totalSteps: 150, cycleMomentum: false, divFactor: 10, finalDivFactor: 100 } }, 'Adagrad'],
    [{ kind: 'CyclicLR', args: { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 10 } }, 'SGD', { momentum: 0.9 }],
    [{ kind: 'CyclicLR', args: { baseLr: [0.01, 0.02], maxLr: 0.1, stepSizeUp: 8, stepSizeDown: 5, mode: 'triangular2' } }, 'SGD', { momentum: 0.5 }],
    [{ kind: 'CyclicLR', args: { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 12, mode: 'exp_range', gamma: 0.99, cycleMomentum: false } }, 'Adam'],
    [{ kind: 'LambdaLR', lambdas: ['decay'] }, 'SGD'],
    [{ kind: 'LambdaLR', lambdas: ['warm', 'saw'] }, 'AdamW'],
    [{ kind: 'SequentialLR', subs: [{ kind: 'LinearLR', args: { startFactor: 0.1, totalIters: 10 } }, { kind: 'CosineAnnealingLR', args: { tMax: 110, etaMin: 1e-4 } }], milestones: [10] }, 'AdamW'],
    [{ kind: 'SequentialLR', subs: [{ kind: 'ConstantLR', args: { factor: 0.1, totalIters: 5 } }, { kind: 'ExponentialLR', args: { gamma: 0.98 } }, { kind: 'StepLR', args: { stepSize: 9, gamma: 0.7 } }], milestones: [5, 60] }, 'SGD'],
    [{ kind: 'ChainedScheduler', subs: [{ kind: 'ConstantLR', args: { factor: 0.1, totalIters: 2 } }, { kind: 'ExponentialLR', args: { gamma: 0.9 } }] }, 'SGD'],
    [{ kind: 'ChainedScheduler', subs: [{ kind: 'LinearLR', args: { startFactor: 0.2, totalIters: 15 } }, { kind: 'MultiStepLR', args: { milestones: [40, 70] } }] }, 'Adam'],
    [{ kind: 'ReduceLROnPlateau', args: { patience: 3, factor: 0.5, cooldown: 2, minLr: [0.001, 0.01] } }, 'SGD'],
    [{ kind: 'ReduceLROnPlateau', args: { mode: 'max', thresholdMode: 'abs', threshold: 0.01, patience: 2 } }, 'Adam'],
  ];
  return specs.map(([spec, optName, optArgs = {}], k) => {
    const steps = 120;
    const resumeAt = int(r, 20, 100);
    const lrs = [pick(r, [0.1, 0.05]), pick(r, [0.02, 0.3])];
    const metrics = spec.kind === 'ReduceLROnPlateau' ? Array.from({ length: steps }, (_, t) => 1 / (1 + t / 10) + (((t * 7919) % 13) / 50)) : undefined;
    const cn = `${spec.kind} ${fmt(spec.args ?? spec.subs ?? spec.lambdas)} with ${optName}, ${steps} steps, resumed from state dicts after ${resumeAt} (#${k})`;
    return {
      group: 'lr schedulers', name: cn,
      torch: { op: 'sched', optim: optName, optArgs, lrs, sched: spec, steps, resumeAt, ...(metrics ? { metrics } : {}) },
      check(res) {
        noError(cn, res);
        const Opt = OPTIMS()[optName as OptKind];
        const make = (): [optim.Optimizer<never>, optim.lrScheduler.Scheduler] => {
          const ps = [zeros([3], { requiresGrad: true }), zeros([2], { requiresGrad: true })];
          const o = new Opt([{ params: [ps[0]], lr: lrs[0] }, { params: [ps[1]], lr: lrs[1] }] as never, optArgs as never);
          return [o, buildSched(o, spec)];
        };
        let [o, s] = make();
        const got: number[][] = [], moms: number[][] = [];
        const rec = (): void => {
          got.push(o.paramGroups.map((g) => g.lr));
          moms.push(o.paramGroups.map((g) => { const x = g as Record<string, unknown>; return x.betas ? (x.betas as number[])[0] : (x.momentum as number ?? 0); }));
        };
        rec();
        for (let t = 0; t < steps; t++) {
          o.step();
          if (metrics) (s as optim.lrScheduler.ReduceLROnPlateau).step(metrics[t]); else (s as optim.lrScheduler.LRScheduler).step();
          rec();
          expect(s.getLastLr(), `${cn}: getLastLr after step ${t + 1}`).toEqual(got[got.length - 1]);
          if (t + 1 === resumeAt) {
            const osd = JSON.parse(JSON.stringify(o.stateDict()));
            const ssd = JSON.parse(JSON.stringify(s.stateDict()));
            [o, s] = make();
            o.loadStateDict(osd);
            s.loadStateDict(ssd);
          }
        }
        // PyTorch computes in double: the same operations give the same doubles (cos and pow may differ by an ulp of a double)
        const close = (a: number[][], b: number[][], what: string): void => {
          const bad: string[] = [];
          a.forEach((row, t) => row.forEach((v, i) => { if (!(Math.abs(v - b[t][i]) <= 1e-12 * Math.abs(b[t][i]))) bad.push(`step ${t} group ${i}: ${v} vs ${b[t][i]}`); }));
          expect(bad.slice(0, 5), `${cn}: ${what}`).toEqual([]);
        };
        close(got, res.lrs, 'learning rates');
        close(moms, res.moms, 'momentum / beta1');
      },
    };
  });
}

// ---------------------------------------------------------------- gradient clipping

function clipCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const norms: (number | 'inf')[] = [2, 1, 'inf', 3, 0.5, 0];
  for (let k = 0; k < 16; k++) {
    const kind = k < 13 ? 'norm' : 'value';
    const shapes = [[int(r, 1, 5), int(r, 1, 7)], [int(r, 1, 40)], [int(r, 1, 3)]];
    const params = shapes.map((s) => randArr(r, size(s)));
    const nonfinite = k === 11 || k === 12;
    const grads = shapes.map((s, i) => (i === 2 && k % 3 === 0 ? null : randArr(r, size(s), pick(r, [0.01, 1, 30]), nonfinite ? 0.05 : 0)));
    if (nonfinite) grads[0]![0] = k === 11 ? Infinity : NaN;
    const normType = norms[k % norms.length];
    const max = pick(r, [0.1, 1, 5, 1e3]);
    const cn = `clip_grad_${kind}_(${kind === 'norm' ? `maxNorm ${max}, normType ${normType}` : `clipValue ${max}`})${nonfinite ? ' with a non-finite gradient' : ''} (#${k})`;
    out.push({
      group: 'gradient clipping', name: cn,
      torch: { op: 'clip', kind, shapes, params: params.map((p) => enc(p)), grads: grads.map((g) => (g ? enc(g) : null)), normType, max },
      check(res) {
        noError(cn, res);
        const ps = params.map((p, i) => tensor(p.slice(), shapes[i], { requiresGrad: true }));
        ps.forEach((p, i) => { p.grad = grads[i] ? tensor(grads[i]!.slice(), shapes[i]) : null; });
        if (kind === 'norm') {
          const total = nn.utils.clipGradNorm_(ps, max, normType);
          expect(total.shape).toEqual([]);
          expectLikeTorch(`${cn}: total norm`, { total: total.data }, { total: dec(res.total) }, { rel: 2e-6, abs: 0 });
        } else nn.utils.clipGradValue_(ps, max);
        const got: Record<string, ArrayLike<number>> = {}, want: Record<string, ArrayLike<number>> = {};
        ps.forEach((p, i) => { got[`grad ${i}`] = gradOf(p); want[`grad ${i}`] = dec(res.grads[i]); });
        expectLikeTorch(`${cn}: gradients`, got, want, { rel: 4e-6, abs: 0 });
        if (kind === 'norm') { // errorIfNonfinite throws exactly when PyTorch's total is non-finite, before changing anything
          ps.forEach((p, i) => { p.grad = grads[i] ? tensor(grads[i]!.slice(), shapes[i]) : null; });
          const call = (): Tensor => nn.utils.clipGradNorm_(ps, max, normType, true);
          if (Number.isFinite(dec(res.total)[0])) expect(call, `${cn}: errorIfNonfinite`).not.toThrow();
          else {
            expect(call, `${cn}: errorIfNonfinite`).toThrow(/non-finite/);
            ps.forEach((p, i) => { if (grads[i]) expect(p.grad!.data, `${cn}: unchanged after the error`).toEqual(grads[i]); });
          }
        }
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------- embedding

function embeddingCases(r: Rng): DiffCase[] {
  const optsList: Record<string, unknown>[] = [{}, { paddingIdx: 0 }, { paddingIdx: -1 }, { maxNorm: 1 }, { maxNorm: 0.5, normType: 1 },
    { scaleGradByFreq: true }, { paddingIdx: 2, scaleGradByFreq: true, maxNorm: 2 }, { maxNorm: 1.5, normType: 3 }];
  return optsList.map((opts, k) => {
    const N = int(r, 3, 9), D = int(r, 1, 6);
    const idxShape = k % 2 === 0 ? [int(r, 1, 5), int(r, 1, 6)] : [int(r, 1, 20)];
    // few rows, many lookups: repeated indices are the rule, and the padding row appears
    const idx = Array.from({ length: size(idxShape) }, () => int(r, 0, Math.min(N - 1, 3)));
    const w = randArr(r, N * D, 1.5);
    const gy = randArr(r, size(idxShape) * D);
    const cn = `embedding ${fmt(opts)} [${N}, ${D}] at ${fmt(idxShape)} (repeated indices) (#${k})`;
    return {
      group: 'embedding', name: cn,
      torch: { op: 'embedding', w: enc(w), wShape: [N, D], idx, idxShape, opts, gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const e = new nn.Embedding(N, D, opts as never);
        e.weight.data.set(w);
        const y = e.forward(tensor(Float32Array.from(idx), idxShape));
        expect(y.shape).toEqual(res.shape);
        y.backward(tensor(gy, y.shape));
        expectLikeTorch(cn, { y: y.data, w: e.weight.data, gw: gradOf(e.weight) }, { y: dec(res.y), w: dec(res.w), gw: dec(res.gw) }, { rel: 1e-6, abs: 1e-6 });
      },
    };
  });
}

// ---------------------------------------------------------------- loss options

function lossOptionCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const reds = ['mean', 'sum', 'none'] as const;
  const wt = (d: Float32Array, shape: number[]): { data: string; shape: number[]; t: Tensor } => ({ data: enc(d), shape, t: tensor(d.slice(), shape) });
  const sig = (a: Float32Array): Float32Array => a.map((v) => 1 / (1 + Math.exp(-v)));
  for (let k = 0; k < 48; k++) {
    const name = (['crossEntropy', 'crossEntropy', 'crossEntropy', 'nllLoss', 'l1Loss', 'smoothL1Loss', 'huberLoss', 'binaryCrossEntropy',
      'binaryCrossEntropyWithLogits', 'binaryCrossEntropyWithLogits', 'klDiv', 'mseLoss'] as const)[k % 12];
    const reduction = k % 7 === 6 && name === 'klDiv' ? 'batchmean' : reds[Math.floor(k / 12) % 3 === 0 ? (k % 3) : Math.floor(k / 12) % 3];
    const N = int(r, 1, 6), C = int(r, 2, 6);
    const oneRow = name === 'crossEntropy' && k % 9 === 0;
    const xShape = oneRow ? [C] : [N, C];
    let x = randArr(r, size(xShape), 2);
    const opts: Record<string, unknown> = { reduction }, tOpts: Record<string, unknown> = { reduction };
    let targetKind: 'index' | 'float' = 'float';
    let target: number[] | null = null;
    let t: Float32Array | null = null;
    let tGrad = false;
    if (name === 'crossEntropy' || name === 'nllLoss') {
      const probs = name === 'crossEntropy' && k % 4 === 2;
      if (r() < 0.6) { const w = wt(Float32Array.from({ length: C }, () => f32(0.2 + r() * 2)), [C]); opts.weight = w.t; tOpts.weight = { data: w.data, shape: w.shape }; }
      if (probs) {
        const p = randArr(r, size(xShape)).map((v) => Math.exp(v));
        for (let i = 0; i < size(xShape) / C; i++) { let s2 = 0; for (let c = 0; c < C; c++) s2 += p[i * C + c]; for (let c = 0; c < C; c++) p[i * C + c] = f32(p[i * C + c] / s2); }
        t = p;
        tGrad = r() < 0.5;
      } else {
        targetKind = 'index';
        const ignore = r() < 0.5 ? pick(r, [-100, 1, C - 1]) : undefined;
        if (ignore !== undefined) { opts.ignoreIndex = ignore; tOpts.ignoreIndex = ignore; }
        target = Array.from({ length: oneRow ? 1 : N }, () => (ignore !== undefined && r() < 0.3 ? ignore : int(r, 0, C - 1)));
        if (ignore !== undefined && ignore >= 0 && target.every((v) => v === ignore) && reduction === 'mean') target[0] = (ignore + 1) % C;
      }
      if (name === 'crossEntropy' && r() < 0.7) { const e = pick(r, [0.1, 0.25, 0.5]); opts.labelSmoothing = e; tOpts.labelSmoothing = e; }
    } else if (name === 'binaryCrossEntropy') {
      x = sig(x);
      t = Float32Array.from({ length: x.length }, () => (r() < 0.5 ? pick(r, [0, 1]) : f32(r())));
      if (r() < 0.5) { const w = wt(Float32Array.from({ length: C }, () => f32(0.5 + r())), [C]); opts.weight = w.t; tOpts.weight = { data: w.data, shape: w.shape }; }
      tGrad = r() < 0.4;
    } else if (name === 'binaryCrossEntropyWithLogits') {
      t = Float32Array.from({ length: x.length }, () => (r() < 0.5 ? pick(r, [0, 1]) : f32(r())));
      if (r() < 0.5) { const w = wt(Float32Array.from({ length: C }, () => f32(0.5 + r())), [C]); opts.weight = w.t; tOpts.weight = { data: w.data, shape: w.shape }; }
      if (r() < 0.7) { const pw = wt(Float32Array.from({ length: C }, () => f32(0.3 + 3 * r())), [C]); opts.posWeight = pw.t; tOpts.posWeight = { data: pw.data, shape: pw.shape }; }
      tGrad = r() < 0.4;
    } else if (name === 'klDiv') {
      const logT = r() < 0.5;
      opts.logTarget = logT; tOpts.logTarget = logT;
      const lp = (a: Float32Array): Float32Array => { const o2 = a.slice(); for (let i = 0; i < N; i++) { let m = -Infinity; for (let c = 0; c < C; c++) m = Math.max(m, o2[i * C + c]); let s2 = 0; for (let c = 0; c < C; c++) s2 += Math.exp(o2[i * C + c] - m); for (let c = 0; c < C; c++) o2[i * C + c] = f32(o2[i * C + c] - m - Math.log(s2)); } return o2; };
      x = lp(x);
      t = logT ? lp(randArr(r, x.length)) : lp(randArr(r, x.length)).map((v, i) => (i % 5 === 0 ? 0 : f32(Math.exp(v))));
    } else {
      t = randArr(r, x.length, 2);
      if (k % 5 === 0) t[0] = x[0]; // d = 0: the kink
      if (name === 'smoothL1Loss') { const b = pick(r, [1, 0.5, 2, 0]); opts.beta = b; tOpts.beta = b; }
      if (name === 'huberLoss') { const d = pick(r, [1, 0.5, 2]); opts.delta = d; tOpts.delta = d; }
      tGrad = r() < 0.4;
    }
    const yShape = reduction === 'none' ? (name === 'crossEntropy' || name === 'nllLoss' ? (oneRow ? [] : [N]) : xShape) : [];
    const gy = randArr(r, Math.max(1, size(yShape)));
    const cn = `${name} ${fmt(Object.fromEntries(Object.entries(opts).map(([kk, v]) => [kk, v instanceof Tensor ? 'Tensor' : v])))} on ${fmt(xShape)}${targetKind === 'float' && (name === 'crossEntropy') ? ' (probability targets)' : ''} (#${k})`;
    out.push({
      group: 'loss options', name: cn,
      torch: { op: 'loss2', name, x: enc(x), xShape, opts: tOpts, targetKind, ...(target ? { target, tShape: oneRow ? [] : [target.length] } : { t: enc(t!) }), tGrad, gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, xShape);
        const tt = t ? tensor(t.slice(), xShape, { requiresGrad: tGrad }) : target!;
        const fn = (F as unknown as Record<string, (a: Tensor, b: unknown, o: unknown) => Tensor>)[name];
        const y = fn(xt, tt, opts);
        expect(y.shape, `${cn}: shape`).toEqual(res.shape);
        y.backward(tensor(gy.slice(0, y.size), y.shape));
        const got: Record<string, ArrayLike<number>> = { y: y.data, gx: gradOf(xt) }, want: Record<string, ArrayLike<number>> = { y: dec(res.y), gx: dec(res.gx) };
        if (res.gt) { got.gt = gradOf(tt as Tensor); want.gt = dec(res.gt); }
        expectLikeTorch(cn, got, want, { rel: 2e-5, abs: 2e-6 });
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------- loss kinks

/**
 * Elementwise losses at their kinks, deterministic (the random cases reach d = 0 only by chance):
 * input == target (d = 0, where smoothL1 beta = 0 gives PyTorch's -1 to BOTH input and target),
 * d = ±beta / ±delta exactly, with both gradients, and zeros compared with their sign.
 */
function lossKinkCases(): DiffCase[] {
  const out: DiffCase[] = [];
  const x = Float32Array.from([1, -2, 0.5, 3, 0, 0.25, -0.5, 1.5]);
  const t = Float32Array.from([1, -2, 0, 3, 0, -0.25, 0, 0.5]); // d = 0, 0, 0.5, 0, 0, 0.5, -0.5, 1
  const specs: [string, Record<string, unknown>][] = [
    ['smoothL1Loss', { beta: 0 }], ['smoothL1Loss', { beta: 0.5 }], ['smoothL1Loss', { beta: 1 }],
    ['huberLoss', { delta: 0.5 }], ['l1Loss', {}]];
  for (const [name, extra] of specs) {
    for (const reduction of ['none', 'mean'] as const) {
      const opts = { reduction, ...extra };
      const shape = [2, 4];
      const gy = reduction === 'none' ? Float32Array.from([1, -1, 2, 0.5, -3, 1, 1, -2]) : Float32Array.from([0.75]);
      const cn = `${name} ${fmt(opts)} at the kink (input == target)`;
      out.push({
        group: 'loss options', name: cn,
        torch: { op: 'loss2', name, x: enc(x), xShape: shape, opts, targetKind: 'float', t: enc(t), tGrad: true, gy: enc(gy) },
        check(res) {
          noError(cn, res);
          const xt = leaf(x, shape), tt = tensor(t.slice(), shape, { requiresGrad: true });
          const fn = (F as unknown as Record<string, (a: Tensor, b: Tensor, o: unknown) => Tensor>)[name];
          const y = fn(xt, tt, opts);
          y.backward(tensor(gy.slice(), y.shape));
          expectLikeTorch(cn, { y: y.data, gx: gradOf(xt), gt: gradOf(tt) }, { y: dec(res.y), gx: dec(res.gx), gt: dec(res.gt) },
            { rel: 1e-6, abs: 0, signedZero: true });
        },
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- fused cross-entropy options

/** Cross-entropy's option paths (one fused kernel) on wider shapes: every combination, both target kinds. */
function ceFusedCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  for (let k = 0; k < 24; k++) {
    const reduction = (['mean', 'sum', 'none'] as const)[k % 3];
    const probs = k % 4 === 3, weighted = (k >> 1) % 2 === 1, eps = [0, 0.1, 0.3][Math.floor(k / 4) % 3];
    const N = int(r, 1, 64), C = int(r, 2, 50);
    const x = randArr(r, N * C, 4);
    const opts: Record<string, unknown> = { reduction }, tOpts: Record<string, unknown> = { reduction };
    if (weighted) {
      const w = Float32Array.from({ length: C }, () => f32(0.1 + r() * 3));
      opts.weight = tensor(w.slice(), [C]); tOpts.weight = { data: enc(w), shape: [C] };
    }
    if (eps > 0) { opts.labelSmoothing = eps; tOpts.labelSmoothing = eps; }
    let target: number[] | null = null, t: Float32Array | null = null;
    if (probs) {
      t = randArr(r, N * C).map((v) => f32(Math.exp(2 * v)));
      for (let i = 0; i < N; i++) { let s2 = 0; for (let c = 0; c < C; c++) s2 += t[i * C + c]; for (let c = 0; c < C; c++) t[i * C + c] = f32(t[i * C + c] / s2); }
    } else {
      const ignore = k % 5 === 0 ? undefined : pick(r, [-100, 0, C - 1]);
      if (ignore !== undefined) { opts.ignoreIndex = ignore; tOpts.ignoreIndex = ignore; }
      target = Array.from({ length: N }, () => (ignore !== undefined && r() < 0.25 ? ignore : int(r, 0, C - 1)));
      if (ignore !== undefined && target.every((v) => v === ignore)) target[0] = (((ignore + 1) % C) + C) % C;
    }
    const yShape = reduction === 'none' ? [N] : [];
    const gy = randArr(r, Math.max(1, size(yShape)));
    const cn = `crossEntropy fused ${fmt(Object.fromEntries(Object.entries(opts).map(([kk, v]) => [kk, v instanceof Tensor ? 'Tensor' : v])))} on ${fmt([N, C])}${probs ? ' (probability targets)' : ''} (#${k})`;
    out.push({
      group: 'loss options', name: cn,
      torch: { op: 'loss2', name: 'crossEntropy', x: enc(x), xShape: [N, C], opts: tOpts, targetKind: probs ? 'float' : 'index',
        ...(target ? { target, tShape: [N] } : { t: enc(t!) }), tGrad: false, gy: enc(gy) },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, [N, C]);
        const y = F.crossEntropy(xt, t ? tensor(t.slice(), [N, C]) : target!, opts);
        expect(y.shape, `${cn}: shape`).toEqual(res.shape);
        y.backward(tensor(gy.slice(0, y.size), y.shape));
        expectLikeTorch(cn, { y: y.data, gx: gradOf(xt) }, { y: dec(res.y), gx: dec(res.gx) }, { rel: 2e-5, abs: 2e-6 });
      },
    });
  }
  return out;
}

// ---------------------------------------------------------------- init, dropout

function stats(d: Float32Array): { mean: number; std: number; maxAbs: number } {
  let s = 0, mx = 0;
  for (const v of d) { s += v; mx = Math.max(mx, Math.abs(v)); }
  const m = s / d.length;
  let q = 0;
  for (const v of d) q += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(q / (d.length - 1)), maxAbs: mx };
}

function initCases(): DiffCase[] {
  const out: DiffCase[] = [];
  const shapes = [[400, 300], [40, 1500], [1500, 40], [32, 16, 5, 5]];
  const kaiming: Record<string, unknown>[] = [
    {}, { mode: 'fan_out' }, { nonlinearity: 'relu' }, { nonlinearity: 'relu', mode: 'fan_out' }, { a: 0.2 },
    { a: Math.sqrt(5) }, { nonlinearity: 'tanh' }, { nonlinearity: 'sigmoid', mode: 'fan_out' }, { nonlinearity: 'linear' },
    { nonlinearity: 'selu' }, { nonlinearity: 'leaky_relu', a: -0.5, mode: 'fan_out' },
  ];
  let k = 0;
  for (const name of ['kaimingUniform', 'kaimingNormal', 'xavierUniform', 'xavierNormal'] as const) {
    const optsList = name.startsWith('kaiming') ? kaiming : [{ gain: 1 }, { gain: 5 / 3 }, { gain: Math.SQRT2 }, { gain: 0.3 }];
    for (const opts of optsList) {
      const shape = shapes[k++ % shapes.length];
      const cn = `${name}_ ${fmt(opts)} on ${fmt(shape)}`;
      out.push({
        group: 'nn.init', name: cn,
        torch: { op: 'init', name, shape, opts },
        check(res) {
          noError(cn, res);
          const t = zeros(shape);
          const ini = nn.init;
          if (name === 'kaimingUniform') ini.kaimingUniform_(t, opts as never);
          else if (name === 'kaimingNormal') ini.kaimingNormal_(t, opts as never);
          else if (name === 'xavierUniform') ini.xavierUniform_(t, (opts as { gain: number }).gain);
          else ini.xavierNormal_(t, (opts as { gain: number }).gain);
          const s = stats(t.data);
          const n = t.size;
          // PyTorch's own formula gives the target; its samples show the same spread
          expect(Math.abs(s.std / res.std - 1), `${cn}: std ${s.std} vs ${res.std} (torch's formula)`).toBeLessThan(0.03);
          expect(Math.abs(s.std / res.sampleStd - 1), `${cn}: std ${s.std} vs ${res.sampleStd} (torch's samples)`).toBeLessThan(0.04);
          expect(Math.abs(res.sampleStd / res.std - 1), `${cn}: torch's samples vs torch's formula`).toBeLessThan(0.03);
          expect(Math.abs(s.mean), `${cn}: mean`).toBeLessThan(6 * res.std / Math.sqrt(n));
          if (res.bound !== undefined) {
            expect(s.maxAbs, `${cn}: max |w| within torch's bound ${res.bound}`).toBeLessThanOrEqual(f32(res.bound) * (1 + 1e-6));
            expect(s.maxAbs, `${cn}: max |w| reaches the bound`).toBeGreaterThan(res.bound * 0.99);
          }
        },
      });
    }
  }
  // truncated normal: PyTorch's samples and ours have the same spread and the same bounds
  for (const o of [{ mean: 0, std: 1, a: -2, b: 2 }, { mean: 0.02, std: 0.02, a: -0.04, b: 0.04 }, { mean: 0, std: 0.02, a: -2, b: 2 }, { mean: 1, std: 2, a: 0, b: 1.5 }]) {
    const shape = [300, 200];
    const cn = `truncNormal_ ${fmt(o)} on ${fmt(shape)}`;
    out.push({
      group: 'nn.init', name: cn,
      torch: { op: 'init', name: 'truncNormal', shape, opts: o },
      check(res) {
        noError(cn, res);
        // our own draw from a fixed seed, so the statistics do not depend on which cases ran before
        manualSeed(7919);
        const t = nn.init.truncNormal_(zeros(shape), o.mean, o.std, o.a, o.b);
        const s = stats(t.data);
        let mn = Infinity, mx = -Infinity;
        for (const v of t.data) { mn = Math.min(mn, v); mx = Math.max(mx, v); }
        expect(Math.abs(s.std / res.sampleStd - 1), `${cn}: std ${s.std} vs torch's ${res.sampleStd}`).toBeLessThan(0.02);
        expect(Math.abs(s.mean - res.sampleMean), `${cn}: mean ${s.mean} vs torch's ${res.sampleMean}`).toBeLessThan(6 * res.sampleStd / Math.sqrt(t.size) + 1e-7);
        expect(mn, `${cn}: min`).toBeGreaterThanOrEqual(o.a);
        expect(mx, `${cn}: max`).toBeLessThanOrEqual(o.b);
        expect(Math.abs(mn - res.sampleMin), `${cn}: min near torch's`).toBeLessThan(0.05 * (o.b - o.a));
        expect(Math.abs(mx - res.sampleMax), `${cn}: max near torch's`).toBeLessThan(0.05 * (o.b - o.a));
      },
    });
  }
  // orthogonal: WWᵀ (or WᵀW) = gain²·I as PyTorch's
  for (const [shape, gain] of [[[20, 50], 1], [[50, 20], 2], [[8, 3, 2, 2], Math.SQRT2], [[16, 16], 0.5]] as [number[], number][]) {
    const cn = `orthogonal_(gain ${gain}) on ${fmt(shape)}`;
    out.push({
      group: 'nn.init', name: cn,
      torch: { op: 'init', name: 'orthogonal', shape, opts: { gain } },
      check(res) {
        noError(cn, res);
        const t = nn.init.orthogonal_(zeros(shape), gain);
        const m = t.reshape([shape[0], -1]);
        const gram = m.shape[0] <= m.shape[1] ? matmul(m, m.T) : matmul(m.T, m);
        expectLikeTorch(cn, { gram: gram.data }, { gram: dec(res.gram) }, { rel: 0, abs: 2e-5 * gain * gain });
      },
    });
  }
  const gains: [string, number | undefined][] = [['linear', undefined], ['conv1d', undefined], ['conv2d', undefined],
    ['conv3d', undefined], ['conv_transpose1d', undefined], ['conv_transpose2d', undefined], ['conv_transpose3d', undefined],
    ['sigmoid', undefined], ['tanh', undefined], ['relu', undefined], ['leaky_relu', undefined], ['leaky_relu', 0.2],
    ['leaky_relu', 0], ['leaky_relu', -0.5], ['leaky_relu', 3], ['selu', undefined], ['relu', 0.7]];
  for (const [nl, p] of gains) {
    const cn = `calculateGain('${nl}'${p === undefined ? '' : `, ${p}`})`;
    out.push({
      group: 'nn.init', name: cn,
      torch: { op: 'gain', nonlinearity: nl, ...(p === undefined ? {} : { param: p }) },
      check(res) {
        noError(cn, res);
        expect(nn.init.calculateGain(nl as never, p)).toBeCloseTo(res.gain, 14);
      },
    });
  }
  return out;
}

function dropoutCases(r: Rng): DiffCase[] {
  return [0.1, 0.2, 0.5, 0.77, 0.9, 1 / 3, 0, 1].map((p, k) => {
    const n = 20000;
    const cn = `dropout(p ${p}) of ${n}`;
    const x = Float32Array.from({ length: n }, () => f32(0.5 + r() * 3));
    return {
      group: 'dropout', name: cn,
      torch: { op: 'dropout', p, n, seed: 7 + k },
      check(res) {
        noError(cn, res);
        const xt = leaf(x, [n]);
        const y = F.dropout(xt, p, true);
        y.backward(tensor(new Float32Array(n).fill(1)));
        const scale = res.scale === null ? 0 : dec(res.scale)[0];
        let kept = 0;
        const bad: string[] = [];
        for (let i = 0; i < n; i++) {
          const keep = y.data[i] !== 0;
          if (keep) kept++;
          // survivors carry PyTorch's float32 scale; the gradient is the same mask
          const want = keep ? f32(x[i] * scale) : 0;
          if (y.data[i] !== want || xt.grad!.data[i] !== (keep ? scale : 0)) bad.push(`[${i}] y ${y.data[i]} grad ${xt.grad!.data[i]} want ${want}/${scale}`);
          if (bad.length > 5) break;
        }
        expect(bad, `${cn}: values and gradient`).toEqual([]);
        const sd = Math.sqrt(n * p * (1 - p));
        expect(Math.abs(kept - n * (1 - p)), `${cn}: kept ${kept}`).toBeLessThanOrEqual(6 * sd);
        expect(Math.abs(res.kept - n * (1 - p)), `${cn}: torch kept ${res.kept}`).toBeLessThanOrEqual(6 * sd);
        expect(F.dropout(xt, p, false).data, `${cn}: eval is the identity`).toEqual(x);
      },
    };
  });
}

// ---------------------------------------------------------------- indexing, joining, sorting, statistics

/** An input of a `call` case: float data, or long indices / bool masks on PyTorch's side. */
interface CallIn { data: Float32Array; shape: number[]; kind?: 'float' | 'long' | 'bool'; grad?: boolean }
type CallOut = Tensor | { values: Tensor; indices: Tensor };

/**
 * One op run by name in PyTorch (the driver's CALLS) and by `run` in neurite on the same
 * inputs: result shape, values, indices (for tuple results) and the gradients of the inputs
 * marked `grad`, given the same d(result).
 */
function callCase(r: Rng, group: string, cn: string, name: string, inputs: CallIn[], args: Record<string, unknown>,
  run: (ts: Tensor[]) => CallOut, tol: { y?: Tol; grad?: Tol } = {}): DiffCase {
  const make = (grad: boolean): Tensor[] => inputs.map((i) => (grad && i.grad ? leaf(i.data, i.shape) : tensor(i.data.slice(), i.shape)));
  let n = 0;
  try { n = noGrad(() => { const o = run(make(false)); return (o instanceof Tensor ? o : o.values).size; }); } catch { /* the check reports it */ }
  const gy = randArr(r, n);
  return {
    group, name: cn,
    torch: { op: 'call', name, args, gy: enc(gy), inputs: inputs.map((i) => ({ data: enc(i.data), shape: i.shape, kind: i.kind ?? 'float', grad: !!i.grad })) },
    check(res) {
      noError(cn, res);
      const ts = make(true);
      const out = run(ts);
      const y = out instanceof Tensor ? out : out.values;
      expect(y.shape, `${cn}: shape`).toEqual(res.shape);
      const got: Record<string, ArrayLike<number>> = { y: y.data };
      const want: Record<string, ArrayLike<number>> = { y: dec(res.y) };
      if (!(out instanceof Tensor)) { got.indices = out.indices.data; want.indices = dec(res.indices); }
      const withGrad = ts.filter((t, i) => inputs[i].grad);
      expect(y.requiresGrad, `${cn}: requires grad`).toBe(res.grads !== undefined);
      if (res.grads) {
        y.backward(tensor(gy.slice(), y.shape));
        withGrad.forEach((t, k) => { got[`grad ${k}`] = gradOf(t); want[`grad ${k}`] = dec(res.grads[k]); });
      }
      expectLikeTorch(cn, got, want, { y: tol.y ?? { ...EXACT, signedZero: true }, indices: EXACT, default: tol.grad ?? COMPOSITE });
    },
  };
}

/** A number as a call argument, exact through JSON (NaN, ±Inf, -0). */
const num = (v: number): { f32: string } => ({ f32: enc([v]) });
const randShape = (r: Rng, lo: number, hi: number, dmax = 5): number[] => Array.from({ length: int(r, lo, hi) }, () => int(r, 1, dmax));
/** Values with many ties (halves in [-2, 2]), some NaN / ±0 / ±Inf when `specials`. */
function tiedArr(r: Rng, n: number, specials = 0): Float32Array {
  return Float32Array.from({ length: n }, () => (r() < specials ? pick(r, [NaN, 0, -0, Infinity, -Infinity]) : Math.round(gauss(r) * 2) / 2));
}
const F_IN = (data: Float32Array, shape: number[], grad = true): CallIn => ({ data, shape, grad });
const L_IN = (idx: number[], shape: number[]): CallIn => ({ data: Float32Array.from(idx), shape, kind: 'long' });
const B_IN = (mask: Float32Array, shape: number[]): CallIn => ({ data: mask, shape, kind: 'bool' });
const mask01 = (r: Rng, n: number, p = 0.5): Float32Array => Float32Array.from({ length: n }, () => (r() < p ? 1 : 0));
/** A permutation of 0..n-1 (Fisher-Yates with the case generator). */
function perm(r: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [p[i], p[j]] = [p[j], p[i]]; }
  return p;
}

function comparisonCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const fns = { eq, ne, lt, le, gt, ge } as const;
  for (let k = 0; k < 18; k++) {
    const name = (['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const)[k % 6];
    const [as, bs] = broadcastPair(r);
    const a = tiedArr(r, size(as), 0.1);
    if (k % 3 === 2) {
      const v = pick(r, [0, 0.5, -1, NaN, Infinity]);
      out.push(callCase(r, 'comparisons', `${name} ${fmt(as)} with the number ${v} #${k}`, name, [F_IN(a, as, false)], { other: num(v) },
        ([x]) => fns[name](x, v)));
    } else {
      out.push(callCase(r, 'comparisons', `${name} ${fmt(as)} with ${fmt(bs)} #${k}`, name, [F_IN(a, as, false), F_IN(tiedArr(r, size(bs), 0.1), bs, false)], {},
        ([x, y]) => fns[name](x, y)));
    }
  }
  return out;
}

function indexingCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const G = 'indexing';
  for (let k = 0; k < 10; k++) {
    const shape = randShape(r, 1, 4);
    const dim = int(r, -shape.length, shape.length - 1), d = shape[(dim + shape.length) % shape.length];
    const scalar = k === 9;
    const idx = scalar ? [int(r, 0, d - 1)] : Array.from({ length: int(r, 0, 6) }, () => int(r, 0, d - 1));
    const ish = scalar ? [] : [idx.length];
    out.push(callCase(r, G, `indexSelect(${dim}, ${fmt(idx)}) of ${fmt(shape)}`, 'indexSelect', [F_IN(randArr(r, size(shape)), shape), L_IN(idx, ish)],
      { dim }, ([x, i]) => x.indexSelect(dim, i)));
  }
  for (let k = 0; k < 10; k++) {
    const shape = randShape(r, 1, 4);
    const kd = int(r, 0, shape.length - 1), dim = k % 2 ? kd - shape.length : kd;
    const ish = shape.map((s, i) => (i === kd ? int(r, 1, 6) : int(r, 1, s)));
    const idx = Array.from({ length: size(ish) }, () => int(r, 0, shape[kd] - 1));
    out.push(callCase(r, G, `gather(${dim}) of ${fmt(shape)} by ${fmt(ish)}`, 'gather', [F_IN(randArr(r, size(shape)), shape), L_IN(idx, ish)],
      { dim }, ([x, i]) => x.gather(dim, i)));
  }
  // scatter: distinct positions in every lane (PyTorch leaves repeated writes unspecified)
  for (let k = 0; k < 12; k++) {
    const shape = randShape(r, 1, 3);
    const kd = int(r, 0, shape.length - 1), dim = k % 2 ? kd - shape.length : kd;
    const ish = shape.map((s) => int(r, 1, s));
    const [outer, m, inner] = [size(ish.slice(0, kd)), ish[kd], size(ish.slice(kd + 1))];
    const idx = new Array<number>(size(ish));
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      const p = perm(r, shape[kd]);
      for (let j = 0; j < m; j++) idx[(o * m + j) * inner + i] = p[j];
    }
    const x = randArr(r, size(shape));
    const kind = (['tensor', 'value', 'add', 'add-repeats'] as const)[k % 4];
    if (kind === 'value') {
      const v = pick(r, [0, -1.5, 7]);
      out.push(callCase(r, G, `scatter(${dim}) of ${fmt(shape)} by ${fmt(ish)}, value ${v}`, 'scatter', [F_IN(x, shape), L_IN(idx, ish)], { dim, value: num(v) },
        ([t, i]) => t.scatter(dim, i, v)));
    } else {
      if (kind === 'add-repeats') for (let q = 0; q < idx.length; q++) idx[q] = int(r, 0, shape[kd] - 1);
      const name = kind === 'tensor' ? 'scatter' : 'scatterAdd';
      out.push(callCase(r, G, `${name}(${dim}) of ${fmt(shape)} by ${fmt(ish)}${kind === 'add-repeats' ? ' (repeated positions)' : ''}`, name,
        [F_IN(x, shape), L_IN(idx, ish), F_IN(randArr(r, size(ish)), ish)], { dim },
        ([t, i, s]) => (name === 'scatter' ? t.scatter(dim, i, s) : t.scatterAdd(dim, i, s))));
    }
  }
  // scatter from a src larger than the index (forward only: PyTorch's backward refuses that shape)
  {
    const x = randArr(r, 12), idx = [2, 0, 1, 3, 0, 2];
    out.push(callCase(r, G, 'scatter(1) of [3,4] by [3,2] from a [3,5] src (no grad)', 'scatter',
      [F_IN(x, [3, 4], false), L_IN(idx, [3, 2]), F_IN(randArr(r, 15), [3, 5], false)], { dim: 1 }, ([t, i, s]) => t.scatter(1, i, s)));
  }
  for (let k = 0; k < 8; k++) {
    const [xs, ms] = broadcastPair(r);
    const x = randArr(r, size(xs), 2, 0.05);
    const valueT = k % 3 === 0;
    const v = pick(r, [0, -Infinity, 2.5, -0]);
    const ins = [F_IN(x, xs), B_IN(mask01(r, size(ms)), ms)];
    if (valueT) ins.push(F_IN(Float32Array.of(v), []));
    out.push(callCase(r, G, `maskedFill ${fmt(xs)} with mask ${fmt(ms)}, ${valueT ? '0-d tensor' : 'value'} ${v}`, 'maskedFill', ins,
      valueT ? {} : { value: num(v) }, ([t, m, vt]) => t.maskedFill(m, valueT ? vt : v)));
  }
  for (let k = 0; k < 10; k++) {
    const [cs, as] = broadcastPair(r);
    const bs = pick(r, [as, cs, cs.slice(1), []]);
    const form = k % 4; // 0, 1: tensors; 2: a number; 3: b number
    const ins: CallIn[] = [B_IN(mask01(r, size(cs)), cs)];
    const args: Record<string, unknown> = {};
    if (form === 2) args.a = num(1.5); else ins.push(F_IN(randArr(r, size(as), 2, 0.05), as));
    if (form === 3) args.b = num(-0); else ins.push(F_IN(randArr(r, size(bs), 2, 0.05), bs));
    out.push(callCase(r, G, `where ${fmt(cs)}, ${form === 2 ? '1.5' : fmt(as)}, ${form === 3 ? '-0' : fmt(bs)} #${k}`, 'where', ins, args,
      (ts) => (form === 2 ? where(ts[0], 1.5, ts[1]) : form === 3 ? where(ts[0], ts[1], -0) : k % 2 ? ts[1].where(ts[0], ts[2]) : where(ts[0], ts[1], ts[2]))));
  }
  return out;
}

function joiningCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const G = 'joining';
  for (let k = 0; k < 10; k++) {
    const base = randShape(r, 1, 4, 4);
    const kd = int(r, 0, base.length - 1), dim = k % 2 ? kd - base.length : kd;
    const n = int(r, 1, 4);
    const shapes = Array.from({ length: n }, () => base.map((d, i) => (i === kd ? int(r, 0, 3) : d)));
    if (k === 9) shapes.splice(1, 0, [0]); // 1-D empties are skipped, as PyTorch 1.13
    out.push(callCase(r, G, `cat(${fmt(shapes)}, ${dim})`, 'cat', shapes.map((s) => F_IN(randArr(r, size(s)), s)), { dim },
      (ts) => cat(ts, dim)));
  }
  for (let k = 0; k < 8; k++) {
    const base = randShape(r, 0, 3, 4);
    const dim = int(r, -base.length - 1, base.length);
    const n = int(r, 1, 4);
    out.push(callCase(r, G, `stack(${n} x ${fmt(base)}, ${dim})`, 'stack', Array.from({ length: n }, () => F_IN(randArr(r, size(base)), base)), { dim },
      (ts) => stack(ts, dim)));
  }
  for (let k = 0; k < 8; k++) {
    const shape = randShape(r, 0, 3, 4);
    const sizes = [...Array.from({ length: int(r, shape.length ? 0 : 1, 2) }, () => int(r, 1, 3)), ...shape.map(() => int(r, k === 7 ? 0 : 1, 3))];
    out.push(callCase(r, G, `repeat(${fmt(sizes)}) of ${fmt(shape)}`, 'repeat', [F_IN(randArr(r, size(shape)), shape)], { sizes },
      ([x]) => (k % 2 ? x.repeat(sizes) : repeat(x, ...sizes))));
  }
  const cs = randShape(r, 1, 3);
  out.push(callCase(r, G, `clone of ${fmt(cs)}`, 'clone', [F_IN(randArr(r, size(cs), 1, 0.2), cs)], {}, ([x]) => clone(x)));
  return out;
}

function statCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const G = 'statistics';
  for (let k = 0; k < 24; k++) {
    const name = k % 2 ? 'std' : 'var';
    const shape = randShape(r, 1, 4);
    const form = k % 6; // 0: all dims; 1: one dim; 2, 3: several dims; 4: unbiased = false; 5: correction only
    const nd = shape.length;
    let dims: number | number[] | undefined;
    if (form === 1) dims = int(r, -nd, nd - 1);
    else if (form === 2 || form === 3) dims = perm(r, nd).slice(0, int(r, 1, nd)).map((d) => (r() < 0.3 ? d - nd : d));
    else if (form === 4) dims = r() < 0.5 ? undefined : int(r, 0, nd - 1);
    const keepDim = dims !== undefined && r() < 0.5;
    const correction = pick(r, [0, 1, 2]);
    const x = randArr(r, size(shape), pick(r, [1, 100]));
    const targs: Record<string, unknown> = { dim: dims ?? null, ...(form === 4 ? { unbiased: false } : { correction }), keepdim: keepDim };
    const opts = form === 4 ? { unbiased: false, keepDim } : { correction, keepDim };
    const f = name === 'std' ? std : variance;
    // PyTorch 1.13's backward of the whole-tensor form fails when N - correction <= 0: values only there
    const grad = !(dims === undefined && size(shape) - (form === 4 ? 0 : correction) <= 0);
    out.push(callCase(r, G, `${name}(${fmt(dims ?? 'all')}, ${fmt(opts)}) of ${fmt(shape)}`, name, [F_IN(x, shape, grad)], targs,
      ([t]) => (form === 5 && dims === undefined ? f(t, { correction }) : k % 3 ? f(t, dims, opts) : (name === 'std' ? t.std(dims, opts) : t.var(dims, opts))),
      { y: { ulps: 1 } }));
  }
  // N - correction = 0: inf / NaN values and gradients, as PyTorch (whose backward of the whole-tensor
  // form fails in 1.13 on this shape: values only there)
  out.push(callCase(r, G, 'var of one element (correction 1): NaN', 'var', [F_IN(Float32Array.of(3), [1], false)], { dim: null }, ([t]) => t.var()));
  out.push(callCase(r, G, 'std along a dim of size 1 with correction 1', 'std', [F_IN(randArr(r, 3), [3, 1])], { dim: 1 }, ([t]) => t.std(1)));
  out.push(callCase(r, G, 'std of constant rows (zero std: zero gradient)', 'std', [F_IN(Float32Array.of(2, 2, 2, 1, 5, 9), [2, 3])],
    { dim: 1, correction: 0 }, ([t]) => t.std(1, { correction: 0 })));
  for (let k = 0; k < 8; k++) {
    const name = k % 2 ? 'mean' : 'sum';
    const shape = randShape(r, 2, 4);
    const nd = shape.length;
    const dims = k === 7 ? [] : perm(r, nd).slice(0, int(r, 2, nd)).map((d) => (r() < 0.3 ? d - nd : d));
    const keepDim = r() < 0.5;
    out.push(callCase(r, G, `${name}(${fmt(dims)}, keepDim ${keepDim}) of ${fmt(shape)}`, name, [F_IN(randArr(r, size(shape), 3), shape)],
      { dim: dims, keepdim: keepDim }, ([t]) => (name === 'sum' ? t.sum(dims, keepDim) : t.mean(dims, keepDim)), { y: COMPOSITE }));
  }
  for (let k = 0; k < 8; k++) {
    const shape = randShape(r, 0, 3, 7);
    const dim = shape.length === 0 ? 0 : int(r, -shape.length, shape.length - 1);
    out.push(callCase(r, G, `cumsum(${dim}) of ${fmt(shape)}`, 'cumsum', [F_IN(randArr(r, size(shape), pick(r, [1, 1e3]), 0.03), shape)], { dim },
      ([t]) => (k % 2 ? t.cumsum(dim) : cumsum(t, dim)), { grad: EXACT }));
  }
  return out;
}

function sortingCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const G = 'sorting';
  for (let k = 0; k < 12; k++) {
    const shape = randShape(r, 0, 3, 7);
    const dim = shape.length === 0 ? -1 : int(r, -shape.length, shape.length - 1);
    const descending = k % 2 === 1;
    const x = tiedArr(r, size(shape), 0.08); // ties, NaN, ±0, ±Inf: the stable order is defined
    const name = k % 3 === 2 ? 'argsort' : 'sort';
    out.push(callCase(r, G, `${name}(${dim}, descending ${descending}, stable) of ${fmt(shape)} with ties`, name, [F_IN(x, shape, name === 'sort')],
      { dim, descending, stable: true },
      ([t]) => (name === 'argsort' ? (k % 2 ? argsort(t, dim, descending) : t.argsort({ dim, descending, stable: true }))
        : (k % 4 === 0 ? sort(t, { dim, descending, stable: true }) : t.sort(dim, descending)))));
  }
  for (let k = 0; k < 6; k++) {
    const shape = randShape(r, 1, 3);
    const dim = k < 2 ? undefined : int(r, -shape.length, shape.length - 1);
    const keepDim = dim !== undefined && k % 2 === 0;
    out.push(callCase(r, G, `argmin(${dim ?? 'all'}, keepDim ${keepDim}) of ${fmt(shape)} with ties`, 'argmin', [F_IN(tiedArr(r, size(shape), 0.05), shape, false)],
      dim === undefined ? {} : { dim, keepdim: keepDim }, ([t]) => (k % 2 ? t.argmin(dim, keepDim) : argmin(t, dim, keepDim))));
  }
  // long lanes (the radix sort; topk's selection when k is small), ties and specials
  for (const [shape, dim, descending] of [[[3, 300], 1, false], [[700], 0, true], [[260, 2], 0, true], [[2, 40, 3], 1, false]] as [number[], number, boolean][]) {
    const x = tiedArr(r, size(shape), 0.05);
    out.push(callCase(r, G, `sort(${dim}, descending ${descending}, stable) of ${fmt(shape)} with ties`, 'sort', [F_IN(x, shape)],
      { dim, descending, stable: true }, ([t]) => t.sort(dim, descending)));
    out.push(callCase(r, G, `argsort(${dim}, descending ${!descending}, stable) of ${fmt(shape)} with ties`, 'argsort', [F_IN(x, shape, false)],
      { dim, descending: !descending, stable: true }, ([t]) => t.argsort(dim, !descending)));
  }
  for (const [shape, kk, largest] of [[[2, 500], 5, true], [[3, 400], 1, false], [[1000], 40, true], [[2, 300], 250, false]] as [number[], number, boolean][]) {
    const n = size(shape), p = perm(r, n);
    const x = Float32Array.from(p, (v) => f32((v - n / 2) * 0.37));
    out.push(callCase(r, G, `topk(${kk}, largest ${largest}) of ${fmt(shape)}`, 'topk', [F_IN(x, shape)], { k: kk, dim: -1, largest },
      ([t]) => t.topk(kk, -1, largest)));
  }
  for (let k = 0; k < 10; k++) {
    const shape = randShape(r, 1, 3, 7);
    const kd = int(r, 0, shape.length - 1), dim = k % 2 ? kd - shape.length : kd;
    const kk = int(r, 0, shape[kd]);
    const largest = k % 3 !== 1;
    // distinct values (PyTorch's choice among ties is unspecified)
    const n = size(shape), p = perm(r, n);
    const x = Float32Array.from(p, (v) => f32((v - n / 2) * 0.37));
    out.push(callCase(r, G, `topk(${kk}, ${dim}, largest ${largest}) of ${fmt(shape)}`, 'topk', [F_IN(x, shape)], { k: kk, dim, largest },
      ([t]) => (k % 2 ? topk(t, kk, dim, largest) : t.topk(kk, { dim, largest }))));
  }
  return out;
}

/** scatterReduce (every reduction, includeSelf both ways, repeated positions, ties, zeros), scatter's reduce=, nonzero, where(cond). */
function scatterReduceCases(r: Rng): DiffCase[] {
  const out: DiffCase[] = [];
  const G = 'indexing';
  const reds = ['sum', 'prod', 'mean', 'amax', 'amin'] as const;
  for (let k = 0; k < 20; k++) {
    const reduce = reds[k % 5], includeSelf = Math.floor(k / 5) % 2 === 0;
    const shape = randShape(r, 1, 3, 4);
    const kd = int(r, 0, shape.length - 1), dim = k % 3 === 2 ? kd - shape.length : kd;
    const ish = shape.map((d, i) => (i === kd ? int(r, 1, 6) : int(r, 1, d)));
    const idx = Array.from({ length: size(ish) }, () => int(r, 0, shape[kd] - 1)); // repeats: several values per position
    const vals = (n: number): Float32Array => (reduce === 'amax' || reduce === 'amin' ? tiedArr(r, n)
      : reduce === 'prod' ? Float32Array.from({ length: n }, () => (r() < 0.1 ? 0 : f32(0.5 + r())))
        : randArr(r, n, 2));
    const x = vals(size(shape)), src = vals(size(ish));
    out.push(callCase(r, G, `scatterReduce(${dim}, '${reduce}', includeSelf ${includeSelf}) of ${fmt(shape)} by ${fmt(ish)} #${k}`, 'scatterReduce',
      [F_IN(x, shape), L_IN(idx, ish), F_IN(src, ish)], { dim, reduce, includeSelf },
      ([t, i, sv]) => t.scatterReduce(dim, i, sv, reduce, { includeSelf }), { y: { rel: 1e-6, abs: 1e-7 } }));
  }
  for (let k = 0; k < 4; k++) {
    const reduce = k % 2 ? 'multiply' : 'add', value = k >= 2;
    const shape = [3, 4], ish = [2, 4];
    const idx = Array.from({ length: 8 }, () => int(r, 0, 2));
    const x = Float32Array.from({ length: 12 }, () => f32(0.5 + r())), src = Float32Array.from({ length: 8 }, () => f32(0.5 + r()));
    const ins = [F_IN(x, shape, false), L_IN(idx, ish)];
    if (!value) ins.push(F_IN(src, ish, false));
    out.push(callCase(r, G, `scatter(0, reduce '${reduce}') of [3,4] by [2,4] from ${value ? 'the number 1.5' : 'a tensor'}`, 'scatterReduceArg', ins,
      value ? { dim: 0, reduce, value: num(1.5) } : { dim: 0, reduce },
      ([t, i, sv]) => t.scatter(0, i, value ? 1.5 : sv, { reduce }), { y: { rel: 1e-6, abs: 1e-7 } }));
  }
  for (let k = 0; k < 8; k++) {
    const shape = k === 7 ? [] : randShape(r, 1, 4, 4);
    const x = tiedArr(r, size(shape), 0.2).map((v) => (r() < 0.5 ? 0 : v)); // zeros, -0, NaN (non-zero)
    const asTuple = k % 2 === 1;
    out.push(callCase(r, G, `${asTuple ? 'where(cond)' : 'nonzero'} of ${fmt(shape)} #${k}`, asTuple ? 'whereCond' : 'nonzero', [F_IN(x, shape, false)], {},
      ([t]) => (asTuple ? stack(where(t), 0) : nonzero(t))));
  }
  return out;
}

/** A view taken, then its base (or a sibling view) written in place, then the view used: PyTorch rebuilds its history. */
function viewRebaseCases(r: Rng): DiffCase[] {
  const chains: Record<string, (l: Tensor, w: Tensor) => [Tensor, Tensor]> = {
    'slice-mul_': (l) => { const x = l.clone(); const v = x.slice(0, 0, 2); x.mul_(2); return [v.sum(), v]; },
    'old-user-and-new': (l) => { const x = l.clone(); const v = x.slice(0, 0, 2); const y = v.mul(3); x.mul_(2); return [y.sum().add(v.sum()), v]; },
    'transpose-row-mul_': (l, w) => { const x = l.clone().view(2, 3); const v = x.T; x.select(0, 1).mul_(w.slice(0, 0, 3)); return [v.mul(v).sum(), v]; },
    'view-of-view-add_': (l) => { const x = l.clone(); const v = x.slice(0, 1, 4); const v2 = v.slice(0, 0, 2); x.add_(1); return [v2.exp().sum(), v2]; },
    'transpose-add_-other': (l, w) => { const x = l.clone().view(2, 3); const v = x.T; x.add_(w.view(2, 3)); return [v.mul(v).sum(), v]; },
    'step-slice-sibling-mul_': (l, w) => { const x = l.clone(); const v = x.slice(0, 0, 6, 2); x.slice(0, 1, 4).mul_(3); return [v.mul(w.slice(0, 0, 3)).sum(), v]; },
  };
  return Object.entries(chains).map(([name, f]) => {
    const l = randArr(r, 6), w = randArr(r, 6);
    const cn = `a view after an in-place write to its base: ${name}`;
    return {
      group: 'views', name: cn,
      torch: { op: 'viewRebase', name, l: enc(l), lShape: [6], w: enc(w), wShape: [6] },
      check(res) {
        noError(cn, res);
        const lt = leaf(l, [6]), wt = leaf(w, [6]);
        const [loss, v] = f(lt, wt);
        loss.backward();
        expect(v.shape, `${cn}: shape`).toEqual(res.shape);
        expectLikeTorch(cn, { v: v.data, gl: gradOf(lt), gw: gradOf(wt) }, { v: dec(res.v), gl: dec(res.gl), gw: dec(res.gw) }, { rel: 1e-6, abs: 1e-7 });
      },
    };
  });
}

/** Every case, from one seed. */
export function allCases(seed: number): DiffCase[] {
  const r = lcg(seed);
  return [...activationCases(r), ...binaryCases(r), ...binaryRegressionCases(), ...unaryCases(r), ...reductionCases(r), ...softmaxCases(r),
    ...lossCases(r), ...linalgCases(r), ...moduleCases(r), ...keyCases(), ...optimCases(r), ...optimGroupCases(r), ...optimGroupRegressionCases(), ...rmspropExactCases(), ...schedulerCases(r), ...clipCases(r),
    ...embeddingCases(r), ...lossOptionCases(r), ...lossKinkCases(), ...initCases(), ...dropoutCases(r),
    ...comparisonCases(r), ...indexingCases(r), ...joiningCases(r), ...statCases(r), ...sortingCases(r),
    ...viewCases(seed + 1), ...fixedViewCases(), ...ceFusedCases(lcg(seed + 2)), ...scatterReduceCases(lcg(seed + 3)), ...viewRebaseCases(lcg(seed + 4))];
}
