import { beforeEach, describe, expect, it } from 'vitest';
import { Tensor } from '../lib/tensor.js';
import { tensor, randn, zeros, log } from '../lib/ops/index.js';
import * as F from '../lib/functional.js';
import * as nn from '../lib/nn/index.js';
import { manualSeed, getRngState } from '../lib/random.js';
import { diagnose, summary, type ActivationRow, type ParamRow } from '../lib/diagnostics/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

/** A Linear whose units 0..dead-1 have bias -100 and the rest +100, with small weights. */
function deadAlive(inF: number, dead: number, alive: number): nn.Linear {
  const l = new nn.Linear(inF, dead + alive);
  l.weight.data.forEach((_, i, a) => { a[i] = 0.01 * Math.sin(i + 1); });
  for (let u = 0; u < dead + alive; u++) l.bias!.data[u] = u < dead ? -100 : 100;
  return l;
}

const act = (r: ReturnType<typeof diagnose>, name: string): ActivationRow => {
  const row = r.layer(name);
  if (!row || row.type !== 'activation') throw new Error(`no activation row '${name}' in ${r.layers.map((l) => l.name).join(',')}`);
  return row;
};
const par = (r: ReturnType<typeof diagnose>, name: string): ParamRow => {
  const row = r.layer(name);
  if (!row || row.type !== 'params') throw new Error(`no params row '${name}'`);
  return row;
};
const codes = (r: { warnings: { code: string }[] }): string[] => r.warnings.map((w) => w.code);

