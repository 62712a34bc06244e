/**
 * setFloat32MatmulPrecision ('highest' | 'high' | 'medium'): every matrix product (matmul, Linear
 * forward with its fused epilogue, Linear backward, the inference chain) follows it, on every
 * backend; a reference (inputs rounded to bf16 in software, exact products, fp32 accumulation)
 * bounds 'medium' and 'high' within a K-derived tolerance; 'highest' is bit-identical to the
 * default; the switch is validated and scoped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  F, fit, optim, diagnostics,
  getFloat32MatmulPrecision, matmul, manualSeed, nn, noGrad, randn, setFloat32MatmulPrecision, withFloat32MatmulPrecision,
  type Float32MatmulPrecision, backendInfo, dropPackedWeights, packedWeightCache, Tensor,
} from '../lib/index.js';
import { bf16Round } from '../lib/backend/js-gemm.js';
import { storageId } from '../lib/autograd.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { backend, setBackend } from '../lib/backend/index.js';
import { describeIfAvailable, nativeMissing } from './helpers/requires.js';

afterEach(() => setFloat32MatmulPrecision('highest'));

function parts(x: number, p: number): number {
  const h = bf16Round(x);
  return p === 0 ? h : Number.isFinite(h) ? bf16Round(x - h) : 0;
}

/** Reference C = A(MxK) B(KxN) at a precision, and the magnitude sum per element. */
function reference(A: Float32Array, B: Float32Array, M: number, N: number, K: number, prec: Float32MatmulPrecision): { c: Float64Array; mag: Float64Array } {
  const sel: [number, number][] = prec === 'medium' ? [[0, 0]] : prec === 'high' ? [[0, 0], [0, 1], [1, 0]] : [];
  const c = new Float64Array(M * N), mag = new Float64Array(M * N);
  const Ap = [0, 1].map((q) => A.map((v) => parts(v, q))), Bp = [0, 1].map((q) => B.map((v) => parts(v, q)));
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0, m = 0;
    for (const [pa, pb] of sel) for (let k = 0; k < K; k++) {
      const p = Ap[pa][i * K + k] * Bp[pb][k * N + j];
      s = Math.fround(s + p);
      m += Math.abs(p);
    }
    c[i * N + j] = s;
    mag[i * N + j] = m;
  }
  return { c, mag };
}

function expectWithin(got: Float32Array, ref: { c: Float64Array; mag: Float64Array }, K: number, parts: number, what: string): void {
  let bad = 0, first = '';
  for (let i = 0; i < got.length; i++) {
    const tol = (2 * parts * K + 8) * 2 ** -24 * ref.mag[i] + 1e-30;
    if (!(Math.abs(got[i] - ref.c[i]) <= tol)) { if (!bad) first = `[${i}] ${got[i]} vs ${ref.c[i]} (tol ${tol})`; bad++; }
  }
  expect(bad, `${what}: ${bad} outside the bound, first ${first}`).toBe(0);
}

describe('float32 matmul precision switch', () => {
  it('get/set/with: PyTorch 2 names, validated, scoped (sync, throw, async)', async () => {
    expect(getFloat32MatmulPrecision()).toBe('highest');
    setFloat32MatmulPrecision('medium');
    expect(getFloat32MatmulPrecision()).toBe('medium');
    expect(() => setFloat32MatmulPrecision('low' as Float32MatmulPrecision)).toThrow(/setFloat32MatmulPrecision: precision must be 'highest', 'high' or 'medium', got 'low'/);
    expect(getFloat32MatmulPrecision()).toBe('medium');
    expect(withFloat32MatmulPrecision('high', () => getFloat32MatmulPrecision())).toBe('high');
    expect(getFloat32MatmulPrecision()).toBe('medium');
    expect(() => withFloat32MatmulPrecision('highest', () => { throw new Error('boom'); })).toThrow('boom');
    expect(getFloat32MatmulPrecision()).toBe('medium');
    const p = withFloat32MatmulPrecision('high', async () => { await new Promise((r) => setTimeout(r, 5)); return getFloat32MatmulPrecision(); });
    expect(await p).toBe('high');
    expect(getFloat32MatmulPrecision()).toBe('medium');
    expect(() => withFloat32MatmulPrecision('bf16' as Float32MatmulPrecision, () => 0)).toThrow(RangeError);
  });
});

