/**
 * Fresh kernel outputs (lib/ops/util.ts outputArray) and the native addon's glibc malloc tuning
 * (native/addon/addon.cc MallocTuning): backendInfo().malloc says what is in effect and honours
 * NEURITE_MALLOC=default and the user's own glibc tunables; with the tuning a fresh 4 MB
 * `matmul` result reuses memory the process already has (page faults counted, not timed); and
 * a loop of 10,000 matmuls with fresh 1 MB results keeps RSS bounded on every backend.
 * Each check runs in a child process (dist/esm, built by pretest), as a user's program would.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { availableBackends } from './helpers/backends.js';
import { describeIfAvailable, nativeMissing } from './helpers/requires.js';
import { nativeInfo } from '../lib/backend/native.js';

const ENTRY = join(resolve(__dirname, '..'), 'dist/esm/index.js').replace(/\\/g, '/');

function child(body: string, env: Record<string, string>): unknown {
  const script = `import * as nt from '${ENTRY}';\n${body}`;
  const clean = { ...process.env };
  for (const k of ['MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_', 'MALLOC_MMAP_MAX_', 'NEURITE_MALLOC']) delete clean[k];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...clean, ...env }, timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const INFO = 'process.stdout.write(JSON.stringify(nt.backendInfo().malloc));';

describe.each(availableBackends())('fresh outputs (%s backend)', (name) => {
  const env = { NEURITE_BACKEND: name };
  const tunes = name === 'native' && nativeInfo()?.sanitized === false;

  it('backendInfo().malloc: tuned on native (unsanitized glibc), default with NEURITE_MALLOC=default or user tunables', () => {
    expect(child(INFO, env)).toBe(name === 'js' ? 'default (js backend)' : tunes ? 'tuned' : 'default (mallopt refused)');
    if (name === 'js') return;
    expect(child(INFO, { ...env, NEURITE_MALLOC: 'default' })).toBe('default (NEURITE_MALLOC=default)');
    expect(child(INFO, { ...env, MALLOC_TRIM_THRESHOLD_: '1000000' })).toBe('default (glibc malloc tunables set by the environment)');
  });

  // js: 2,000 (its GEMM loop is slower; still 2 GB if every result leaked)
  const loops = name === 'native' ? 10000 : 2000;
  it(`${loops} matmuls with fresh 1 MB results: RSS stays bounded`, () => {
    const r = child(`
      const a = nt.randn([256, 1]), b = nt.randn([1, 1024]);
      let rss1 = 0, s = 0;
      for (let i = 0; i < ${loops}; i++) {
        const y = nt.matmul(a, b);
        s += y.data[i % y.size];
        if (i === 999) rss1 = process.memoryUsage().rss;
      }
      process.stdout.write(JSON.stringify({ rss1, rss2: process.memoryUsage().rss, ok: Number.isFinite(s) }));`, env) as { rss1: number; rss2: number; ok: boolean };
    expect(r.ok).toBe(true);
    // the results after the first 1,000 would be 1-9 GB if they leaked; V8 collects them at GC
    expect(r.rss2 - r.rss1).toBeLessThan(512 * 2 ** 20);
    expect(r.rss2).toBeLessThan(1536 * 2 ** 20);
  });
});

describeIfAvailable(nativeMissing(), 'fresh outputs: page faults (native)', () => {
  it('a fresh 4 MB matmul result reuses memory: far fewer page faults than its 1,024 pages', () => {
    if (nativeInfo()!.sanitized) { expect(child(INFO, {})).toBe('default (mallopt refused)'); return; } // ASan's allocator
    // [1024, 1] x [1, 1024]: a 4 MB result for almost no arithmetic
    const faults = child(`
      const a = nt.randn([1024, 1]), b = nt.randn([1, 1024]);
      for (let i = 0; i < 50; i++) nt.matmul(a, b);
      const f0 = process.resourceUsage().minorPageFault;
      let s = 0;
      for (let i = 0; i < 200; i++) s += nt.matmul(a, b).data[i];
      process.stdout.write(JSON.stringify((process.resourceUsage().minorPageFault - f0) / 200));`, { NEURITE_BACKEND: 'native' }) as number;
    // without the tuning (NEURITE_MALLOC=default) this machine measured 700-1,000 per result
    expect(faults).toBeLessThan(256);
  });
});
