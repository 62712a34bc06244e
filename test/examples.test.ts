// The seed examples print what the seed prints: every deterministic line PyTorch printed
// (recorded in the goldens) appears in the examples' output.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const goldens = JSON.parse(readFileSync(new URL('../../shared/goldens/goldens.json', import.meta.url), 'utf8'));

function run(file: string): string[] {
  return execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' }).split('\n').map((l) => l.trim());
}

describe('seed examples', () => {
  it('print the seed lines PyTorch printed', () => {
    const lines = [...run('examples/seed-mlp.mjs'), ...run('examples/seed-activations.mjs')];
    for (const want of goldens.seed_printed_lines as string[]) expect(lines).toContain(want.trim());
  });
});
