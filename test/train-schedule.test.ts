/**
 * Schedulers and clipping in the training loop: fit's scheduler (per epoch, per batch,
 * ReduceLROnPlateau) and clipGradNorm against the same loop written by hand, and checkpoints
 * that carry the scheduler so a resumed run's rates and weights continue exactly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { F, fit, io, manualSeed, nn, optim, randn, type Tensor } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

const dir = mkdtempSync(join(tmpdir(), 'neurite-sched-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(): { model: nn.Sequential; opt: optim.SGD; x: Tensor; y: number[] } {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const [l1, , l2] = model.children() as nn.Linear[];
  const opt = new optim.SGD([{ params: l1.parameters(), lr: 0.2 }, { params: l2.parameters() }], { lr: 0.05, momentum: 0.9 });
  const x = randn(24, 4);
  const y = Array.from({ length: 24 }, (_, i) => i % 3);
  return { model, opt, x, y };
}

describe.each(availableBackends())('%s backend', (name) => {
  useBackend(name);

  it('fit with a per-batch OneCycleLR and clipGradNorm equals the loop written by hand', async () => {
    const a = setup();
    const sa = new optim.lrScheduler.OneCycleLR(a.opt, { maxLr: [0.5, 0.1], totalSteps: 3 * 3 });
    const h = await fit(a.model, { x: a.x, y: a.y }, { epochs: 3, batchSize: 8, optimizer: a.opt, loss: F.crossEntropy, shuffle: false,
      scheduler: sa, schedulerStep: 'batch', clipGradNorm: 0.5, seed: 1 });
    expect(h.mode).toBe('main');
    const b = setup();
    const sb = new optim.lrScheduler.OneCycleLR(b.opt, { maxLr: [0.5, 0.1], totalSteps: 9 });
    for (let e = 0; e < 3; e++) {
      for (let s = 0; s < 3; s++) {
        const xb = b.x.data.slice(s * 8 * 4, (s + 1) * 8 * 4);
        const loss = F.crossEntropy(b.model.forward(new (b.x.constructor as typeof Tensor)(xb, [8, 4])), b.y.slice(s * 8, (s + 1) * 8));
        b.opt.zeroGrad();
        loss.backward();
        nn.utils.clipGradNorm_(b.model.parameters(), 0.5);
        b.opt.step();
        sb.step();
      }
    }
    expect(sa.getLastLr()).toEqual(sb.getLastLr());
    a.model.parameters().forEach((p, i) => expect(p.data, `parameter ${i}`).toEqual(b.model.parameters()[i].data));
  });

  it('fit steps a scheduler per epoch (StepLR) and ReduceLROnPlateau with the epoch loss; rejects a scheduler of another optimizer', async () => {
    const a = setup();
    const s = new optim.lrScheduler.StepLR(a.opt, { stepSize: 2, gamma: 0.5 });
    await fit(a.model, { x: a.x, y: a.y }, { epochs: 4, batchSize: 8, optimizer: a.opt, loss: F.crossEntropy, scheduler: s });
    expect(s.getLastLr()).toEqual([0.2 * 0.25, 0.05 * 0.25]);
    const p = new optim.lrScheduler.ReduceLROnPlateau(a.opt, { patience: 0, factor: 0.5, threshold: 10 }); // never "better" (best * (1 - 10) < 0): halves every epoch
    await fit(a.model, { x: a.x, y: a.y }, { epochs: 3, batchSize: 8, optimizer: a.opt, loss: F.crossEntropy, scheduler: p });
    expect(p.getLastLr()).toEqual([0.2 * 0.25 * 0.125, 0.05 * 0.25 * 0.125]);
    const other = new optim.SGD(a.model.parameters(), { lr: 1 });
    await expect(fit(a.model, { x: a.x, y: a.y }, { epochs: 1, batchSize: 8, optimizer: other, loss: F.crossEntropy, scheduler: s })).rejects.toThrow(/another optimizer/);
    await expect(fit(a.model, { x: a.x, y: a.y }, { epochs: 1, batchSize: 8, optimizer: a.opt, loss: F.crossEntropy, scheduler: s, worker: true })).rejects.toThrow(/scheduler/);
    await expect(fit(a.model, { x: a.x, y: a.y }, { epochs: 1, batchSize: 8, optimizer: a.opt, loss: F.crossEntropy, clipGradNorm: -1 })).rejects.toThrow(RangeError);
  });

  it('clipGradNorm in the worker gives the same weights as on this thread (an optimizer a scheduler once drove included)', async () => {
    const a = setup(), b = setup();
    new optim.lrScheduler.OneCycleLR(a.opt, { maxLr: 0.1, totalSteps: 10 }); // leaves initialLr, maxLr, ... in the groups
    new optim.lrScheduler.OneCycleLR(b.opt, { maxLr: 0.1, totalSteps: 10 });
    const o = { epochs: 2, batchSize: 8, loss: 'crossEntropy' as const, clipGradNorm: 0.3, seed: 4 };
    const ha = await fit(a.model, { x: a.x, y: a.y }, { ...o, optimizer: a.opt, worker: true });
    const hb = await fit(b.model, { x: b.x, y: b.y }, { ...o, optimizer: b.opt, worker: false });
    expect(ha.mode).toBe('worker');
    expect(ha.loss).toEqual(hb.loss);
    a.model.parameters().forEach((p, i) => expect(p.data).toEqual(b.model.parameters()[i].data));
  });

  it('a checkpoint carries the scheduler: a resumed run continues with the same rates and weights', async () => {
    const run = (stopAt: number | null): { lrs: number[][]; w: Float32Array[] } => {
      const a = setup();
      let opt = a.opt;
      let model = a.model;
      let s = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 3, tMult: 2 });
      const lrs: number[][] = [];
      for (let t = 0; t < 12; t++) {
        const loss = F.crossEntropy(model.forward(a.x), a.y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        s.step();
        lrs.push(s.getLastLr());
        if (t === stopAt) {
          const path = join(dir, `ck-${name}.ckpt`);
          io.saveCheckpointSync(path, { model, optimizer: opt, scheduler: s, step: t + 1 });
          const fresh = setup();
          model = fresh.model;
          opt = fresh.opt;
          s = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 3, tMult: 2 });
          io.loadCheckpointSync(path, { model, optimizer: opt, scheduler: s });
        }
      }
      return { lrs, w: model.parameters().map((p) => p.data) };
    };
    const whole = run(null), resumed = run(4);
    expect(resumed.lrs).toEqual(whole.lrs);
    resumed.w.forEach((w, i) => expect(w).toEqual(whole.w[i]));
    const { model, opt } = setup();
    const path = join(dir, `ck2-${name}.ckpt`);
    io.saveCheckpointSync(path, { model, optimizer: opt, scheduler: new optim.lrScheduler.StepLR(opt, { stepSize: 2 }), step: 0 });
    expect(() => io.loadCheckpointSync(path, { model, optimizer: opt, scheduler: new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.5 }) })).toThrow(/StepLR state/);
  });
});
