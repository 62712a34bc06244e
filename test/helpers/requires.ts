/**
 * Suites that need what a machine may lack (the native addon, a python3 with torch). When it is
 * there they run; when not, they say so in one line with the reason (stderr, and the skipped
 * suite's name) instead of vanishing as "1 skipped". CI (.ci/test-counts.mjs) fails on any
 * skipped suite it was not told to expect.
 */
import { describe } from 'vitest';
import { loadNative } from '../../lib/backend/native.js';

/** `describe(name, fn)` when `missing` is null; else a one-line SKIPPED notice with the reason and a skipped suite. */
export function describeIfAvailable(missing: string | null, name: string, fn: () => void): void {
  if (missing === null) {
    describe(name, fn);
    return;
  }
  process.stderr.write(`SKIPPED: "${name}": ${missing}\n`);
  describe.skip(`${name} [SKIPPED: ${missing}]`, fn);
}

/** Why the native addon is not there (null when it loads). */
export function nativeMissing(): string | null {
  const n = loadNative();
  return n.backend !== null ? null : `the native addon does not load (${n.error})`;
}
