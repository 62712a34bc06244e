// The seed examples print what the seed prints: every deterministic line PyTorch printed
// (recorded in the goldens) appears in the examples' output.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { goldens } from './helpers/goldens.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const gold = goldens();

function run(file: string): string[] {
  return execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' }).split('\n').map((l) => l.trim());
}

describe('seed examples', () => {
  it('print the seed lines PyTorch printed', () => {
    const lines = [...run('examples/seed-mlp.mjs'), ...run('examples/seed-activations.mjs')];
    for (const want of gold.seed_printed_lines as string[]) expect(lines).toContain(want.trim());
  });
});

describe('breast-cancer example (README: split, standardise, DataLoader, fit with validation and early stopping)', () => {
  it('stops early on the validation loss and classifies the held-out rows', () => {
    const out = run('examples/breast-cancer.mjs').join('\n');
    const m = /epochs run: (\d+), best epoch: (\d+)\nvalidation loss ([\d.]+), accuracy ([\d.]+)%/.exec(out);
    expect(m, out).not.toBeNull();
    const [ran, best, , acc] = m!.slice(1).map(Number);
    expect(ran).toBe(best + 5); // patience 5
    expect(ran).toBeLessThan(100);
    expect(acc).toBeGreaterThan(93);
  });
});

describe('a class of your own trained in a worker from the compiled package (moduleFile)', () => {
  it('trains MLP from examples/custom-mlp.mjs in a worker and learns the digits', () => {
    const out = run('examples/train-custom-in-worker.mjs');
    expect(out).toContain('mode: worker');
    const acc = Number(/validation accuracy: ([\d.]+)%/.exec(out.join('\n'))![1]);
    expect(acc).toBeGreaterThan(85);
  });
});
