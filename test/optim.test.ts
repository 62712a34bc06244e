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

  it('WarmupCosine: linear warm-up, cosine decay to the floor, then flat', () => {
    const m = new nn.Linear(2, 2);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const s = new optim.WarmupCosine(opt, { warmupSteps: 4, totalSteps: 14, minLr: 0.01 });
    const lrs = [opt.lr];
    for (let t = 0; t < 16; t++) { s.step(); lrs.push(opt.lr); }
    const want = (t: number): number => (t < 4 ? 0.1 * (t + 1) / 5
      : 0.01 + 0.5 * 0.09 * (1 + Math.cos(Math.PI * Math.min(1, (t - 4) / 10))));
    lrs.forEach((lr, t) => expect(lr, `step ${t}`).toBeCloseTo(want(t), 15));
    expect(lrs[4]).toBeCloseTo(0.1, 15);
    expect(lrs[14]).toBeCloseTo(0.01, 15);
    expect(lrs[16]).toBeCloseTo(0.01, 15);
    expect(() => new optim.WarmupCosine(opt, { warmupSteps: 5, totalSteps: 3 })).toThrow(RangeError);
  });
});
