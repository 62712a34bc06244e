/**
 * The backends a suite runs against: every one that loads here (js always; native when the
 * addon is built). Use as
 *
 *   describe.each(availableBackends())('%s backend', (name) => { useBackend(name); ... });
 *
 * so the same assertions hold for each implementation of the Backend interface.
 */
import { afterAll, beforeAll } from 'vitest';
import { availableBackends as loaded, backend, nativeError, setBackend, type BackendName } from '../../lib/backend/index.js';

let told = false;
/**
 * Names of the backends that load on this machine ('js' first). Without the native addon the
 * native half of every `describe.each` is gone: say so once per test file, with the reason.
 */
export function availableBackends(): BackendName[] {
  const names = loaded();
  if (!names.includes('native') && !told) {
    told = true;
    process.stderr.write(`SKIPPED: the native half of this file's per-backend suites: the native addon does not load (${nativeError()})\n`);
  }
  return names;
}

/** Switch to `name` for the enclosing describe block, and back afterwards. */
export function useBackend(name: BackendName): void {
  let prev: BackendName;
  beforeAll(() => {
    prev = backend();
    setBackend(name);
  });
  afterAll(() => {
    setBackend(prev);
  });
}
