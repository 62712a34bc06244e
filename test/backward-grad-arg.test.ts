/**
 * backward(root, g) reads the caller's gradient in place (no copy of a W5-sized array) but
 * never keeps it: a leaf's .grad, or a gradient passed through unchanged (reshape, add) that is
 * later accumulated into, must be the engine's own copy, and g is never written.
 */
import { describe, expect, it } from 'vitest';
import { add, reshape, tensor, F } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

describe.each(availableBackends())('%s backend: backward(root, g) and the caller\'s g', (name) => {
  useBackend(name);

  it('a leaf root gets a copy as .grad', () => {
    const x = tensor([1, 2, 3], [3], { requiresGrad: true });
    const g = new Float32Array([0.5, -1, 2]);
    x.backward(g);
    expect(x.grad!.data).not.toBe(g);
    expect(Array.from(x.grad!.data)).toEqual([0.5, -1, 2]);
    g[0] = 9;
    expect(x.grad!.data[0]).toBe(0.5);
  });

  it('a pass-through gradient accumulated into is copied; g is never written', () => {
    const x = tensor([1, 2, 3, 4], [4], { requiresGrad: true });
    const r = reshape(x, [2, 2]);
    const y = add(r, r); // both inputs receive g unchanged: the second accumulates into the first
    const g = new Float32Array([1, 2, 3, 4]);
    y.backward(g);
    expect(Array.from(g)).toEqual([1, 2, 3, 4]);
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6, 8]);
    expect(x.grad!.data).not.toBe(g);
  });

  it('an activation reads g and leaves it alone', () => {
    const x = tensor(Float32Array.from({ length: 20000 }, (_, i) => (i % 7) - 3), [20000], { requiresGrad: true });
    const g = new Float32Array(20000).fill(2);
    F.relu(x).backward(g);
    expect(g.every((v) => v === 2)).toBe(true);
    expect(x.grad!.data[0]).toBe(0);
    expect(x.grad!.data[4]).toBe(2);
  });
});
