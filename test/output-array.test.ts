// Kernel outputs (lib/ops/util.ts outputArray): small ones are views into a shared slab, so they
// must stay independent of each other and survive the slab being transferred away (postMessage
// with a transfer list). Large ones are malloc'd, and the native addon tunes glibc malloc
// (native/addon/addon.cc MallocTuning) so freed outputs are reused: backendInfo().malloc says
// what is in effect and honours NEURITE_MALLOC=default and the user's own glibc tunables (the
// page faults of a fresh result: test/native/malloc.test.ts); a loop of 10,000 matmuls
// with fresh 256 KB results keeps RSS bounded on every backend. Those run in a child process
// (dist/esm, built by pretest), as a user's program would. A large result stays an ordinary
// ArrayBuffer (transfer, structuredClone, Buffer.from, safetensors).
import { describe, expect, it } from 'vitest';
import { outputArray, unfilledArray } from '../lib/ops/util.js';
import { runMallocChild } from './helpers/child.js';
import { join, resolve } from 'node:path';
import { nativeInfo } from '../lib/backend/native.js';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { availableBackends, useBackend } from './helpers/backends.js';
import { matmul, randn } from '../lib/index.js';
import { safetensorsFromBuffer, safetensorsToBuffer } from '../lib/io/safetensors.js';

describe('outputArray', () => {
  it('gives non-overlapping arrays of the asked length at every size class (zeroed below the unfilled large class)', () => {
    for (const n of [0, 1, 16, 17, 32, 64, 65, 1000, 16384]) {
      const a = outputArray(n), b = outputArray(n);
      expect(a.length).toBe(n);
      if (n < 16384) expect(Array.from(a).every((v) => v === 0)).toBe(true);
      b.fill(0);
      a.fill(1);
      expect(Array.from(b).every((v) => v === 0)).toBe(true);
    }
  });

  it('unfilledArray: an array of its own at every size (transferable), zeroed below 64 KB', () => {
    for (const n of [0, 1, 65, 16383, 16384, 40000]) {
      const a = unfilledArray(n);
      expect(a.length).toBe(n);
      expect(a.byteOffset).toBe(0);
      expect(a.buffer.byteLength).toBe(n * 4);
      if (n < 16384) expect(a.every((v) => v === 0)).toBe(true);
    }
  });

  it('keeps working after a slab was transferred to another thread', () => {
    const a = outputArray(32);
    a.fill(3);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    expect(a.length).toBe(0); // detached, as a transferred buffer is
    const b = outputArray(32);
    expect(b.length).toBe(32);
    b.fill(2);
    expect(b[31]).toBe(2);
  });
});

const ENTRY = join(resolve(__dirname, '..'), 'dist/esm/index.js').replace(/\\/g, '/');

function child(body: string, env: Record<string, string>): unknown {
  const script = `import * as nt from '${ENTRY}';\n${body}`;
  return runMallocChild(script, env);
}

const INFO = 'process.stdout.write(JSON.stringify(nt.backendInfo().malloc));';

describe.each(availableBackends())('fresh outputs (%s backend)', (name) => {
  const env = { NEURITE_BACKEND: name };
  useBackend(name);

  it('a large result is an ordinary ArrayBuffer: postMessage transfer, structuredClone, Buffer.from, safetensors', () => {
    const y = matmul(randn([256, 1]), randn([1, 128])); // 32,768 floats: outputArray's malloc'd class
    const want = Array.from(y.data);
    expect(y.data.buffer.byteLength).toBe(y.size * 4); // its own buffer, not a shared slab
    expect(Array.from(new Float32Array(Buffer.from(y.data.buffer).buffer, 0, y.size))).toEqual(want);
    expect(Array.from(structuredClone(y.data))).toEqual(want);
    expect(Array.from(safetensorsFromBuffer(safetensorsToBuffer({ y })).tensors.y.data)).toEqual(want);
    const { port1, port2 } = new MessageChannel();
    const copy = new Float32Array(y.data); // the transfer detaches y's storage
    port1.postMessage(y.data.buffer, [y.data.buffer]);
    const got = receiveMessageOnPort(port2)!.message as ArrayBuffer;
    port1.close();
    expect(y.data.buffer.byteLength).toBe(0);
    expect(Array.from(new Float32Array(got))).toEqual(Array.from(copy));
  });
  const tunes = name === 'native' && nativeInfo()?.sanitized === false;

  it('backendInfo().malloc: tuned on native (unsanitized glibc), default with NEURITE_MALLOC=default or user tunables', () => {
    const got = child(INFO, env) as string;
    if (tunes) expect(got).toMatch(/^tuned, (huge pages \(THP (always|madvise)\)|no huge pages \(.+\))$/);
    else expect(got).toBe(name === 'js' ? 'default (js backend)' : 'default (mallopt refused)');
    if (name === 'js') return;
    expect(child(INFO, { ...env, NEURITE_MALLOC: 'default' })).toBe('default (NEURITE_MALLOC=default)');
    expect(child(INFO, { ...env, MALLOC_TRIM_THRESHOLD_: '1000000' })).toBe('default (glibc malloc tunables set by the environment)');
  });

  it('10,000 matmuls with fresh 256 KB results (above glibc default mmap threshold): RSS stays bounded', () => {
    const r = child(`
      const a = nt.randn([64, 1]), b = nt.randn([1, 1024]);
      let rss1 = 0, s = 0;
      for (let i = 0; i < 10000; i++) {
        const y = nt.matmul(a, b);
        s += y.data[i % y.size];
        if (i === 999) rss1 = process.memoryUsage().rss;
      }
      process.stdout.write(JSON.stringify({ rss1, rss2: process.memoryUsage().rss, ok: Number.isFinite(s) }));`, env) as { rss1: number; rss2: number; ok: boolean };
    expect(r.ok).toBe(true);
    // the 9,000 results after the first 1,000 would be 2.4 GB if they leaked
    expect(r.rss2 - r.rss1).toBeLessThan(512 * 2 ** 20);
    expect(r.rss2).toBeLessThan(1536 * 2 ** 20);
  });
});
