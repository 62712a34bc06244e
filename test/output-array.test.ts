// Kernel outputs: small ones are views into a shared slab, so they must stay independent of
// each other and survive the slab being transferred away (postMessage with a transfer list).
import { describe, expect, it } from 'vitest';
import { outputArray } from '../lib/ops/util.js';

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
