/** Bad input throws TypeError / RangeError naming the op and the shapes, and changes nothing. */
import { describe, expect, it } from 'vitest';
import { F, matmul, nn, reshape, tensor, zeros, ones, add, sum } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

describe.each(availableBackends())('errors (%s backend)', (name) => {
  useBackend(name);

  it('matmul: inner dimensions differ, naming both shapes', () => {
    expect(() => matmul(zeros([32, 10]), zeros([64, 64]))).toThrow(RangeError);
    expect(() => matmul(zeros([32, 10]), zeros([64, 64]))).toThrow('matmul: inner dimensions differ: [32,10] x [64,64]');
    expect(() => matmul(zeros([3, 4]), zeros([4]))).toThrow(/matmul: .*\[3,4\] x \[4\]/);
  });
  it('broadcasting mismatch names the op and both shapes', () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(RangeError);
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
    expect(() => zeros([2, 3]).mul(zeros([3, 2]))).toThrow(/^mul: shapes \[2,3\] and \[3,2\]/);
  });
  it('Linear on a wrong last dim names input and weight shapes', () => {
    const l = new nn.Linear(10, 4);
    expect(() => l.forward(zeros([8, 9]))).toThrow(RangeError);
    expect(() => l.forward(zeros([8, 9]))).toThrow(/linear: .*\[8,9\].*\[4,10\]/);
  });
  it('class indices out of range or not integers', () => {
    const logits = zeros([3, 4]);
    expect(() => F.crossEntropy(logits, [0, 4, 1])).toThrow(RangeError);
    expect(() => F.crossEntropy(logits, [0, 4, 1])).toThrow(/crossEntropy: target 4 .*4 classes/);
    expect(() => F.crossEntropy(logits, [0, -1, 1])).toThrow(/crossEntropy: target -1/);
    expect(() => F.crossEntropy(logits, [0, 1.5, 1])).toThrow(/crossEntropy: target 1.5/);
    expect(() => F.crossEntropy(logits, [0, 1])).toThrow(/crossEntropy: target has 2 entries, input has 3 rows/);
    expect(() => F.nllLoss(logits, [9, 0, 0])).toThrow(/nllLoss: target 9/);
  });
  it('non-integer or negative shapes', () => {
    expect(() => zeros([2, -1])).toThrow(RangeError);
    expect(() => zeros([2, -1])).toThrow(/zeros: .*\[2,-1\]/);
    expect(() => zeros([2.5])).toThrow(/zeros: dims must be non-negative integers, got \[2.5\]/);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/tensor: shape \[2,2\] does not fit 3 values/);
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(/reshape: shape \[4,2\] is invalid for input of shape \[2,3\]/);
    expect(() => reshape(zeros([2, 3]), [-1, -1])).toThrow(/reshape: only one dim can be -1/);
    expect(() => new nn.Linear(2.5, 3)).toThrow(RangeError);
  });
  it('dims out of range name the op', () => {
    expect(() => sum(zeros([2, 3]), 2)).toThrow(/sum: dim 2 is out of range for a tensor of rank 2/);
    expect(() => F.softmax(zeros([2, 3]), -3)).toThrow(/softmax: dim -3/);
  });
  it('losses need matching shapes', () => {
    expect(() => F.mseLoss(zeros([2, 3]), zeros([3, 2]))).toThrow(/mseLoss: input \[2,3\] and target \[3,2\]/);
    expect(() => F.mseLoss(zeros([2, 3]), zeros([2, 3]), { reduction: 'avg' as never })).toThrow(/mseLoss: reduction/);
  });
  it('wrong operand types are TypeErrors', () => {
    expect(() => add(zeros([2]), 'x' as never)).toThrow(TypeError);
    expect(() => matmul(zeros([2, 2]), [1, 2] as never)).toThrow(TypeError);
  });
  it('backward on a non-scalar without a gradient; on a tensor that needs none', () => {
    const x = ones([2, 3], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(TypeError);
    expect(() => y.backward()).toThrow(/backward: grad can be implicitly created only for scalar outputs; .*\[2,3\]/);
    expect(() => y.backward(zeros([4]))).toThrow(/backward: gradient has 4 elements, output \[2,3\] has 6/);
    expect(() => zeros([1]).backward()).toThrow(TypeError);
    expect(x.grad).toBeNull();
  });

  describe('loadStateDict', () => {
    const model = (): nn.Sequential => new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const snapshot = (m: nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));

    it('missing and unexpected keys (strict) throw, listing them, and change nothing', () => {
      const m = model();
      const before = snapshot(m);
      const sd = model().stateDict();
      delete sd['2.bias'];
      sd['3.weight'] = zeros([1]);
      sd['0.weight'] = ones([4, 3]);
      expect(() => m.loadStateDict(sd)).toThrow(RangeError);
      expect(() => m.loadStateDict(sd)).toThrow(/loadStateDict: missing keys: 2\.bias; unexpected keys: 3\.weight/);
      expect(snapshot(m)).toEqual(before);
    });
    it('a shape mismatch names the key and both shapes, and changes nothing (even keys before it)', () => {
      const m = model();
      const before = snapshot(m);
      const sd = model().stateDict();
      sd['0.weight'] = ones([4, 3]);
      sd['2.weight'] = zeros([3, 4]);
      expect(() => m.loadStateDict(sd)).toThrow(/size mismatch for '2\.weight': checkpoint has \[3,4\], model has \[2,4\]/);
      expect(snapshot(m)).toEqual(before);
    });
    it('non-strict loads the keys present and reports the rest', () => {
      const m = model();
      const r = m.loadStateDict({ '0.bias': ones([4]), extra: zeros([1]) }, { strict: false });
      expect(r.missingKeys).toEqual(['0.weight', '2.weight', '2.bias']);
      expect(r.unexpectedKeys).toEqual(['extra']);
      expect(Array.from(m.at(0).stateDict().bias.data)).toEqual([1, 1, 1, 1]);
    });
    it('a value that is not a Tensor is a TypeError', () => {
      const sd = model().stateDict() as Record<string, unknown>;
      sd['0.bias'] = [1, 2, 3, 4];
      expect(() => model().loadStateDict(sd as never)).toThrow(TypeError);
    });
  });
});
