/**
 * The backends a suite runs against: every one that loads here (js always; native when the
 * addon is built). Use as
 *
 *   describe.each(availableBackends())('%s backend', (name) => { useBackend(name); ... });
 *
 * so the same assertions hold for each implementation of the Backend interface.
 */
import { afterAll, beforeAll } from 'vitest';
import { availableBackends as loaded, backend, setBackend, type BackendName } from '../../lib/backend/index.js';

/** Names of the backends that load on this machine ('js' first). */
export function availableBackends(): BackendName[] {
  return loaded();
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