describe.each(availableBackends())('matmul precision (%s backend)', (name) => {
  useBackend(name);

  it.each([[3, 5, 4], [64, 48, 80], [130, 70, 300], [96, 128, 784]])('matmul %ix%ix%i: medium and high within the bf16 reference bound, highest unchanged', (M, N, K) => {
    manualSeed(M + N + K);
    const a = randn([M, K]), b = randn([K, N]);
    const before = matmul(a, b).data.slice();
    for (const prec of ['medium', 'high'] as const) {
      const got = withFloat32MatmulPrecision(prec, () => matmul(a, b)).data;
      // where bf16x3 loses to fp32 (no AMX, nothing forced) 'high' is the fp32 product, bit for bit
      if (prec === 'high' && backendInfo().isa.high === 'fp32') expect(got).toEqual(before);
      else expectWithin(got, reference(a.data, b.data, M, N, K, prec), K, prec === 'high' ? 3 : 1, `${name} ${prec}`);
    }
    expect(matmul(a, b).data).toEqual(before); // 'highest' after the others: bit-identical
  });

  it('medium differs from fp32 by bf16 rounding, high is near fp32', () => {
    manualSeed(5);
    const a = randn([64, 256]), b = randn([256, 64]);
    const f = matmul(a, b).data;
    const dev = (p: Float32MatmulPrecision): number => {
      const g = withFloat32MatmulPrecision(p, () => matmul(a, b)).data;
      let m = 0, s = 0;
      for (let i = 0; i < f.length; i++) { m = Math.max(m, Math.abs(g[i] - f[i])); s = Math.max(s, Math.abs(f[i])); }
      return m / s;
    };
    const med = dev('medium'), high = dev('high');
    expect(med).toBeGreaterThan(1e-4);
    expect(med).toBeLessThan(3e-2);
    expect(high).toBeLessThan(1e-5);
  });

  it('Linear forward (fused bias + activation), backward and the inference chain follow the precision', () => {
    manualSeed(9);
    const M = 40, K = 96, N = 72;
    const net = new nn.Sequential(new nn.Linear(K, N), new nn.GELU(), new nn.Linear(N, 10));
    const x = randn([M, K]);
    const lin = net.at(0) as nn.Linear;
    // forward: reference of X W^T + b, then GELU, against the fused path at 'medium'
    const W = lin.weight.data, b = lin.bias!.data;
    const Wt = new Float32Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) Wt[k * N + n] = W[n * K + k];
    const ref = reference(x.data, Wt, M, N, K, 'medium');
    const pre = withFloat32MatmulPrecision('medium', () => lin.forward(x)).data;
    for (let i = 0; i < M * N; i++) ref.c[i] += b[i % N];
    expectWithin(pre, ref, K, 1, `${name} linear forward`);
    // backward: the gradient at 'medium' is close to fp32's, but not equal
    const grads = (p: Float32MatmulPrecision): Float32Array[] => withFloat32MatmulPrecision(p, () => {
      for (const q of net.parameters()) q.grad = null;
      net.forward(x).sum().backward();
      return net.parameters().map((q) => q.grad!.data.slice());
    });
    const g32 = grads('highest'), g16 = grads('medium'), g32b = grads('highest');
    g32.forEach((g, i) => expect(g).toEqual(g32b[i]));
    let differs = false;
    g32.forEach((g, i) => {
      let m = 0, s = 0;
      for (let j = 0; j < g.length; j++) { m = Math.max(m, Math.abs(g16[i][j] - g[j])); s = Math.max(s, Math.abs(g[j])); }
      expect(m / s).toBeLessThan(5e-2);
      if (m > 0) differs = true;
    });
    expect(differs).toBe(true);
    // inference chain (noGrad) equals the layer-by-layer path at the same precision
    net.eval();
    const chain = withFloat32MatmulPrecision('medium', () => noGrad(() => net.forward(x))).data;
    const layered = withFloat32MatmulPrecision('medium', () => net.forward(x)).data;
    expect(Array.from(chain)).toEqual(Array.from(layered));
  });
});

