import { beforeEach, describe, expect, it } from 'vitest';
import { Tensor } from '../lib/tensor.js';
import { randn, allclose } from '../lib/ops/index.js';
import * as F from '../lib/functional.js';
import * as nn from '../lib/nn/index.js';
import { manualSeed, getRngState } from '../lib/random.js';
import { lint, html, activationCurves, diagnose } from '../lib/diagnostics/index.js';
import { ACTIVATIONS } from '../lib/ops/activations.js';
import { availableBackends, useBackend } from './helpers/backends.js';

const maxRel = (a: Tensor, b: Tensor): number => {
  let m = 0, s = 0;
  for (let i = 0; i < a.size; i++) s = Math.max(s, Math.abs(b.data[i]));
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m / Math.max(s, 1e-30);
};

describe.each(availableBackends())('collapseLinear, lint and the HTML report on the %s backend', (name) => {
  useBackend(name);
  beforeEach(() => manualSeed(3));

  it('folds runs of activation-free Linear layers into one, with the same output', () => {
    const m = new nn.Sequential(new nn.Linear(5, 7), new nn.Linear(7, 3), new nn.ReLU(), new nn.Linear(3, 4), new nn.Identity(),
      new nn.Linear(4, 6), new nn.Linear(6, 2, { bias: false }));
    const rng = getRngState();
    const c = nn.collapseLinear(m) as nn.Sequential;
    expect(getRngState()).toEqual(rng);
    expect(c.children().map((k) => k.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect([(c.at(0) as nn.Linear).inFeatures, (c.at(0) as nn.Linear).outFeatures]).toEqual([5, 3]);
    expect([(c.at(2) as nn.Linear).inFeatures, (c.at(2) as nn.Linear).outFeatures]).toEqual([3, 2]);
    const x = randn([9, 5]);
    const y0 = m.forward(x), y1 = c.forward(x);
    expect(maxRel(y0, y1)).toBeLessThan(1e-5);
    expect(allclose(y0, y1, 1e-4, 1e-5)).toBe(true);
    // a copy: training the folded model leaves the original alone
    (c.at(0) as nn.Linear).weight.data.fill(0);
    expect(maxRel(m.forward(x), y0)).toBe(0);
  });

  it('folds a purely linear 10-layer stack to one Linear (the seed theorem)', () => {
    const layers = Array.from({ length: 10 }, (_, i) => new nn.Linear(i === 0 ? 8 : 16, i === 9 ? 3 : 16));
    const m = new nn.Sequential(...layers);
    const c = nn.collapseLinear(m) as nn.Sequential;
    expect(c.length).toBe(1);
    const x = randn([32, 8]);
    expect(maxRel(m.forward(x), c.forward(x))).toBeLessThan(1e-5);
  });

  it('folds Sequentials inside custom modules and keeps the custom forward', () => {
    class Net extends nn.Module {
      body = new nn.Sequential(new nn.Linear(4, 8), new nn.Linear(8, 8));
      head = new nn.Linear(8, 2);
      forward(x: Tensor): Tensor { return this.head.forward(F.relu(this.body.forward(x))); }
    }
    const n = new Net();
    const c = nn.collapseLinear(n) as Net;
    expect(c).toBeInstanceOf(Net);
    expect(c.body.length).toBe(1);
    expect(c.head).not.toBe(n.head);
    const x = randn([6, 4]);
    expect(maxRel(n.forward(x), c.forward(x))).toBeLessThan(1e-5);
    expect(c.stateDict()['head.weight'].data).toEqual(n.head.weight.data);
  });

  it('lints linear collapse, deep sigmoid stacks and a final activation before a logits loss', () => {
    const collapse = lint(new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.1), new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 2)));
    expect(collapse.map((w) => [w.code, w.layer])).toEqual([['linear-collapse', '0']]);
    expect(collapse[0].message).toContain('0 → 2');

    const deep: nn.Module[] = [];
    for (let i = 0; i < 6; i++) deep.push(new nn.Linear(8, 8), new nn.Sigmoid());
    const w = lint(new nn.Sequential(...deep));
    expect(w.map((x) => x.code).sort()).toEqual(['final-activation', 'vanishing-gradient']);
    expect(w.find((x) => x.code === 'vanishing-gradient')?.layer).toBe('1');
    expect(lint(new nn.Sequential(...deep), { loss: 'mse' }).map((x) => x.code)).toEqual(['vanishing-gradient']);

    const shallow = lint(new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 1)));
    expect(shallow).toEqual([]);
    const healthy = lint(new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Sequential(new nn.Linear(8, 8), new nn.GELU()), new nn.Linear(8, 2)));
    expect(healthy).toEqual([]);
    const nested = lint(new nn.Sequential(new nn.Sequential(new nn.Linear(4, 8)), new nn.Linear(8, 2)));
    expect(nested.map((x) => x.message.slice(0, 9))).toEqual(['0.0 → 1: ']);
  });

  it('computes the activation chart from the table (derivatives match finite differences)', () => {
    const curves = activationCurves();
    expect(curves.map((c) => c.name)).toEqual(['relu', 'leakyRelu', 'gelu', 'sigmoid', 'tanh', 'elu']);
    const sig = curves.find((c) => c.name === 'sigmoid')!;
    expect(Math.max(...sig.df)).toBeCloseTo(0.25, 4);
    for (const c of curves) {
      for (let i = 1; i + 1 < c.x.length; i++) {
        if (Math.abs(c.x[i]) < 0.06) continue; // ReLU's kink
        const fd = (c.f[i + 1] - c.f[i - 1]) / (c.x[i + 1] - c.x[i - 1]);
        expect(Math.abs(fd - c.df[i])).toBeLessThan(0.01);
      }
    }
    expect(ACTIVATIONS.relu.canDie).toBe(true);
  });

  it('writes a self-contained HTML page with inline SVG', () => {
    const m = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const r = diagnose(m, randn([16, 4]), { target: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0] });
    const page = r.toHTML({ title: 'test <report>' });
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('test &#60;report&#62;');
    expect((page.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html({ activationChart: false })).not.toContain('Activation functions');
  });
});
