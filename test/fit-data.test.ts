// fit() on datasets, DataLoaders, streams and iterables; validation and early stopping; the
// same weights and history in a worker and on the calling thread (early stopping, an abort
// at an epoch end or mid-epoch from onProgress), no callback after abort, one history shape; a user's class in a worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableBackends, useBackend } from './helpers/backends.js';
import { F, Tensor, data, fit, manualSeed, nn, noGrad, optim, randn, type FitHistory, type FitOptions, type FitProgress } from '../lib/index.js';
import { CustomMLP } from './fixtures/custom-mlp.js';

const { TensorDataset, DataLoader, randomSplit, CsvDataset } = data;

function mlp(seed: number): nn.Sequential {
  manualSeed(seed);
  return new nn.Sequential(new nn.Linear(6, 12), new nn.ReLU(), new nn.Dropout(0.2), new nn.Linear(12, 3));
}

/** Three noisy blobs in 6-D: learnable, with a validation loss that stops improving. */
function blobs(n: number, seed = 99): { x: Tensor; y: Int32Array } {
  manualSeed(seed);
  const x = randn([n, 6]).mul(1.5);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) { y[i] = i % 3; x.data[i * 6 + y[i]] += 1.5; }
  return { x, y };
}

const weights = (m: nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));
/** The history without its timings and mode (which differ from run to run). */
const numbers = (h: FitHistory): unknown => ({
  ...h, durationMs: 0, samplesPerSec: 0, mode: '', epochs: h.epochs.map((e) => ({ ...e, durationMs: 0, samplesPerSec: 0 })),
});

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-fit-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(availableBackends())('fit with data tools on the %s backend', (name) => {
  useBackend(name);
  const { x, y } = blobs(240);
  const ds = new TensorDataset(x, y);
  const [trainSet, valSet] = randomSplit(ds, [0.75, 0.25], { seed: 0 });
  const base = (m: nn.Module): FitOptions => ({ epochs: 3, optimizer: new optim.Adam(m.parameters(), { lr: 0.01 }), loss: F.crossEntropy, seed: 7 });

  it('{x, y}, a TensorDataset and a DataLoader with the same seed give the same run', async () => {
    const runs = [];
    for (const src of ['xy', 'dataset', 'loader'] as const) {
      const m = mlp(1);
      const source = src === 'xy' ? { x, y } : src === 'dataset' ? ds : new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 7 });
      const h = await fit(m, source, { ...base(m), ...(src === 'loader' ? {} : { batchSize: 32 }), worker: false });
      runs.push({ w: weights(m), h: numbers(h) });
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('validation and early stopping: bit-identical weights and history in a worker and on this thread', async () => {
    const runs = [];
    for (const worker of [true, false]) {
      const m = mlp(2);
      const seen: FitProgress[] = [];
      const h = await fit(m, trainSet, {
        ...base(m), epochs: 40, batchSize: 16, worker, validationData: valSet,
        optimizer: new optim.Adam(m.parameters(), { lr: 0.05 }),
        earlyStopping: { monitor: 'valLoss', patience: 2, restoreBest: true },
        onProgress: (p) => { if (p.epochEnd) seen.push(p); },
      });
      expect(h.mode).toBe(worker ? 'worker' : 'main');
      expect(h.stoppedEarly).toBe(true);
      expect(h.epochs.length).toBeLessThan(40);
      expect(h.epochs.length).toBe(h.bestEpoch! + 2); // patience 2: two epochs without improvement
      expect(h.valLoss).toHaveLength(h.epochs.length);
      expect(h.valAccuracy![h.bestEpoch! - 1]).toBeGreaterThan(0.6);
      expect(Math.min(...h.valLoss!)).toBe(h.valLoss![h.bestEpoch! - 1]);
      expect(seen.map((p) => p.valLoss)).toEqual(h.valLoss);
      runs.push({ w: weights(m), h: numbers(h) });
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('validation runs in eval mode on the epoch-end weights; restoreBest puts the best epoch back', async () => {
    const m = mlp(3);
    const [xv, yv] = valSet.getBatch(Int32Array.from({ length: valSet.length }, (_, i) => i));
    const atEpoch: { w: number[][]; manual: number }[] = [];
    const h = await fit(m, trainSet, {
      ...base(m), epochs: 6, batchSize: 16, validationData: new DataLoader(valSet, { batchSize: valSet.length }), worker: false,
      earlyStopping: { patience: 10, restoreBest: true },
      onProgress: (p) => {
        if (!p.epochEnd) return;
        m.eval();
        atEpoch.push({ w: weights(m), manual: noGrad(() => F.crossEntropy(m.forward(xv as Tensor), yv as Int32Array)).item() });
        m.train();
      },
    });
    h.valLoss!.forEach((v, i) => expect(v).toBeCloseTo(atEpoch[i].manual, 6));
    expect(h.stoppedEarly).toBe(false);
    expect(weights(m)).toEqual(atEpoch[h.bestEpoch! - 1].w);
  });

  it('an abort at an epoch end stops there in both modes: same weights, steps and history; no callback after it', async () => {
    const runs = [];
    for (const worker of [true, false]) {
      const m = mlp(4);
      const ac = new AbortController();
      let after = 0;
      const err = await fit(m, { x, y }, {
        ...base(m), epochs: 50, batchSize: 8, worker, signal: ac.signal, progressIntervalMs: 0, validationData: valSet,
        onProgress: (p) => { if (ac.signal.aborted) after++; if (p.epochEnd && p.epoch === 3) ac.abort(); },
      }).then(() => null, (e: unknown) => e as DOMException & { history: FitHistory; steps: number });
      expect(err?.name).toBe('AbortError');
      expect(after).toBe(0);
      expect(err!.steps).toBe(3 * 30);
      expect(err!.history.epochs).toHaveLength(3);
      runs.push({ w: weights(m), h: numbers(err!.history), steps: err!.steps });
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('an abort mid-epoch from onProgress stops after the step the report describes, in both modes: same weights and steps', async () => {
    const runs = [];
    for (const worker of [true, false]) {
      const m = mlp(4);
      const ac = new AbortController();
      let at = -1, after = 0;
      // a report every step (progressIntervalMs 0): the abort comes at global step 47, mid-epoch 2 (30 steps an epoch)
      const err = await fit(m, { x, y }, {
        ...base(m), epochs: 50, batchSize: 8, worker, signal: ac.signal, progressIntervalMs: 0,
        onProgress: (p) => { if (ac.signal.aborted) after++; if (!p.epochEnd && p.globalStep >= 47 && at < 0) { at = p.globalStep; ac.abort(); } },
      }).then(() => null, (e: unknown) => e as DOMException & { history: FitHistory; steps: number });
      expect(err?.name).toBe('AbortError');
      expect(after).toBe(0);
      expect(at).toBe(47);
      expect(err!.steps).toBe(47);
      expect(err!.history.steps).toBe(47);
      expect(err!.history.epochs).toHaveLength(1);
      runs.push({ w: weights(m), h: numbers(err!.history), steps: err!.steps });
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('the history has one shape, on success and inside the AbortError', async () => {
    const m = mlp(5);
    const ok = await fit(m, ds, { ...base(m), epochs: 1, batchSize: 64 });
    const ac = new AbortController();
    const err = await fit(m, ds, { ...base(m), epochs: 5, batchSize: 64, signal: ac.signal, onProgress: (p) => { if (p.epochEnd) ac.abort(); } })
      .catch((e: { history: FitHistory }) => e);
    expect(Object.keys((err as { history: FitHistory }).history).sort()).toEqual(Object.keys(ok).sort());
    expect(ok.valLoss).toBeNull();
    expect(ok.bestEpoch).toBeNull();
  });

  it('trains on batches from your own (async) iterable, a function of the epoch, or a stream rebatched by batchSize', async () => {
    const batches = Array.from({ length: 6 }, (_, i) => trainSet.getBatch(Int32Array.from({ length: 30 }, (_, j) => i * 30 + j)));
    const runs = [];
    for (const worker of [true, false]) {
      const m = mlp(6);
      const h = await fit(m, batches.map(([bx, by]) => ({ x: bx as Tensor, y: by as Int32Array })), { ...base(m), worker });
      expect(h.epochs.map((e) => e.samples)).toEqual([180, 180, 180]);
      runs.push(weights(m));
    }
    expect(runs[0]).toEqual(runs[1]);
    const m = mlp(6);
    const epochsSeen: number[] = [];
    await fit(m, (epoch: number) => { epochsSeen.push(epoch); return (async function* () { for (const b of batches) yield b as [Tensor, Int32Array]; })(); }, { ...base(m), worker: false });
    expect(epochsSeen).toEqual([0, 1, 2]);
    expect(weights(m)).toEqual(runs[0]);
    async function* once(): AsyncGenerator<[Tensor, Int32Array]> { for (const b of batches) yield b as [Tensor, Int32Array]; }
    await expect(fit(mlp(6), once(), { ...base(m), optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) }))
      .rejects.toThrow(/fit: the data gave no batches in epoch 2 \(a generator can be read only once/);
  });

  it('streams a CSV file in both modes with the same result', async () => {
    const file = join(dir, `blobs-${name}.csv`);
    const lines = ['f1,f2,f3,f4,f5,f6,label'];
    for (let i = 0; i < x.shape[0]; i++) lines.push([...x.data.subarray(i * 6, i * 6 + 6)].map((v) => v.toPrecision(9)).join(',') + `,${y[i]}`);
    writeFileSync(file, lines.join('\n'));
    const runs = [];
    for (const worker of [true, false]) {
      const m = mlp(7);
      const h = await fit(m, new CsvDataset(file, { blockRows: 50 }), { ...base(m), batchSize: 32, shuffle: true, worker });
      expect(h.epochs[0].samples).toBe(240);
      runs.push({ w: weights(m), h: numbers(h) });
    }
    expect(runs[0]).toEqual(runs[1]);
    expect((runs[0].h as FitHistory).loss[2]).toBeLessThan((runs[0].h as FitHistory).loss[0]);
  });

  it('trains your own nn.Module class in a worker from the file that exports it (moduleFile)', async () => {
    const runs = [];
    for (const worker of [true, false]) {
      manualSeed(8);
      const m = new CustomMLP(6, 10, 3);
      const h = await fit(m, trainSet, { ...base(m), batchSize: 16, worker, validationData: valSet,
        ...(worker ? { moduleFile: new URL('./fixtures/custom-mlp.ts', import.meta.url), moduleArgs: [6, 10, 3] } : {}) });
      expect(h.mode).toBe(worker ? 'worker' : 'main');
      runs.push({ w: weights(m), h: numbers(h) });
    }
    expect(runs[0]).toEqual(runs[1]);
    const m = new CustomMLP(6, 10, 3);
    await expect(fit(m, trainSet, { ...base(m), batchSize: 16, worker: true })).rejects.toThrow(/cannot train in a worker thread: .*CustomMLP.*give moduleFile/);
    await expect(fit(m, trainSet, { ...base(m), batchSize: 16, worker: true, moduleFile: new URL('./fixtures/custom-mlp.ts', import.meta.url), moduleArgs: [6, 11, 3] }))
      .rejects.toThrow(/does not have your model's state/);
  });

  it('a ReduceLROnPlateau scheduler gets the validation loss at each epoch end; clipGradNorm runs in a worker as on this thread', async () => {
    const m = mlp(10);
    const opt = new optim.SGD(m.parameters(), { lr: 0.05 });
    const sched = new optim.lrScheduler.ReduceLROnPlateau(opt);
    const metrics: number[] = [];
    const step = sched.step.bind(sched);
    sched.step = (v: number) => { metrics.push(v); return step(v); };
    const h = await fit(m, trainSet, { epochs: 3, batchSize: 16, optimizer: opt, loss: F.crossEntropy, seed: 1, validationData: valSet, scheduler: sched });
    expect(metrics).toEqual(h.valLoss);
    const runs = [];
    for (const worker of [true, false]) {
      const c = mlp(11);
      const hc = await fit(c, trainSet, { ...base(c), batchSize: 16, clipGradNorm: 0.05, worker });
      runs.push({ w: weights(c), h: numbers(hc) });
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  it('rejects data and options that do not fit, naming fit', async () => {
    const m = mlp(9);
    const o = base(m);
    await expect(fit(m, ds, o)).rejects.toThrow(/fit: batchSize is required with a dataset as data/);
    await expect(fit(m, new DataLoader(ds, { batchSize: 4 }), { ...o, batchSize: 4 })).rejects.toThrow(/set batchSize and shuffle on the DataLoader/);
    await expect(fit(m, ds, { ...o, batchSize: 4, earlyStopping: { patience: 1 } })).rejects.toThrow(/earlyStopping monitors 'valLoss', which needs validationData/);
    await expect(fit(m, ds, { ...o, batchSize: 4, earlyStopping: { patient: 1 } as never })).rejects.toThrow(/fit: earlyStopping: unknown option 'patient' \(did you mean 'patience'\?\)/);
    await expect(fit(m, 42 as never, o)).rejects.toThrow(/fit: data must be \{x, y\}, a dataset, a DataLoader/);
    await expect(fit(m, ds, { ...o, batchSize: 4, moduleArgs: [1] })).rejects.toThrow(/moduleArgs needs moduleFile/);
  });
});
