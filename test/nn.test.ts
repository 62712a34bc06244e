/** Modules: PyTorch names, parameters, modes, state dicts, hooks, the fused path, init, seeds. */
import { describe, expect, it } from 'vitest';
import { F, Tensor, manualSeed, nn, noGrad, randn, tensor } from '../lib/index.js';
import { Module } from '../lib/nn/module.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { getBackend } from '../lib/backend/index.js';
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

  it('Dropout and BatchNorm1d compute differently in train and eval mode', () => {
    manualSeed(11);
    const drop = new nn.Dropout(0.5);
    const ones = tensor(new Float32Array(4000).fill(1), [4000]);
    const yt = Array.from(drop.forward(ones).data);
    const kept = yt.filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true); // survivors scaled by 1/(1-p)
    expect(Math.abs(kept.length / 4000 - 0.5)).toBeLessThan(0.05);
    drop.eval();
    expect(Array.from(drop.forward(ones).data)).toEqual(Array.from(ones.data)); // identity in eval

    const bn = new nn.BatchNorm1d(3);
    const x = randn([64, 3]).mul(3).add(5);
    const rm0 = Array.from(bn.running_mean.data), rv0 = Array.from(bn.running_var.data);
    const train = bn.forward(x); // batch statistics: each column ~ mean 0, var 1; running stats move
    for (let c = 0; c < 3; c++) {
      const col = Array.from({ length: 64 }, (_, r) => train.data[r * 3 + c]);
      expect(Math.abs(col.reduce((a, v) => a + v, 0) / 64)).toBeLessThan(1e-5);
    }
    const rm1 = Array.from(bn.running_mean.data), rv1 = Array.from(bn.running_var.data);
    expect(rm1).not.toEqual(rm0);
    expect(rv1).not.toEqual(rv0);
    bn.eval();
    const ev = bn.forward(x); // running statistics, which stay put
    expect(Array.from(bn.running_mean.data)).toEqual(rm1);
    expect(Array.from(bn.running_var.data)).toEqual(rv1);
    for (let i = 0; i < 6; i++) {
      const c = i % 3;
      expect(ev.data[i]).toBeCloseTo((x.data[i] - rm1[c]) / Math.sqrt(rv1[c] + 1e-5), 4);
    }
    expect(Array.from(ev.data)).not.toEqual(Array.from(train.data));
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

  it('a Linear(+activation) stack in inference is one chain call, bit-identical to the layer-by-layer path', () => {
    const acts = (): nn.Module[] => [new nn.ReLU(), new nn.LeakyReLU(0.1), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }),
      new nn.Sigmoid(), new nn.Tanh(), new nn.ELU(0.7)];
    for (let k = 0; k < acts().length; k++) {
      manualSeed(10 + k);
      // 1, 2 and 4 layers (one and two scratch buffers), a trailing activation, no bias, a 3-D input
      const layers: nn.Module[][] = [
        [new nn.Linear(6, 5), acts()[k]],
        [new nn.Linear(6, 9), acts()[k], new nn.Linear(9, 3, { bias: false })],
        [new nn.Linear(6, 17), acts()[k], new nn.Linear(17, 4), new nn.Linear(4, 33), acts()[k], new nn.Linear(33, 2), acts()[k]],
      ];
      for (const mods of layers) {
        const chain = new nn.Sequential(...mods);
        const x = randn([3, 7, 6]);
        const want = chain.forward(x); // grad enabled: module by module, graph recorded
        const got = noGrad(() => chain.forward(x));
        expect(got.shape).toEqual(want.shape);
        expect(got.gradFn).toBeNull();
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
        // a second call reuses the scratch: the first result must be untouched
        const again = noGrad(() => chain.forward(randn([3, 7, 6])));
        expect(Array.from(got.data)).toEqual(Array.from(want.data));
        expect(again.shape).toEqual(want.shape);
      }
    }
  });

  it('in inference, each Linear(+activation) run between other modules is one chain call (one mechanism for any mix)', () => {
    manualSeed(30);
    const s = new nn.Sequential(new nn.Linear(6, 12), new nn.ReLU(), new nn.Linear(12, 12), new nn.Tanh(), new nn.Dropout(0.3),
      new nn.LayerNorm(12), new nn.Linear(12, 5), new nn.GELU(), new nn.Linear(5, 3), new nn.Identity());
    s.eval();
    const x = randn([4, 6]);
    const want = s.forward(x); // grad enabled: module by module
    const backend = getBackend(name);
    const calls: number[] = [];
    const orig = backend.linearChain;
    backend.linearChain = function (this: unknown, ...a: Parameters<typeof orig>) { calls.push((a[2] as Float64Array).length); return orig.apply(this, a); };
    try {
      const got = noGrad(() => s.forward(x));
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
      expect(calls).toEqual([1 + 5 * 2, 1 + 5 * 2]); // [Linear, ReLU, Linear, Tanh] and [Linear, GELU, Linear], each with its weight keys
      // a hook on one layer of the second run sends that run module by module; the first stays one call
      calls.length = 0;
      let seen = 0;
      const h = s.at(6).registerForwardHook(() => { seen++; });
      expect(Array.from(noGrad(() => s.forward(x)).data)).toEqual(Array.from(want.data));
      expect(seen).toBe(1);
      expect(calls).toEqual([11]);
      h.remove();
    } finally {
      backend.linearChain = orig;
    }
  });

  it('the chain path steps aside for hooks, wrapped forwards, replaced weights and wrong inputs', () => {
    manualSeed(20);
    const s = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
    const x = randn([5, 4]);
    const want = Array.from(s.forward(x).data);
    let seen = 0;
    const h = s.at(1).registerForwardHook(() => { seen++; });
    expect(Array.from(noGrad(() => s.forward(x)).data)).toEqual(want);
    expect(seen).toBe(1);
    h.remove();
    const l = s.at(2) as nn.Linear;
    l.forward = function (this: nn.Linear, t: Tensor): Tensor { seen++; return nn.Linear.prototype.forward.call(this, t); };
    noGrad(() => s.forward(x));
    expect(seen).toBe(2);
    delete (l as { forward?: unknown }).forward;
    // a weight replaced by one of another shape: the layer-by-layer path names the mismatch
    l.weight = new nn.Parameter(randn([2, 3]));
    expect(() => noGrad(() => s.forward(x))).toThrow(/linear: input's last dim must equal in_features/);
    l.weight = new nn.Parameter(randn([2, 8]));
    expect(() => noGrad(() => s.forward(randn([5, 3])))).toThrow(/linear: input's last dim/);
    expect(noGrad(() => s.forward(randn([0, 4]))).shape).toEqual([0, 2]);
    // appending a module that is not a Linear or an activation turns the chain off
    s.append(new nn.Dropout(0.5));
    s.eval();
    expect(noGrad(() => s.forward(x)).shape).toEqual([5, 2]);
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
