/** nn.utils: flat parameter vectors and the clipping functions' argument checks (values against PyTorch: torch-diff 'gradient clipping'). */
import { describe, expect, it } from 'vitest';
import { nn, tensor } from '../lib/index.js';

describe('nn.utils', () => {
  it('parametersToVector / vectorToParameters round trip in parameter order', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
    const v = nn.utils.parametersToVector(m.parameters());
    expect(v.shape).toEqual([3 * 2 + 2 + 2 + 1]);
    expect(Array.from(v.data.subarray(0, 6))).toEqual(Array.from(m.parameters()[0].data));
    const w = tensor(Float32Array.from({ length: v.size }, (_, i) => i));
    nn.utils.vectorToParameters(w, m.parameters());
    expect(Array.from(m.parameters()[1].data)).toEqual([6, 7]);
    expect(Array.from(m.parameters()[3].data)).toEqual([10]);
    expect(() => nn.utils.vectorToParameters(tensor([1, 2]), m.parameters())).toThrow(RangeError);
    expect(() => nn.utils.vectorToParameters([1, 2] as never, m.parameters())).toThrow(TypeError);
  });

  it('clipGradNorm_: no gradients gives 0; checks its arguments', () => {
    const p = tensor([1, 2], [2], { requiresGrad: true });
    expect(nn.utils.clipGradNorm_([p], 1).item()).toBe(0);
    p.grad = tensor([3, 4]);
    expect(nn.utils.clipGradNorm_(p, 1).item()).toBe(5);
    expect(Array.from(p.grad.data)).toEqual([Math.fround(3 * Math.fround(1 / Math.fround(5 + 1e-6))), Math.fround(4 * Math.fround(1 / Math.fround(5 + 1e-6)))]);
    expect(() => nn.utils.clipGradNorm_([p], 1, -1)).toThrow(RangeError);
    expect(() => nn.utils.clipGradNorm_([p], 1, 2, 'yes' as never)).toThrow(TypeError);
    expect(() => nn.utils.clipGradNorm_([1] as never, 1)).toThrow(/parameters\[0\]/);
    p.grad = tensor([3, -4]);
    nn.utils.clipGradValue_([p], 3.5);
    expect(Array.from(p.grad.data)).toEqual([3, -3.5]);
  });
});
