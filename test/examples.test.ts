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
