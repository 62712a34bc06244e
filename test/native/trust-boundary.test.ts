/**
 * The addon's trust boundary: random wrong arguments to every raw function (in a child
 * process, so a crash fails this test instead of killing the runner) must each throw a
 * TypeError or RangeError naming the function, and the process must stay alive.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNative, nativeAddonPath } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';


describeIfAvailable(nativeMissing(), 'native addon trust boundary', () => {
  it('every wrong call throws TypeError/RangeError and the process survives', () => {
    const child = fileURLToPath(new URL('./fixtures/fuzz-child.cjs', import.meta.url));
    const r = spawnSync(process.execPath, [child, nativeAddonPath(), '200'], { encoding: 'utf8', env: process.env, timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { calls: number };
    expect(out.calls).toBeGreaterThan(3000);
  });
});
