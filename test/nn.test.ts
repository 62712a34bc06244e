/** Modules: PyTorch names, parameters, modes, state dicts, hooks, the fused path, init, seeds. */
import { describe, expect, it } from 'vitest';
import { F, Tensor, manualSeed, nn, randn, tensor } from '../lib/index.js';
import { Module } from '../lib/nn/module.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { expectClose } from './helpers/goldens.js';

class MLP extends Module {
  fc1 = new nn.Linear(10, 64);
  fc2 = new nn.Linear(64, 64);
  fc3 = new nn.Linear(64, 1);
  forward(x: Tensor): Tensor { return this.fc3.forward(F.relu(this.fc2.forward(F.relu(this.fc1.forward(x))))); }
}

describe.each(availableBackends())('nn (%s backend)', (name) => {
  useBackend(name);

  it('names parameters as PyTorch: fc1.weight for attributes, 0.weight for Sequential children', () => {
    const m = new MLP();
    expect(m.namedParameters().map(([k]) => k)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']);
    expect(m.numParameters()).toBe(4929);
    expect(m.parameters()).toHaveLength(6);
    const s = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    expect(Object.keys(s.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(new nn.Linear(3, 2, { bias: false }).namedParameters().map(([k]) => k)).toEqual(['weight']);
  });

  it('train / eval reach every submodule; dropout and batch norm follow the mode', () => {
    const s = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5), new nn.BatchNorm1d(4));
    expect(s.modules().every((m) => m.training)).toBe(true);
    s.eval();
    expect(s.modules().every((m) => !m.training)).toBe(true);
    const x = randn([6, 4]);
    expect(Array.from(s.forward(x).data)).toEqual(Array.from(s.forward(x).data));
    s.train();
    expect(s.at(1).training).toBe(true);
  });

  it('stateDict is a copy-free view; loadStateDict round-trips into a fresh model', () => {
    manualSeed(1);
    const a = new MLP();
    manualSeed(2);
    const b = new MLP();
    b.loadStateDict(a.stateDict());
    const x = randn([5, 10]);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
  });

  it('registerForwardHook sees input and output; remove() detaches it', () => {
    const s = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU());
    const seen: number[][] = [];
    const h = s.at(1).registerForwardHook((_m, inp, out) => { seen.push(out.shape); expect(inp[0].shape).toEqual([2, 4]); });
    s.forward(randn([2, 3]));
    expect(seen).toEqual([[2, 4]]);
    h.remove();
    s.forward(randn([2, 3]));
    expect(seen).toHaveLength(1);
    expect(s.at(1).hasForwardHooks()).toBe(false);
  });

  it('Linear on an (8, 64, 512) input gives (8, 64, out) and matches the 2-D product', () => {
    manualSeed(3);
    const l = new nn.Linear(512, 32);
    const x = randn([8, 64, 512]);
    const y = l.forward(x);
    expect(y.shape).toEqual([8, 64, 32]);
    const y2 = l.forward(x.reshape([512, 512]));
    expect(Array.from(y.data)).toEqual(Array.from(y2.data));
  });

  it('Sequential fused path equals the unfused path, forward and backward, for every activation', () => {
    const acts = (): nn.Module[] => [new nn.ReLU(), new nn.LeakyReLU(0.1), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }),
      new nn.Sigmoid(), new nn.Tanh(), new nn.ELU(0.7)];
    acts().forEach((_, k) => {
      manualSeed(4);
      const fused = new nn.Sequential(new nn.Linear(6, 5), acts()[k], new nn.Linear(5, 2));
      const plain = new nn.Sequential(new nn.Linear(6, 5), acts()[k], new nn.Linear(5, 2));
      plain.loadStateDict(fused.stateDict());
      const hook = plain.at(1).registerForwardHook(() => undefined); // a hook turns fusion off
      const x = randn([7, 6]);
      const yf = fused.forward(x), yp = plain.forward(x);
      expectClose(yf.data, yp.data, `forward ${k}`, { rel: 1e-6, abs: 1e-7 });
      yf.sum().backward();
      yp.sum().backward();
      fused.parameters().forEach((p, i) => expectClose(p.grad!.data, plain.parameters()[i].grad!.data, `grad ${k}.${i}`, { rel: 1e-5, abs: 1e-6 }));
      hook.remove();
    });
  });

  it('manualSeed makes initialisation and randn reproducible', () => {
    manualSeed(42);
    const a = new MLP(), ra = randn([3]);
    manualSeed(42);
    const b = new MLP(), rb = randn([3]);
    expect(Array.from(a.fc2.weight.data)).toEqual(Array.from(b.fc2.weight.data));
    expect(Array.from(ra.data)).toEqual(Array.from(rb.data));
    manualSeed(43);
    expect(Array.from(new MLP().fc2.weight.data)).not.toEqual(Array.from(a.fc2.weight.data));
  });

  it('nn.init: constant, zeros, ones, fans, bounds; errors on 1-D fans', () => {
    const t = tensor(new Float32Array(12), [3, 4]);
    expect(Array.from(nn.init.constant_(t, 0.5).data).every((v) => v === 0.5)).toBe(true);
    expect(Array.from(nn.init.ones_(t).data).every((v) => v === 1)).toBe(true);
    expect(Array.from(nn.init.zeros_(t).data).every((v) => v === 0)).toBe(true);
    manualSeed(5);
    const u = nn.init.uniform_(tensor(new Float32Array(1000), [1000]), -0.25, 0.5);
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-0.25);
    expect(Math.max(...u.data)).toBeLessThan(0.5);
    expect(() => nn.init.kaimingUniform_(tensor(new Float32Array(3), [3]))).toThrow(RangeError);
    expect(nn.init.calculateGain('selu')).toBe(0.75);
  });
});
