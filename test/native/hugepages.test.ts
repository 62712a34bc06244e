/**
 * Transparent huge pages for fresh tensor memory (native/addon/hugepages.h; docs/benchmarks.md
 * "Memory: large results and glibc"), in child processes (dist/esm, built by pretest): after
 * large matmuls into fresh outputs the malloc heap ([heap] in /proc/self/smaps) holds
 * AnonHugePages and the first touches cost far fewer page faults; the steady state makes no
 * madvise call; NEURITE_MALLOC=no-thp and =default really turn it off; results are bit-identical
 * in every mode (placement only). Skipped on non-Linux, under the sanitizers (ASan's allocator
 * refuses the malloc tuning) and when the kernel's THP setting is 'never'.
 */
import { expect, it } from 'vitest';
import { runMallocChild } from '../helpers/child.js';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nativeInfo } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

const ROOT = resolve(__dirname, '../..');
const ENTRY = join(ROOT, 'dist/esm/index.js').replace(/\\/g, '/');
const NATIVE = join(ROOT, 'dist/esm/backend/native.js').replace(/\\/g, '/');
const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
const thpMode = existsSync(THP) ? (/\[(\w+)\]/.exec(readFileSync(THP, 'utf8')) ?? [])[1] : undefined;

// A function in the children's source: the AnonHugePages (KB) of the [heap] mappings (heap = true) or of all the
// others (false), from /proc/self/smaps (readFileSync in scope).
const HUGE_KB = `function hugeKB(heap) {
      let kb = 0, inHeap = false;
      for (const l of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
        if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) inHeap = l.endsWith('[heap]');
        const m = /^AnonHugePages:\\s+(\\d+)/.exec(l);
        if (m && inHeap === heap) kb += Number(m[1]);
      }
      return kb;
    }`;

interface Run { malloc: string; heapHugeKB: number; firstFaults: number; steadyAdvises: number; bits: number[] }

function run(env: Record<string, string>): Run {
  // 24 fresh 4 MB results ([1024, 1] x [1, 1024]: almost no arithmetic), then 40 more in the
  // steady state; the AnonHugePages of the [heap] mappings; a checksum of a product's bits
  const script = `import * as nt from '${ENTRY}';
    import { nativeInfo } from '${NATIVE}';
    import { readFileSync } from 'node:fs';
    ${HUGE_KB}
    const a = nt.randn([1024, 1]), b = nt.randn([1, 1024]);
    const keep = [];
    const f0 = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 24; i++) keep.push(nt.matmul(a, b));
    const firstFaults = (process.resourceUsage().minorPageFault - f0) / 24;
    const heapHugeKB = hugeKB(true);
    keep.length = 0;
    for (let i = 0; i < 30; i++) nt.matmul(a, b);
    const adv0 = nativeInfo().hugePageAdvises;
    for (let i = 0; i < 40; i++) nt.matmul(a, b);
    const steadyAdvises = nativeInfo().hugePageAdvises - adv0;
    nt.manualSeed(3);
    const x = nt.randn([300, 700]), w = nt.randn([700, 500]);
    const y = nt.F.relu(nt.matmul(x, w));
    const u = new Uint32Array(y.data.buffer, y.data.byteOffset, y.size);
    let h1 = 0, h2 = 0;
    for (let i = 0; i < u.length; i++) { h1 = (h1 + u[i]) >>> 0; h2 = (Math.imul(h2, 31) + u[i]) >>> 0; }
    process.stdout.write(JSON.stringify({ malloc: nt.backendInfo().malloc, heapHugeKB, firstFaults, steadyAdvises, bits: [h1, h2] }));`;
  return runMallocChild(script, { NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: '1', ...env });
}

const skip: string | null = nativeMissing()
  ?? (process.platform !== 'linux' ? 'transparent huge pages: Linux only' : undefined)
  ?? (nativeInfo()?.sanitized ? 'sanitized build: ASan\'s allocator refuses the malloc tuning' : undefined)
  ?? (thpMode === undefined ? `no ${THP}: kernel without transparent huge pages` : undefined)
  ?? (thpMode === 'never' ? `transparent huge pages are 'never' here (${THP})` : undefined)
  ?? null;

