/** The addon is context-aware: it loads and computes in worker_threads next to the main thread. */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNative, nativeAddonPath } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

describeIfAvailable(nativeMissing(), 'native addon in worker_threads', () => {
  it('loads in two workers and the main thread, same results, errors still JS errors', () => {
    const child = fileURLToPath(new URL('./fixtures/worker-child.cjs', import.meta.url));
    const r = spawnSync(process.execPath, [child, nativeAddonPath()], { encoding: 'utf8', env: process.env, timeout: 60_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { main: { sum: number; threw: boolean }; workers: { sum: number; threw: boolean }[] };
    expect(out.workers).toHaveLength(2);
    for (const w of out.workers) {
      expect(w.sum).toBe(out.main.sum);
      expect(w.threw).toBe(true);
    }
    expect(out.main.threw).toBe(true);
  });
});