describeIfAvailable(nativeMissing(), 'backends agree at medium', () => {
  it('js and native medium products match within the bound', async () => {
    const { setBackend } = await import('../lib/backend/index.js');
    manualSeed(77);
    const a = randn([70, 200]), b = randn([200, 90]);
    const out: Float32Array[] = [];
    for (const n of ['js', 'native'] as const) {
      setBackend(n);
      out.push(withFloat32MatmulPrecision('medium', () => matmul(a, b)).data);
    }
    setBackend('native');
    expectWithin(out[0], reference(a.data, b.data, 70, 90, 200, 'medium'), 200, 1, 'js');
    expectWithin(out[1], reference(a.data, b.data, 70, 90, 200, 'medium'), 200, 1, 'native');
  });
});

describe('fit and the report take the precision', () => {
  it('fit({precision}) trains at that precision in a worker and on this thread (same result), leaves the caller\'s setting alone', async () => {
    manualSeed(3);
    const x = randn([96, 40]);
    const y = Array.from({ length: 96 }, (_, i) => i % 4);
    for (let i = 0; i < 96; i++) x.data[i * 40 + (i % 4)] += 2;
    const train = async (precision: Float32MatmulPrecision | undefined, worker: boolean): Promise<number[]> => {
      manualSeed(1);
      const m = new nn.Sequential(new nn.Linear(40, 64), new nn.ReLU(), new nn.Linear(64, 4));
      const opt = new optim.SGD(m.parameters(), { lr: 0.05 });
      await fit(m, { x, y }, { epochs: 2, batchSize: 48, optimizer: opt, loss: F.crossEntropy, seed: 2, worker, ...(precision ? { precision } : {}) });
      return Array.from(m.parameters()[0].data);
    };
    const w32 = await train(undefined, false);
    const w16 = await train('medium', false);
    const w16w = await train('medium', true);
    expect(getFloat32MatmulPrecision()).toBe('highest');
    expect(w16).toEqual(w16w);
    expect(w16).not.toEqual(w32);
    // the default is the caller's setting at the call
    setFloat32MatmulPrecision('medium');
    expect(await train(undefined, true)).toEqual(w16);
    setFloat32MatmulPrecision('highest');
    const m = new nn.Linear(2, 2);
    await expect(fit(m, { x: randn([4, 2]), y: [0, 1, 0, 1] }, { epochs: 1, batchSize: 2, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, precision: 'low' as Float32MatmulPrecision }))
      .rejects.toThrow(/fit: precision must be 'highest', 'high' or 'medium', got 'low'/);
  });

  it('runInfo() (the report header) shows the precision in use', () => {
    expect(diagnostics.runInfo().precision).toBe('highest');
    expect(withFloat32MatmulPrecision('medium', () => diagnostics.runInfo().precision)).toBe('medium');
  });
});

