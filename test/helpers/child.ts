/**
 * Child processes for the allocation tests (malloc tuning, huge pages, fresh outputs): an ES module
 * script run by this Node with the environment's malloc settings removed (so the addon's own tuning
 * decides, as on a user's machine), its exit checked and its stdout parsed as JSON.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';

const MALLOC_VARS = ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_', 'NEURITE_MALLOC', 'GLIBC_TUNABLES'];

export function runMallocChild<T>(script: string, env: Record<string, string>): T {
  const clean = { ...process.env };
  for (const k of MALLOC_VARS) delete clean[k];
  // --input-type=module -e: a worker the script starts (fit's, InferencePool's) must not inherit
  // --input-type (lib/worker/spawn.ts workerExecArgv), so this also runs that case
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...clean, ...env }, timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
