/**
 * Child processes for the allocation tests (malloc tuning, huge pages, fresh outputs): an ES module
 * script run by this Node with the environment's malloc settings removed (so the addon's own tuning
 * decides, as on a user's machine), its exit checked and its stdout parsed as JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

const MALLOC_VARS = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_', 'NEURITE_MALLOC', 'GLIBC_TUNABLES'];

export function runMallocChild<T>(script: string, env: Record<string, string>, o: { file?: boolean } = {}): T {
  const clean = { ...process.env };
  for (const k of MALLOC_VARS) delete clean[k];
  // file: run the script from a file (a worker thread started from a file, e.g. fit's, inherits the
  // process's execArgv, and Node refuses --input-type there)
  let dir: string | null = null;
  const args = ['--input-type=module', '-e', script];
  if (o.file) {
    dir = mkdtempSync(join(tmpdir(), 'neurite-child-'));
    writeFileSync(join(dir, 'child.mjs'), script);
    args.splice(0, 3, join(dir, 'child.mjs'));
  }
  try {
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...clean, ...env }, timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
