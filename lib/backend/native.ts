/**
 * Loader for the native backend (the Node-API addon). Placeholder until the native issue:
 * it reports that no addon is built, so selection falls back to the js backend.
 */
import type { Backend } from './types.js';

export interface NativeLoad {
  backend: Backend | null;
  /** Why the addon did not load (shown once on stderr, and in the error of NEURITE_BACKEND=native). */
  error: string | null;
}

export function loadNative(): NativeLoad {
  return { backend: null, error: 'the native addon is not built yet' };
}
