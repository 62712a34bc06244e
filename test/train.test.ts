// fit(): the same seed gives the same weights in a worker thread and on the calling thread;
// history, fallbacks and argument errors.
import { describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from './helpers/backends.js';
import { F, Tensor, manualSeed, nn, optim, randn, tensor, fit, type FitProgress } from '../lib/index.js';
import { onActivation } from '../lib/ops/activations.js';

function mlp(seed: number, extra = false): nn.Module {
  manualSeed(seed);
  return extra
    ? new nn.Sequential(new nn.Linear(6, 12), new nn.BatchNorm1d(12), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(12, 3))
    : new nn.Sequential(new nn.Linear(6, 12), new nn.Tanh(), new nn.Linear(12, 3));
}

/** Three blobs in 6-D: learnable in a few epochs. */
function blobs(n: number): { x: Tensor; y: number[] } {
  manualSeed(99);
  const x = randn([n, 6]);
  const y: number[] = [];
  for (let i = 0; i < n; i++) { const c = i % 3; y.push(c); x.data[i * 6 + c] += 3; }
  return { x, y };
}

const weights = (m: nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));

describe.each(availableBackends())('fit on the %s backend', (name) => {
  useBackend(name);
  const data = blobs(90);

  it('gives bit-identical weights and history in a worker and on this thread', async () => {
    for (const extra of [false, true]) {
      const runs = [];
      for (const worker of [true, false]) {
        const m = mlp(1, extra);
        const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
        const h = await fit(m, data, { epochs: 3, batchSize: 16, optimizer: opt, loss: F.crossEntropy, seed: 7, worker });
        expect(h.mode).toBe(worker ? 'worker' : 'main');
        runs.push({ w: weights(m), buffers: m.namedBuffers().map(([, t]) => Array.from(t.data)), loss: h.loss, acc: h.accuracy, st: opt.state.size });
      }
      expect(runs[0]).toEqual(runs[1]);
      expect(runs[0].st).toBe(extra ? 6 : 4); // Adam state came back from the worker
    }
  });

  it('reports per-epoch loss, accuracy and speed, and learns', async () => {
    const m = mlp(2);
    const h = await fit(m, data, { epochs: 6, batchSize: 10, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, seed: 3 });
    expect(h.epochs).toHaveLength(6);
    expect(h.steps).toBe(6 * 9);
    expect(h.loss).toEqual(h.epochs.map((e) => e.loss));
    expect(h.accuracy).not.toBeNull();
    expect(h.loss[5]).toBeLessThan(h.loss[0]);
    expect(h.accuracy![5]).toBeGreaterThan(0.9);
    expect(h.samplesPerSec).toBeGreaterThan(0);
    for (const e of h.epochs) expect(e.samples).toBe(90);
  });

  it('is reproducible from manualSeed, and the seed changes the data order', async () => {
    const run = async (seed: number | undefined, globalSeed: number): Promise<number[][]> => {
      const m = mlp(1);
      manualSeed(globalSeed);
      await fit(m, data, { epochs: 2, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 0.05 }), loss: 'crossEntropy', seed, worker: false }); // worker runs equal these (first test)
      return weights(m);
    };
    expect(await run(undefined, 5)).toEqual(await run(undefined, 5));
    expect(await run(11, 0)).toEqual(await run(11, 1)); // an explicit seed ignores the global generator
    expect(await run(11, 0)).not.toEqual(await run(12, 0));
  });

  it('trains regression targets (a Tensor y) with no accuracy', async () => {
    manualSeed(4);
    const x = randn([40, 6]);
    const y = tensor(Array.from({ length: 40 }, (_, i) => [x.data[i * 6] - x.data[i * 6 + 1]]));
    const runs = [];
    for (const worker of [true, false]) {
      manualSeed(8);
      const m = new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Linear(8, 1));
      const h = await fit(m, { x, y }, { epochs: 4, batchSize: 8, optimizer: new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }), loss: F.mseLoss, seed: 1, worker });
      expect(h.accuracy).toBeNull();
      expect(h.epochs[0].accuracy).toBeNull();
      runs.push([weights(m), h.loss]);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('falls back to this thread for custom modules and losses, and says why when a worker is required', async () => {
    class Custom extends nn.Module {
      fc = new nn.Linear(6, 3);
      forward(x: Tensor): Tensor { return this.fc.forward(x).relu(); }
    }
    const m = new Custom();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const h = await fit(m, data, { epochs: 1, batchSize: 30, optimizer: opt, loss: F.crossEntropy, seed: 1 });
    expect(h.mode).toBe('main');
    await expect(fit(m, data, { epochs: 1, batchSize: 30, optimizer: opt, loss: F.crossEntropy, worker: true }))
      .rejects.toThrow(/cannot train in a worker thread: the model \(Custom\) has submodules/);
    const s = mlp(1);
    const h2 = await fit(s, data, { epochs: 1, batchSize: 30, optimizer: new optim.SGD(s.parameters(), { lr: 0.1 }), loss: (o: Tensor, t: Int32Array) => F.crossEntropy(o, t) });
    expect(h2.mode).toBe('main');
    const off = onActivation(() => undefined); // diagnostics listening on this thread keep the run here
    try {
      const s2 = mlp(1);
      expect((await fit(s2, data, { epochs: 1, batchSize: 30, optimizer: new optim.SGD(s2.parameters(), { lr: 0.1 }), loss: F.crossEntropy })).mode).toBe('main');
    } finally { off(); }
    const tied = new nn.Sequential(new nn.Linear(6, 6), new nn.Tanh(), new nn.Linear(6, 6), new nn.Linear(6, 3));
    (tied.at(2) as nn.Linear).weight = (tied.at(0) as nn.Linear).weight;
    await expect(fit(tied, data, { epochs: 1, batchSize: 30, optimizer: new optim.SGD(tied.parameters(), { lr: 0.1 }), loss: F.crossEntropy, worker: true }))
      .rejects.toThrow(/shares a parameter/);
    const hooked = mlp(1);
    hooked.at(0).registerForwardHook(() => undefined);
    await expect(fit(hooked, data, { epochs: 1, batchSize: 30, optimizer: new optim.SGD(hooked.parameters(), { lr: 0.1 }), loss: F.crossEntropy, worker: true }))
      .rejects.toThrow(/forward hook/);
  });

  it('calls onProgress at every epoch end with the weights of that epoch in the model', async () => {
    const m = mlp(3);
    const seen: { p: FitProgress; w: number[][] }[] = [];
    await fit(m, data, {
      epochs: 3, batchSize: 30, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, seed: 2,
      onProgress: (p) => { if (p.epochEnd) seen.push({ p, w: weights(m) }); },
    });
    expect(seen.map((s) => s.p.epoch)).toEqual([1, 2, 3]);
    expect(seen[2].p.globalStep).toBe(9);
    expect(seen[2].w).toEqual(weights(m));
    expect(seen[0].w).not.toEqual(seen[1].w);
  });

  it('rejects bad arguments with errors naming fit', async () => {
    const m = mlp(1);
    const optimizer = new optim.SGD(m.parameters(), { lr: 0.1 });
    const base = { epochs: 1, batchSize: 4, optimizer, loss: F.crossEntropy };
    await expect(fit(m, data, { ...base, epochs: 0 })).rejects.toThrow(RangeError);
    await expect(fit(m, data, { ...base, batchSize: -1 })).rejects.toThrow(/fit: batchSize must be a positive integer/);
    await expect(fit(m, { x: data.x, y: data.y.slice(1) }, base)).rejects.toThrow(/fit: data.y has 89 class indices/);
    await expect(fit(m, { x: data.x, y: data.y.map((v) => v - 0.5) }, base)).rejects.toThrow(/not a class index/);
    await expect(fit(m, { x: [1, 2] as unknown as Tensor, y: [0] }, base)).rejects.toThrow(TypeError);
    await expect(fit(m, data, { ...base, loss: 'hinge' as 'mseLoss' })).rejects.toThrow(/unknown loss 'hinge'/);
    await expect(fit(m, data, { ...base, optimizer: {} as optim.SGD })).rejects.toThrow(TypeError);
    // an error inside the worker comes back as the same kind of error
    await expect(fit(m, { x: randn([8, 5]), y: [0, 1, 2, 0, 1, 2, 0, 1] }, base)).rejects.toThrow(RangeError);
    await expect(fit(m, { x: data.x, y: data.y.map(() => 7) }, base)).rejects.toThrow(/out of bounds for 3 classes/);
  });
});
