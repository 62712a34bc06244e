// Async work and the rules that keep it safe: abort leaves whole steps, a model in training is
// guarded, forwardAsync snapshots inputs and weights at call time.
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from './helpers/backends.js';
import { F, InferencePool, Tensor, data, fit, forwardAsync, manualSeed, nn, noGrad, optim, randn, setDefaultPool, type FitProgress } from '../lib/index.js';
import { Trainer } from '../lib/train/loop.js';

function mlp(seed: number): nn.Sequential {
  manualSeed(seed);
  return new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 3));
}
class Custom extends nn.Module {
  fc = new nn.Linear(6, 3);
  forward(x: Tensor): Tensor { return this.fc.forward(x).tanh(); }
}
const weights = (m: nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));
const sync = (m: nn.Module, x: Tensor): number[] => Array.from(noGrad(() => m.forward(x)).data);

manualSeed(99);
const x = randn([64, 6]);
const y = Array.from({ length: 64 }, (_, i) => i % 3);

afterAll(() => setDefaultPool(null));

describe.each(availableBackends())('async work on the %s backend', (name) => {
  useBackend(name);

  it.each([true, false])('abort (worker: %s) rejects with an AbortError and leaves the model after whole steps', async (worker) => {
    const m = mlp(1);
    const opt = new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    const ac = new AbortController();
    const opts = { epochs: 100000, batchSize: 8, optimizer: opt, loss: F.crossEntropy, seed: 4, signal: ac.signal, worker };
    const err = await fit(m, { x, y }, { ...opts, onProgress: (p: FitProgress) => { if (p.epoch >= 2) ac.abort(); } })
      .then(() => null, (e: unknown) => e as DOMException & { steps: number });
    expect(err?.name).toBe('AbortError');
    expect(err!.steps).toBeGreaterThanOrEqual(8);
    expect(err!.steps).toBeLessThan(opts.epochs * 8);
    // the same run stopped after exactly that many steps: nothing half-applied
    const ref = mlp(1).train();
    const refOpt = new optim.SGD(ref.parameters(), { lr: 0.05, momentum: 0.9 });
    const t = new Trainer(ref, ref.parameters(), () => refOpt.step(), F.crossEntropy as never, { seed: 4, loss: 'crossEntropy' });
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 8, shuffle: true, seed: 4 });
    for (let e = 0, done = 0; done < err!.steps; e++) {
      loader.setEpoch(e);
      t.beginEpoch();
      for (const [xb, yb] of loader) {
        if (done++ === err!.steps) break;
        t.trainBatch({ x: (xb as Tensor).data, xShape: (xb as Tensor).shape, y: yb as Int32Array, yShape: null });
      }
    }
    expect(weights(m)).toEqual(weights(ref));
    expect(opt.state.size).toBe(4);
    expect(Array.from(opt.state.get(m.parameters()[0])!.momentum_buffer as Float32Array))
      .toEqual(Array.from(refOpt.state.get(ref.parameters()[0])!.momentum_buffer as Float32Array));
  });

  it('rejects at once when the signal is already aborted, changing nothing', async () => {
    const m = mlp(1);
    const before = weights(m);
    const signal = AbortSignal.abort();
    await expect(fit(m, { x, y }, { epochs: 1, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 1 }), loss: F.crossEntropy, signal }))
      .rejects.toMatchObject({ name: 'AbortError' });
    expect(weights(m)).toEqual(before);
  });

  it('guards a model and optimizer while fit owns them, and releases them after', async () => {
    for (const m of [mlp(1), new Custom()]) {
      const opt = new optim.Adam(m.parameters());
      const ac = new AbortController();
      const running = fit(m, { x, y }, { epochs: 100000, batchSize: 8, optimizer: opt, loss: F.crossEntropy, signal: ac.signal });
      await expect(fit(m, { x, y }, { epochs: 1, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 1 }), loss: F.crossEntropy }))
        .rejects.toThrow(/already being trained by another fit/);
      expect(() => opt.step()).toThrow(/optimizer.step: fit\(\) is training/);
      expect(() => opt.loadStateDict(opt.stateDict())).toThrow(/optimizer.loadStateDict: fit\(\)/);
      expect(() => m.loadStateDict(m.stateDict())).toThrow(/model.loadStateDict: fit\(\)/);
      ac.abort();
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });
      expect(() => opt.step()).not.toThrow();
      expect(() => m.loadStateDict(m.stateDict())).not.toThrow();
    }
  });

  it('rejects with the error onProgress throws', async () => {
    for (const worker of [true, false]) {
      const m = mlp(1);
      await expect(fit(m, { x, y }, {
        epochs: 50, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, worker,
        onProgress: () => { throw new Error('stop here'); },
      })).rejects.toThrow('stop here');
    }
  });

  it('forwardAsync equals forward, for built-in and custom models, with concurrent calls', async () => {
    for (const m of [mlp(2), new Custom()]) {
      const xs = Array.from({ length: 12 }, () => randn([5, 6]));
      const want = xs.map((xi) => sync(m, xi));
      const got = await Promise.all(xs.map((xi) => m.forwardAsync(xi)));
      expect(got.map((t) => Array.from(t.data))).toEqual(want);
      expect(got[0].shape).toEqual([5, 3]);
      expect(got[0].requiresGrad).toBe(false);
    }
  });

  it('forwardAsync copies x at call time and (built-in models) snapshots the weights', async () => {
    const m = mlp(3);
    const xi = randn([4, 6]);
    const want = sync(m, xi);
    const p = forwardAsync(m, xi);
    xi.data.fill(100);
    for (const t of m.parameters()) t.data.fill(0);
    expect(Array.from((await p).data)).toEqual(want);
    const c = new Custom();
    const xc = randn([4, 6]);
    const wantC = sync(c, xc);
    const pc = c.forwardAsync(xc);
    xc.data.fill(100);
    expect(Array.from((await pc).data)).toEqual(wantC);
  });

  it('forwardAsync reports bad input as the forward would, and works while fit trains the model', async () => {
    const m = mlp(4);
    await expect(m.forwardAsync(randn([2, 5]))).rejects.toThrow(RangeError);
    await expect(forwardAsync(m, [1] as unknown as Tensor)).rejects.toThrow(TypeError);
    const ac = new AbortController();
    const running = fit(m, { x, y }, { epochs: 100000, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, signal: ac.signal });
    const xi = randn([3, 6]);
    const want = sync(m, xi);
    expect(Array.from((await m.forwardAsync(xi)).data)).toEqual(want);
    ac.abort();
    await running.catch(() => undefined);
  });

  it('InferencePool.load keeps the weights of load time; pool.forward uses current ones; close rejects', async () => {
    const pool = new InferencePool({ size: 2 });
    const m = mlp(5);
    const xi = randn([3, 6]);
    const before = sync(m, xi);
    const h = pool.load(m);
    for (const t of m.parameters()) t.data[0] += 1;
    const after = sync(m, xi);
    const [a, b, c] = await Promise.all([h.forward(xi), pool.forward(m, xi), h.forward(xi)]);
    expect(Array.from(a.data)).toEqual(before);
    expect(Array.from(c.data)).toEqual(before);
    expect(Array.from(b.data)).toEqual(after);
    expect(() => pool.load(new Custom())).toThrow(/cannot run in a worker thread: the model \(Custom\) has submodules/);
    await pool.close();
    await expect(h.forward(xi)).rejects.toThrow(/closed/);
  });
});
