// worker_threads: several workers load the library (and the native addon when it is built)
// and train at once, with results bit-identical to the same runs one after another.
import { describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from './helpers/backends.js';
import { F, InferencePool, Tensor, fit, manualSeed, nn, noGrad, optim, randn } from '../lib/index.js';

function setup(seed: number): { m: nn.Module; opt: optim.Adam; x: Tensor; y: number[] } {
  manualSeed(seed);
  const m = new nn.Sequential(new nn.Linear(20, 32), new nn.GELU(), new nn.Dropout(0.1), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 4));
  const x = randn([96, 20]);
  const y = Array.from({ length: 96 }, (_, i) => (i * 7 + seed) % 4);
  return { m, opt: new optim.Adam(m.parameters(), { lr: 0.003 }), x, y };
}

async function train(seed: number): Promise<{ w: number[][]; loss: number[]; mode: string }> {
  const { m, opt, x, y } = setup(seed);
  const h = await fit(m, { x, y }, { epochs: 4, batchSize: 16, optimizer: opt, loss: F.crossEntropy, seed: seed * 31 });
  return { w: m.parameters().map((p) => Array.from(p.data)), loss: h.loss, mode: h.mode };
}

describe.each(availableBackends())('worker threads on the %s backend', (name) => {
  useBackend(name);

  it('four workers train four models concurrently, bit-identical to sequential runs', async () => {
    const seeds = [1, 2, 3, 4];
    const concurrent = await Promise.all(seeds.map(train));
    const sequential = [];
    for (const s of seeds) sequential.push(await train(s));
    expect(concurrent.map((r) => r.mode)).toEqual(['worker', 'worker', 'worker', 'worker']);
    expect(concurrent).toEqual(sequential);
    expect(concurrent[0].w).not.toEqual(concurrent[1].w);
  });

  it('an inference pool of three workers serves concurrent requests of two models', async () => {
    const pool = new InferencePool({ size: 3 });
    try {
      const a = setup(5).m.eval(), b = setup(6).m.eval();
      const ha = pool.load(a);
      const xs = Array.from({ length: 30 }, (_, i) => randn([1 + (i % 4), 20]));
      const got = await Promise.all(xs.map((xi, i) => (i % 2 ? ha.forward(xi) : pool.forward(b, xi))));
      got.forEach((t, i) => expect(Array.from(t.data)).toEqual(Array.from(noGrad(() => (i % 2 ? a : b).forward(xs[i])).data)));
    } finally {
      await pool.close();
    }
  });
});
