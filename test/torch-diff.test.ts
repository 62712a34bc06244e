/**
 * Differential suite: seeded random cases (test/helpers/torch-cases.ts) run through PyTorch 1.13
 * in one python3 subprocess, and through neurite on every backend that loads. Without a
 * python3 with torch it says so in one line (SKIPPED, with the reason) and CI fails. `NEURITE_TORCH_SEED=n` draws another set of cases.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends, useBackend } from './helpers/backends.js';
import { describeIfAvailable } from './helpers/requires.js';
import { runTorch, torchMissing, type TorchResult } from './helpers/torch.js';
import { allCases } from './helpers/torch-cases.js';

const SEED = Number(process.env.NEURITE_TORCH_SEED ?? 20240611);
const HAVE_TORCH = torchMissing() === null;
const cases = HAVE_TORCH ? allCases(SEED) : [];
const torch = HAVE_TORCH ? runTorch(cases.map((c) => c.torch)) : { version: '', results: [] as TorchResult[] };
const groups = [...new Set(cases.map((c) => c.group))];

/**
 * Native kernels known to differ from PyTorch on the default seed, reported to the native
 * owner (see the README (How it is tested)): expected to fail there, so the day one passes this list must
 * shrink. (Empty since the native exp/tanh round like the exact function.)
 */
const KNOWN_NATIVE = new Set<string>([]);
const DEFAULT_SEED = process.env.NEURITE_TORCH_SEED === undefined;

describeIfAvailable(torchMissing(), `neurite against PyTorch (seed ${SEED})`, () => {
  it('talks to PyTorch 1.13', () => {
    expect(torch.version).toMatch(/^1\.13/);
  });

  describe.each(availableBackends())('%s backend', (name) => {
    useBackend(name);
    for (const g of groups) {
      describe(g, () => {
        cases.forEach((c, i) => {
          if (c.group !== g) return;
          const known = name === 'native' && DEFAULT_SEED && KNOWN_NATIVE.has(c.name);
          (known ? it.fails : it)(c.name, () => c.check(torch.results[i]));
        });
      });
    }
  });
});