describe.each(availableBackends())('diagnose on the %s backend', (name) => {
  useBackend(name);
  beforeEach(() => manualSeed(7));

  it('counts dead units exactly: bias -100 dead, +100 alive (fused Sequential path)', () => {
    const m = new nn.Sequential(deadAlive(4, 3, 5), new nn.ReLU(), new nn.Linear(8, 2));
    const r = diagnose(m, randn([50, 4]));
    const a = act(r, '1');
    expect(a).toMatchObject({ kind: 'relu', source: 'module', fused: true, units: 8, samples: 50, deadUnits: 3, deadIndices: [0, 1, 2] });
    expect(a.zeroFraction).toBe(3 / 8);
    expect(a.deadFraction).toBe(3 / 8);
    expect(r.warnings.find((w) => w.code === 'dead-units')?.layer).toBe('1');
    expect(r.layers.map((l) => l.name)).toEqual(['0', '1', '2']);
  });

  it('gives the same counts when a hook turns fusion off', () => {
    const m = new nn.Sequential(deadAlive(4, 2, 6), new nn.ReLU(), new nn.Linear(8, 2));
    const h = m.at(1).registerForwardHook(() => {});
    const a = act(diagnose(m, randn([20, 4])), '1');
    h.remove();
    expect(a).toMatchObject({ fused: false, deadUnits: 2, deadIndices: [0, 1], input: '0' });
    expect(a.zeroFraction).toBe(0.25);
  });

  it('names functional activations inside custom forwards after the op and the running module', () => {
    class DeepReLU extends nn.Module {
      fc1 = deadAlive(10, 16, 48);
      fc2 = new nn.Linear(64, 1);
      forward(x: Tensor): Tensor { return this.fc2.forward(F.relu(this.fc1.forward(x))); }
    }
    class Outer extends nn.Module {
      block = new DeepReLU();
      forward(x: Tensor): Tensor { return F.tanh(F.relu(this.block.forward(x))); }
    }
    const r = diagnose(new Outer(), randn([200, 10]));
    const inner = act(r, 'block.relu');
    expect(inner).toMatchObject({ source: 'functional', module: 'block', input: 'block.fc1', units: 64, deadUnits: 16 });
    expect(act(r, 'relu')).toMatchObject({ source: 'functional', module: '', input: 'block.fc2' }); // the innermost module that made it
    expect(act(r, 'tanh').kind).toBe('tanh');
    expect(r.layers.map((l) => l.name)).toEqual(['block.fc1', 'block.relu', 'block.fc2', 'relu', 'tanh']);
  });

  it('suffixes repeated calls, PyTorch-fx style', () => {
    class Twice extends nn.Module {
      fc = new nn.Linear(3, 3);
      act = new nn.ReLU();
      forward(x: Tensor): Tensor { return this.act.forward(this.fc.forward(this.act.forward(F.relu(F.relu(x))))); }
    }
    const names = diagnose(new Twice(), randn([4, 3])).activations.map((a) => a.name);
    expect(names).toEqual(['relu', 'relu_1', 'act', 'act_1']);
  });

  it('measures saturation and pre/post moments exactly', () => {
    const lin = new nn.Linear(4, 4);
    lin.weight.data.fill(0);
    lin.bias!.data.set([100, -100, 0, 0]);
    const sig = diagnose(new nn.Sequential(lin, new nn.Sigmoid()), randn([10, 4]));
    const s = act(sig, '1');
    expect(s.saturatedFraction).toBe(0.5);
    expect(s.deadUnits).toBe(1); // sigmoid(-100) is 0 in float32: no gradient either
    expect(s.preMean).toBeCloseTo(0, 6);
    expect(s.preStd).toBeCloseTo(Math.sqrt(5000), 3);
    expect(s.postMean).toBeCloseTo(0.5, 6);
    expect(s.postStd).toBeCloseTo(Math.sqrt(0.125), 6);
    expect(codes(sig)).toContain('saturation');
    const th = act(diagnose(new nn.Sequential(lin, new nn.Tanh()), randn([10, 4])), '1');
    expect(th.saturatedFraction).toBe(0.5);
    const relu = act(diagnose(new nn.Sequential(lin, new nn.ReLU()), randn([10, 4])), '1');
    expect(relu.saturatedFraction).toBe(0);
  });

  it('computes gradient norms and the grad-to-weight ratio of a known case', () => {
    const l = new nn.Linear(3, 1, { bias: false });
    l.weight.data.set([1, 2, 2]); // ‖W‖ = 3
    const wrap = new nn.Sequential(l);
    // out = 5, mse = 25, dL/dout = 10, dL/dW = 10·x = [10, 10, 10]
    const r = diagnose(wrap, tensor([[1, 1, 1]]), { target: zeros([1, 1]) });
    const p = par(r, '0');
    expect(r.loss).toBeCloseTo(25, 4);
    expect(r.lossKind).toBe('mse');
    expect(p.weightNorm).toBeCloseTo(3, 6);
    expect(p.gradNorm!).toBeCloseTo(10 * Math.sqrt(3), 4);
    expect(p.gradToWeight!).toBeCloseTo((10 * Math.sqrt(3)) / 3, 4);
    expect(p.nonFiniteGrad).toBe(0);
  });

  it('leaves gradients, BatchNorm statistics and the random stream as they were', () => {
    const m = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(6, 3));
    const p0 = m.parameters()[0];
    p0.grad = new Tensor(new Float32Array(p0.size).fill(7), p0.shape);
    const bn = m.at(1) as nn.BatchNorm1d;
    const rm = bn.running_mean.data.slice();
    const x = randn([16, 4]);
    const rng = getRngState();
    const r = diagnose(m, x, { target: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0] });
    expect(getRngState()).toEqual(rng);
    expect(Array.from(bn.running_mean.data)).toEqual(Array.from(rm));
    expect(p0.grad!.data.every((v) => v === 7)).toBe(true);
    expect(m.parameters()[2].grad).toBeNull();
    expect(par(r, '0').gradNorm).toBeGreaterThan(0);
  });

  it('flags vanishing gradients in a 10-layer sigmoid MLP at default init, not in a ReLU MLP with He init', () => {
    const mlp = (act: () => nn.Module, he: boolean): nn.Sequential => {
      const mods: nn.Module[] = [];
      for (let i = 0; i < 10; i++) {
        const l = new nn.Linear(32, i === 9 ? 4 : 32);
        if (he) { nn.init.kaimingNormal_(l.weight, { nonlinearity: 'relu' }); nn.init.zeros_(l.bias!); }
        mods.push(l);
        if (i < 9) mods.push(act());
      }
      return new nn.Sequential(...mods);
    };
    const x = randn([64, 32]);
    const y = Array.from({ length: 64 }, (_, i) => i % 4);
    const sig = diagnose(mlp(() => new nn.Sigmoid(), false), x, { target: y });
    const w = sig.warnings.find((v) => v.code === 'vanishing-gradient');
    expect(w?.layer).toBe('0');
    const g = sig.gradients;
    expect(g[0].gradNorm! / g[g.length - 1].gradNorm!).toBeLessThan(1e-3);
    const relu = diagnose(mlp(() => new nn.ReLU(), true), x, { target: y });
    expect(codes(relu)).not.toContain('vanishing-gradient');
    expect(relu.gradients).toHaveLength(10);
  });

  it('flags exploding gradients', () => {
    const m = new nn.Sequential(new nn.Linear(8, 8), new nn.ReLU(), new nn.Linear(8, 1));
    (m.at(2) as nn.Linear).weight.data.forEach((v, i, a) => { a[i] = v * 1e5; });
    const r = diagnose(m, randn([32, 8]), { target: zeros([32, 1]) });
    expect(codes(r)).toContain('exploding-gradient');
  });

  it('names the first op and layer that produced NaN', () => {
    class LogBlock extends nn.Module {
      fc = new nn.Linear(4, 4);
      forward(x: Tensor): Tensor { return log(this.fc.forward(x)); }
    }
    class Net extends nn.Module {
      block = new LogBlock();
      head = new nn.Linear(4, 2);
      forward(x: Tensor): Tensor { return this.head.forward(this.block.forward(x)); }
    }
    const net = new Net();
    net.block.fc.bias!.data.fill(-50); // every log argument negative: NaN
    const r = diagnose(net, randn([8, 4]));
    const w = r.warnings.find((v) => v.code === 'non-finite');
    expect(w?.layer).toBe('block');
    expect(w?.message).toContain("'log'");
    const ok = new Net();
    ok.block.fc.bias!.data.fill(50);
    expect(codes(diagnose(ok, randn([8, 4])))).not.toContain('non-finite');
  });

  it('reports non-finite gradients and weights per layer', () => {
    const m = new nn.Sequential(new nn.Linear(3, 3), new nn.ReLU(), new nn.Linear(3, 1));
    (m.at(2) as nn.Linear).weight.data[0] = Infinity;
    const r = diagnose(m, randn([4, 3]), { target: zeros([4, 1]) });
    expect(par(r, '2').nonFiniteWeight).toBe(1);
    expect(r.warnings.filter((w) => w.code === 'non-finite').map((w) => w.layer)).toContain('2');
  });

  it('finds Linear layers that feed each other in a custom forward (linear-collapse)', () => {
    class NoAct extends nn.Module {
      fc1 = new nn.Linear(6, 8);
      drop = new nn.Dropout(0.5);
      fc2 = new nn.Linear(8, 8);
      fc3 = new nn.Linear(8, 2);
      forward(x: Tensor): Tensor { return this.fc3.forward(this.drop.forward(this.fc2.forward(this.fc1.forward(x)))); }
    }
    const r = diagnose(new NoAct().eval(), randn([5, 6]));
    const w = r.warnings.filter((v) => v.code === 'linear-collapse');
    expect(w).toHaveLength(1);
    expect(w[0].layer).toBe('fc1');
    expect(w[0].message).toContain('fc1 → fc2 → fc3');
    expect(w[0].message).toContain('Linear(6, 2)');
    class WithAct extends NoAct {
      forward(x: Tensor): Tensor { return this.fc3.forward(F.relu(this.fc2.forward(F.gelu(this.fc1.forward(x))))); }
    }
    expect(codes(diagnose(new WithAct().eval(), randn([5, 6])))).not.toContain('linear-collapse');
  });

  it('warns about training mode with Dropout or BatchNorm, not in eval', () => {
    const m = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Dropout(0.5), new nn.Linear(8, 2));
    expect(diagnose(m, randn([8, 4])).warnings.find((w) => w.code === 'training-mode')?.layer).toBe('2');
    expect(codes(diagnose(m.eval(), randn([8, 4])))).not.toContain('training-mode');
    const plain = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
    expect(codes(diagnose(plain, randn([8, 4])))).not.toContain('training-mode');
  });

  it('checks the initial cross-entropy against ln(classes)', () => {
    const m = new nn.Sequential(new nn.Linear(16, 32), new nn.ReLU(), new nn.Linear(32, 10));
    const x = randn([64, 16]);
    const y = Array.from({ length: 64 }, (_, i) => i % 10);
    const ok = diagnose(m, x, { target: y });
    expect(ok.loss!).toBeCloseTo(Math.log(10), 0);
    expect(codes(ok)).not.toContain('loss-at-init');
    (m.at(2) as nn.Linear).weight.data.forEach((v, i, a) => { a[i] = v * 200; });
    const bad = diagnose(m, x, { target: y });
    expect(codes(bad)).toContain('loss-at-init');
    expect(codes(diagnose(m, x, { target: y, atInit: false }))).not.toContain('loss-at-init');
  });

  it('flags a final activation before a logits loss', () => {
    const m = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1), new nn.Sigmoid());
    const x = randn([6, 4]), y = zeros([6, 1]);
    expect(diagnose(m, x, { target: y, loss: 'bceWithLogits' }).warnings.find((w) => w.code === 'final-activation')?.layer).toBe('3');
    expect(codes(diagnose(m, x, { target: y, loss: 'mse' }))).not.toContain('final-activation');
  });

  it('prints a table, plain JSON and a summary', () => {
    const m = new nn.Sequential(deadAlive(4, 3, 5), new nn.ReLU(), new nn.Linear(8, 3));
    const r = diagnose(m, randn([10, 4]), { target: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0] });
    const s = r.toString();
    expect(s).toMatch(/^layer\s+kind\s+units\s+dead/m);
    expect(s).toContain('[dead-units]');
    const j = JSON.parse(JSON.stringify(r));
    expect(j.layers.map((l: { name: string }) => l.name)).toEqual(['0', '1', '2']);
    expect(j.layers[1].deadUnits).toBe(3);
    expect(j.warnings[0]).toEqual({ code: 'dead-units', layer: '1', message: expect.any(String) });
    const sum = summary(r);
    expect(sum.split('\n').length).toBeLessThanOrEqual(8);
    expect(sum).toContain('3/8 units dead');
    expect(sum).toContain('dead-units');
  });

  it('rejects what it cannot diagnose with TypeErrors naming diagnose', () => {
    expect(() => diagnose({} as nn.Module, randn([1, 1]))).toThrow(TypeError);
    expect(() => diagnose(new nn.Linear(2, 2), [1, 2] as unknown as Tensor)).toThrow(/diagnose/);
    expect(() => diagnose(new nn.Linear(2, 2), randn([1, 3]))).toThrow(RangeError);
  });
});
