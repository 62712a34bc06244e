import { beforeEach, describe, expect, it } from 'vitest';
import { randn } from '../lib/ops/index.js';
import { crossEntropy } from '../lib/ops/loss.js';
import { activationListenerCount } from '../lib/ops/activations.js';
import * as nn from '../lib/nn/index.js';
import * as optim from '../lib/optim/index.js';
import { manualSeed } from '../lib/random.js';
import { watch } from '../lib/diagnostics/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

const ownWrappers = (m: nn.Module): string[] =>
  m.namedModules().flatMap(([p, k]) => ['forward', 'forwardFused'].filter((f) => Object.prototype.hasOwnProperty.call(k, f)).map((f) => `${p}.${f}`));

function setup() {
  const model = new nn.Sequential(new nn.Linear(10, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 3));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const x = randn([32, 10]);
  const y = Array.from({ length: 32 }, (_, i) => i % 3);
  const step = (): number => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
  return { model, opt, x, y, step };
}

describe.each(availableBackends())('watch on the %s backend', (name) => {
  useBackend(name);
  beforeEach(() => manualSeed(11));

  it('samples every N optimizer steps, with loss, gradients and update-to-weight ratios', () => {
    const { model, opt, step } = setup();
    const w = watch(model, { every: 10, optimizer: opt });
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) losses.push(step());
    const h = w.history;
    expect(h.map((r) => r.step)).toEqual([0, 10, 20]);
    expect(w.steps).toBe(25);
    for (const r of h) {
      expect(r.loss).toBeCloseTo(losses[r.step], 5);
      expect(r.activations.map((a) => a.name)).toEqual(['1', '3']);
      expect(r.params.map((p) => p.name)).toEqual(['0', '2', '4']);
      for (const p of r.params) {
        // plain SGD: Δθ = lr·g, so ‖Δθ‖/‖θ‖ = lr·‖g‖/‖θ‖
        expect(p.updateToWeight!).toBeCloseTo(0.1 * p.gradToWeight!, 4);
        expect(p.gradNorm!).toBeGreaterThan(0);
      }
    }
    w.stop();
  });

  it('removes every hook and wrapper on stop(), and records nothing after', () => {
    const { model, opt, step } = setup();
    const listeners = activationListenerCount();
    const w = watch(model, { every: 3, optimizer: opt });
    expect(Object.prototype.hasOwnProperty.call(opt, 'step')).toBe(true);
    for (let i = 0; i < 5; i++) step();
    expect(activationListenerCount()).toBe(listeners); // only sampled forwards listen
    expect(ownWrappers(model)).toEqual(['.forward']);
    w.stop();
    expect(ownWrappers(model)).toEqual([]);
    expect(Object.prototype.hasOwnProperty.call(opt, 'step')).toBe(false);
    expect(activationListenerCount()).toBe(listeners);
    const n = w.history.length;
    expect(n).toBe(2);
    for (let i = 0; i < 7; i++) step();
    expect(w.history.length).toBe(n);
    expect(w.steps).toBe(5);
  });

  it('keeps a user forward hook working across watch and stop()', () => {
    const { model, opt, step } = setup();
    let calls = 0;
    const h = model.at(1).registerForwardHook(() => { calls++; });
    const w = watch(model, { every: 2, optimizer: opt });
    for (let i = 0; i < 4; i++) step();
    w.stop();
    step();
    expect(calls).toBe(5);
    h.remove();
    step();
    expect(calls).toBe(5);
    expect(ownWrappers(model)).toEqual([]);
  });

  it('counts training forwards without an optimizer, and skips eval forwards', () => {
    const { model, x, y } = setup();
    const w = watch(model, { every: 2 });
    for (let i = 0; i < 5; i++) {
      model.train();
      model.zeroGrad();
      crossEntropy(model.forward(x), y).backward();
      model.eval();
      model.forward(x);
    }
    expect(w.steps).toBe(5);
    expect(w.history.map((r) => r.step)).toEqual([0, 2, 4]);
    expect(w.history[2].params[0].gradNorm).toBeGreaterThan(0);
    expect(w.history[0].params[0].updateToWeight).toBeUndefined();
    w.stop();
    expect(ownWrappers(model)).toEqual([]);
    const page = w.toHTML();
    expect(page).toContain('dead-unit fraction');
    expect(JSON.parse(JSON.stringify(w)).history).toHaveLength(3);
  });

  it('sees units die during training with a too-large learning rate', () => {
    const run = (lr: number) => {
      manualSeed(11);
      const model = new nn.Sequential(new nn.Linear(10, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 4));
      const opt = new optim.SGD(model.parameters(), { lr });
      const x = randn([128, 10]);
      const y = Array.from({ length: 128 }, (_, i) => (x.data[i * 10] > 0 ? 1 : 0) + (x.data[i * 10 + 1] > 0 ? 2 : 0));
      const w = watch(model, { every: 10, optimizer: opt });
      for (let i = 0; i < 60; i++) { opt.zeroGrad(); crossEntropy(model.forward(x), y).backward(); opt.step(); }
      w.stop();
      return w.history;
    };
    const big = run(10);
    expect(big[0].activations[1].deadUnits).toBe(0);
    expect(big[big.length - 1].activations[1].deadFraction).toBeGreaterThan(0.5);
    expect(big[big.length - 1].warnings.filter((v) => v.code === 'dead-units').map((v) => v.layer)).toContain('3');
    const ok = run(1);
    expect(ok[ok.length - 1].activations[1].deadFraction).toBeLessThan(0.1);
    expect(ok[ok.length - 1].loss!).toBeLessThan(big[big.length - 1].loss!);
  });

  it('rejects a bad every', () => {
    expect(() => watch(new nn.Linear(2, 2), { every: 0 })).toThrow(RangeError);
  });
});