describeIfAvailable(skip, 'transparent huge pages for fresh outputs (native, Linux)', () => {
  it('the heap takes huge pages, first touches fault ~once per 2 MB, no madvise in the steady state; NEURITE_MALLOC=no-thp / default turn it off; bits unchanged', () => {
    const on = run({});
    expect(on.malloc).toBe(`tuned, huge pages (THP ${thpMode})`);
    // 24 live 4 MB results: ~96 MB of fresh heap, nearly all of it in 2 MB pages
    expect(on.heapHugeKB).toBeGreaterThanOrEqual(32 * 1024);
    expect(on.steadyAdvises).toBe(0);
    const off = run({ NEURITE_MALLOC: 'no-thp' });
    expect(off.malloc).toBe('tuned, no huge pages (NEURITE_MALLOC=no-thp)');
    const dflt = run({ NEURITE_MALLOC: 'default' });
    expect(dflt.malloc).toBe('default (NEURITE_MALLOC=default)');
    expect(off.steadyAdvises).toBe(0);
    expect(dflt.steadyAdvises).toBe(0);
    if (thpMode === 'madvise') {
      // nothing else in the process asks for huge pages: without the advice the heap has none
      expect(off.heapHugeKB).toBe(0);
      expect(dflt.heapHugeKB).toBe(0);
      // each fresh 4 MB result is 1,024 pages of 4 KiB (this VM measured ~1,000 per result
      // without huge pages, under 100 with them)
      expect(off.firstFaults).toBeGreaterThan(512);
      expect(on.firstFaults).toBeLessThan(off.firstFaults / 4);
    }
    expect(on.bits).toEqual(off.bits);
    expect(on.bits).toEqual(dflt.bits);
  });

  it('a worker thread\'s malloc arena (fit\'s default worker) takes huge pages too; not with NEURITE_MALLOC=no-thp', () => {
    const worker = (env: Record<string, string>) => {
      // 256 KB results ([256, 1] x [1, 256]) in a worker: its own glibc arena, outside [heap]
      const body = `const nt = await import('${ENTRY}');
        const { parentPort } = await import('node:worker_threads');
        const { readFileSync } = await import('node:fs');
        const a = nt.randn([256, 1]), b = nt.randn([1, 256]);
        const keep = [];
        const f0 = process.resourceUsage().minorPageFault;
        for (let i = 0; i < 200; i++) keep.push(nt.matmul(a, b));
        const faults = (process.resourceUsage().minorPageFault - f0) / 200;
        const outsideHeapHugeKB = hugeKB(false);
        ${HUGE_KB}
        parentPort.postMessage({ faults, outsideHeapHugeKB });`;
      const script = `import { Worker } from 'node:worker_threads';
        const w = new Worker(${JSON.stringify(body)}, { eval: true });
        w.on('message', (m) => { process.stdout.write(JSON.stringify(m)); w.terminate(); });
        w.on('error', (e) => { console.error(e); process.exit(1); });`;
      return runMallocChild<{ faults: number; outsideHeapHugeKB: number }>(script, { NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: '1', ...env });
    };
    const on = worker({}), off = worker({ NEURITE_MALLOC: 'no-thp' });
    // 200 live 256 KB results: 50 MB in the worker's arena, most of it in 2 MB pages
    expect(on.outsideHeapHugeKB).toBeGreaterThanOrEqual(16 * 1024);
    if (thpMode === 'madvise') {
      expect(off.outsideHeapHugeKB).toBe(0);
      expect(off.faults).toBeGreaterThan(32); // 64 pages of 4 KiB per result
      expect(on.faults).toBeLessThan(off.faults / 4);
    }
  });
  it('fit in a worker thread: its arena, full past its first 64 MB heap before the first large kernel call, takes huge pages', () => {
    // W3 (784-512-512-10, batch 128) trained by fit in a worker: the worker's arena fills its first 64 MB heap
    // before any large array reaches a kernel, glibc puts the next heap right after it and the kernel merges
    // their read-write parts; before session 10 that heap was not recognised and filled in 4 KiB pages
    // (~45 faults a step in epoch 3, here ~0.2)
    const script = `import * as nt from '${ENTRY}';
      const { nn, optim, F, manualSeed, randn, fit } = nt;
      manualSeed(1);
      const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
      const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const n = 30 * 128, x = randn([n, 784]), y = Array.from({ length: n }, (_, j) => j % 10);
      const marks = [];
      const h = await fit(model, { x, y }, { epochs: 3, batchSize: 128, optimizer, loss: F.crossEntropy, seed: 1, worker: true,
        progressIntervalMs: 1e9, onProgress: (p) => { if (p.epochEnd) marks.push(process.resourceUsage().minorPageFault); } });
      process.stdout.write(JSON.stringify({ mode: h.mode, faultsPerStep: (marks[2] - marks[1]) / 30 }));`;
    const r = runMallocChild<{ mode: string; faultsPerStep: number }>(script, { NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: '1' });
    expect(r.mode).toBe('worker');
    if (thpMode === 'madvise') expect(r.faultsPerStep).toBeLessThan(10);
  });
});
