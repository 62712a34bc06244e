/**
 * The native addon's glibc malloc tuning (native/addon/addon.cc MallocTuning; docs/benchmarks.md
 * "Memory: large results and glibc"): with it a fresh 4 MB `matmul` result reuses memory the
 * process already has, counted in page faults (not timed) in a child process (dist/esm, built
 * by pretest). backendInfo().malloc per backend and environment: test/output-array.test.ts.
 */
import { expect, it } from 'vitest';
import { runMallocChild } from '../helpers/child.js';
import { join, resolve } from 'node:path';
import { nativeInfo } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

const ENTRY = join(resolve(__dirname, '../..'), 'dist/esm/index.js').replace(/\\/g, '/');

function faultsPerResult(env: Record<string, string>): { faults: number; malloc: string } {
  // [1024, 1] x [1, 1024]: a 4 MB result for almost no arithmetic
  const script = `import * as nt from '${ENTRY}';
    const a = nt.randn([1024, 1]), b = nt.randn([1, 1024]);
    for (let i = 0; i < 50; i++) nt.matmul(a, b);
    const f0 = process.resourceUsage().minorPageFault;
    let s = 0;
    for (let i = 0; i < 200; i++) s += nt.matmul(a, b).data[i];
    process.stdout.write(JSON.stringify({ faults: (process.resourceUsage().minorPageFault - f0) / 200, malloc: nt.backendInfo().malloc }));`;
  return runMallocChild(script, { NEURITE_BACKEND: 'native', ...env });
}

describeIfAvailable(nativeMissing(), 'malloc tuning (native)', () => {
  it('a fresh 4 MB matmul result reuses memory: far fewer page faults than its 1,024 pages', () => {
    const r = faultsPerResult({});
    if (nativeInfo()!.sanitized) { expect(r.malloc).toBe('default (mallopt refused)'); return; } // ASan's allocator
    expect(r.malloc).toMatch(/^tuned, /);
    // without the tuning (NEURITE_MALLOC=default) this machine measured 650-1,000 per result
    expect(r.faults).toBeLessThan(256);
  });
});
