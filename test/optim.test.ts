/** Optimizers' state dicts and the warm-up cosine schedule. */
import { describe, expect, it } from 'vitest';
import { F, manualSeed, nn, optim, randn } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

function trainSteps(opt: optim.Optimizer<{ lr: number }>, m: nn.Module, n: number): void {
  manualSeed(7);
  const x = randn([8, 4]), y = randn([8, 2]);
  for (let i = 0; i < n; i++) {
    opt.zeroGrad();
    F.mseLoss(m.forward(x), y).backward();
    opt.step();
  }
}

describe.each(availableBackends())('optim (%s backend)', (name) => {
  useBackend(name);

  const makers: [string, (ps: nn.Parameter[]) => optim.Optimizer<{ lr: number }>][] = [
    ['SGD momentum', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, weightDecay: 1e-3 })],
    ['SGD nesterov', (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
    ['Adam', (ps) => new optim.Adam(ps, { lr: 1e-2 })],
    ['AdamW', (ps) => new optim.AdamW(ps, { lr: 1e-2, weightDecay: 0.1 })],
  ];
  for (const [label, make] of makers) {
    it(`${label}: stateDict round trip resumes bit for bit (through JSON)`, () => {
      manualSeed(1);
      const a = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
      const optA = make(a.parameters());
      trainSteps(optA, a, 3);
      const b = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
      b.loadStateDict(a.stateDict());
      const optB = make(b.parameters());
      optB.loadStateDict(JSON.parse(JSON.stringify(optA.stateDict())));
      trainSteps(optA, a, 2);
      trainSteps(optB, b, 2);
      a.parameters().forEach((p, i) => expect(Array.from(b.parameters()[i].data)).toEqual(Array.from(p.data)));
    });
  }

  it('loadStateDict rejects state for a wrong parameter count or size', () => {
    const m = new nn.Linear(2, 2);
    const opt = new optim.Adam(m.parameters());
    expect(() => opt.loadStateDict({ state: { 5: { step: 1 } }, paramGroups: [{ lr: 1 }] })).toThrow(RangeError);
    expect(() => opt.loadStateDict({ state: { 0: { exp_avg: [1, 2, 3] } }, paramGroups: [{ lr: 1 }] })).toThrow(/exp_avg/);
  });

  it('parameter groups: per-group options over the defaults, lr writable, addParamGroup, strict keys', () => {
    const a = new nn.Linear(2, 2), b = new nn.Linear(2, 1);
    const opt = new optim.SGD([{ params: a.parameters(), lr: 0.1 }, { params: b.parameters(), weightDecay: 0 }], { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
    expect(opt.paramGroups.map((g) => [g.lr, g.momentum, g.weightDecay])).toEqual([[0.1, 0.9, 1e-4], [0.01, 0.9, 0]]);
    opt.paramGroups[1].lr = 0.5;
    expect(opt.stateDict().param_groups[1]).toMatchObject({ lr: 0.5, weight_decay: 0, params: [2, 3] });
    expect(() => opt.addParamGroup({ params: a.weight })).toThrow(/more than one parameter group/);
    const c = new nn.Linear(1, 1);
    opt.addParamGroup({ params: c.parameters(), momentum: 0 });
    expect(opt.paramGroups[2]).toMatchObject({ lr: 0.01, momentum: 0 });
    expect(() => opt.addParamGroup({ params: new nn.Linear(1, 1).parameters(), weight_decay: 0 } as never)).toThrow(/unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
    expect(() => new optim.SGD([{ params: a.parameters() }], { lr: -1 })).toThrow(/invalid learning rate/);
    expect(() => new optim.Adam(a.parameters(), { betas: [0.9, 1] })).toThrow(/beta parameter at index 1/);
    expect(() => new optim.SGD(a.parameters(), { lr: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new optim.RMSprop(a.parameters(), { alpha: -1 })).toThrow(/alpha/);
    expect(() => new optim.Adagrad(a.parameters(), { lrDecay: -1 })).toThrow(/lr_decay/);
    // Adagrad's sums start at the constructor's initialAccumulatorValue, also for a group with its own (PyTorch 1.13)
    const ada = new optim.Adagrad([{ params: [a.weight] }, { params: [b.weight], initialAccumulatorValue: 0.5 }], { initialAccumulatorValue: 0.25 });
    expect(ada.paramGroups[1].initialAccumulatorValue).toBe(0.5);
    expect([...ada.stateDict().state[1].sum as number[]]).toEqual(new Array(b.weight.size).fill(0.25));
    expect(() => opt.loadStateDict({ state: {}, param_groups: [] })).toThrow(/number of parameter groups/);
  });

  it('schedulers: warm-up then cosine (what WarmupCosine did) with SequentialLR; strict options; getLastLr', () => {
    const m = new nn.Linear(2, 2);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const { LinearLR, CosineAnnealingLR, SequentialLR, StepLR } = optim.lrScheduler;
    const s = new SequentialLR(opt, [new LinearLR(opt, { startFactor: 0.2, totalIters: 4 }), new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.01 })], { milestones: [4] });
    const lrs = [opt.lr];
    for (let t = 0; t < 14; t++) { opt.step(); s.step(); lrs.push(opt.lr); }
    expect(lrs[0]).toBeCloseTo(0.02, 15);
    expect(lrs[4]).toBeCloseTo(0.1, 15);
    expect(lrs[14]).toBeCloseTo(0.01, 15);
    expect(s.getLastLr()).toEqual([lrs[14]]);
    expect(() => new StepLR(opt, { stepSize: 3, step_size: 3 } as never)).toThrow(/unknown option 'step_size'/);
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(RangeError);
    expect(() => new StepLR(opt, { stepSize: 2, lastEpoch: 5 })).not.toThrow(); // initial_lr set above
    expect(() => new StepLR(new optim.SGD(m.parameters(), { lr: 1 }), { stepSize: 2, lastEpoch: 5 })).toThrow(/initial_lr/);
  });
});
