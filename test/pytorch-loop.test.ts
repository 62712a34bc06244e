/**
 * examples/pytorch-loop.mjs, the line-by-line port of test/fixtures/pytorch-loop/train.py,
 * gives PyTorch 1.13's losses, gradient norms and learning rates (the fixture's losses.json),
 * through a checkpoint and resume, on every backend.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableBackends } from './helpers/backends.js';

const root = fileURLToPath(new URL('..', import.meta.url));
interface Step { epoch: number; loss: number; norm: number; lr: number[] }
const want = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/pytorch-loop/losses.json', import.meta.url)), 'utf8')) as { torch: string; steps: Step[] };

describe.each(availableBackends())('examples/pytorch-loop.mjs on the %s backend', (name) => {
  it("prints PyTorch's losses, norms and learning rates step for step (48 steps, resumed after 24)", () => {
    const out = execFileSync(process.execPath, ['examples/pytorch-loop.mjs'], { cwd: root, encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: name } });
    const got = out.trim().split('\n').map((l) => JSON.parse(l) as Step);
    expect(want.torch).toMatch(/^1\.13/);
    expect(got.length).toBe(want.steps.length);
    const bad: string[] = [];
    got.forEach((g, i) => {
      const w = want.steps[i];
      // float32 training: the roundings differ by an ulp here and there, and 48 steps carry them
      if (!(Math.abs(g.loss - w.loss) <= 2e-6 * Math.abs(w.loss))) bad.push(`step ${i} loss ${g.loss} vs ${w.loss}`);
      if (!(Math.abs(g.norm - w.norm) <= 2e-6 * Math.abs(w.norm))) bad.push(`step ${i} norm ${g.norm} vs ${w.norm}`);
      g.lr.forEach((lr, j) => { if (!(Math.abs(lr - w.lr[j]) <= 1e-12 * w.lr[j])) bad.push(`step ${i} lr[${j}] ${lr} vs ${w.lr[j]}`); });
    });
    expect(bad).toEqual([]);
  });
});