describeIfAvailable(nativeMissing(), 'packed-weight cache of the bf16 products', () => {
  // 'medium' and 'high' on the tile kernels (amx, avx512bf16) pack a weight once per version; the
  // portable path (NEURITE_ISA=avx512|avx2|portable) has no packs, so only the values are checked
  const tiles = (prec: Float32MatmulPrecision): boolean =>
    ['amx', 'avx512bf16'].includes(backendInfo().isa.bf16) && (prec === 'medium' || backendInfo().isa.high === 'bf16x3');
  function model(): nn.Sequential {
    return new nn.Sequential(new nn.Linear(200, 96), new nn.ReLU(), new nn.Linear(96, 64));
  }
  /** The inference output without the cache (limit 0), then restores the limit. */
  function uncached(m: nn.Module, x: Tensor): Float32Array {
    const limit = packedWeightCache().limitBytes;
    packedWeightCache({ limitBytes: 0 });
    try { return noGrad(() => m.forward(x)).data.slice(); } finally { packedWeightCache({ limitBytes: limit }); }
  }

  it.each(['medium', 'high'] as const)('%s: repeated inference hits, same bits; every in-place write repacks', (prec) => {
    manualSeed(31);
    dropPackedWeights();
    const m = model(), x = randn([70, 200]);
    setFloat32MatmulPrecision(prec);
    const want = uncached(m, x);
    const s0 = packedWeightCache();
    const y1 = noGrad(() => m.forward(x)).data.slice(), y2 = noGrad(() => m.forward(x)).data.slice();
    const s1 = packedWeightCache();
    expect(Buffer.from(y1.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    expect(Buffer.from(y2.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    if (tiles(prec)) {
      expect(s1.misses - s0.misses).toBe(2); // both weights packed by the first forward
      expect(s1.hits - s0.hits).toBe(2); // and read by the second
      expect(s1.entries).toBeGreaterThanOrEqual(2);
    }
    // an optimizer step (in place) makes a new version: the next inference sees the new weights
    const opt = new optim.SGD(m.parameters(), { lr: 0.5 });
    F.mseLoss(m.forward(x), randn([70, 64])).backward();
    opt.step();
    expect(Buffer.from(noGrad(() => m.forward(x)).data.buffer).equals(Buffer.from(uncached(m, x).buffer))).toBe(true);
    // loadStateDict writes in place too (uncached() empties the cache: m's packs are made after it)
    const other = model();
    const fresh = uncached(other, x);
    noGrad(() => m.forward(x));
    m.loadStateDict(other.stateDict());
    expect(Buffer.from(noGrad(() => m.forward(x)).data.buffer).equals(Buffer.from(fresh.buffer))).toBe(true);
    // a single Linear through linear(), and a frozen weight with grad mode on, also use the cache
    const lin = new nn.Linear(200, 48);
    lin.weight.requiresGrad = false;
    const base = packedWeightCache();
    const z1 = lin.forward(x).data.slice();
    const z2 = lin.forward(x).data.slice();
    expect(Buffer.from(z1.buffer).equals(Buffer.from(z2.buffer))).toBe(true);
    if (tiles(prec)) expect(packedWeightCache().hits - base.hits).toBe(1);
    // a write through .data bypasses the version (as in PyTorch): dropPackedWeights() forgets
    lin.weight.data.fill(0.25);
    dropPackedWeights();
    expect(packedWeightCache().entries).toBe(0);
    const z3 = lin.forward(x).data;
    expect(Buffer.from(z3.buffer).equals(Buffer.from(uncached(lin, x).buffer))).toBe(true);
    expect(Buffer.from(z3.buffer).equals(Buffer.from(z1.buffer))).toBe(false);
  });

  it('a trained weight (grad mode on) is not kept; options are checked', () => {
    manualSeed(32);
    dropPackedWeights();
    setFloat32MatmulPrecision('medium');
    const lin = new nn.Linear(200, 64), x = randn([70, 200]);
    const s0 = packedWeightCache();
    lin.forward(x);
    lin.forward(x);
    const s1 = packedWeightCache();
    expect(s1.hits).toBe(s0.hits);
    expect(s1.misses).toBe(s0.misses);
    expect(() => packedWeightCache({ limitBytes: -1 })).toThrow(RangeError);
    expect(() => packedWeightCache({ limitBytes: 1.5 })).toThrow(/limitBytes must be an integer >= 0/);
    expect(() => packedWeightCache({ limit: 5 } as never)).toThrow(TypeError);
    // storage ids: shared by views, distinct per storage, from the addon (unique across worker_threads)
    const a = randn([3, 4]);
    expect(storageId(a)).toBeGreaterThan(0);
    expect(storageId(a.transpose(0, 1))).toBe(storageId(a));
    expect(storageId(randn([3, 4]))).toBeGreaterThan(storageId(a));
    // on the js backend: 0 (no cache), and not kept, so the storage gets an id back on native
    const c = randn([2, 2]), was = backend();
    try { setBackend('js'); expect(storageId(c)).toBe(0); } finally { setBackend(was); }
    expect(storageId(c)).toBeGreaterThan(storageId(a));
    const limit = s1.limitBytes;
    expect(packedWeightCache({ limitBytes: 1024 }).limitBytes).toBe(1024);
    expect(packedWeightCache({ limitBytes: limit }).limitBytes).toBe(limit);
  });
});
