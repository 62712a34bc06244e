/**
 * Threaded and single-threaded GEMM give the same bits: products large enough for the thread
 * pool, computed with a pool of 1 and of 4 threads (NEURITE_NUM_THREADS, fresh processes), each
 * by four callers at once (main thread + three worker threads, so the pool is also contended).
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nativeAddonPath } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

describeIfAvailable(nativeMissing(), 'GEMM bits do not depend on the thread count', () => {
  it('1 thread and 4 threads, four concurrent callers: identical outputs', () => {
    const child = fileURLToPath(new URL('./fixtures/gemm-threads-child.cjs', import.meta.url));
    const run = (threads: number): { hashes: string[]; threads: number } => {
      const r = spawnSync(process.execPath, [child, nativeAddonPath()], { encoding: 'utf8', env: { ...process.env, NEURITE_NUM_THREADS: String(threads) }, timeout: 240_000 });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim());
    };
    const one = run(1), four = run(4);
    expect(one.threads).toBe(1);
    expect(four.threads).toBe(4);
    expect(four.hashes).toEqual(one.hashes);
    expect(new Set(one.hashes).size).toBe(one.hashes.length); // distinct products, not one constant
  });
});
