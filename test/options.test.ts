// The strict option checker every public function with an options object goes through.
import { describe, expect, it } from 'vitest';
import { camelCase, didYouMean, options } from '../lib/options.js';

describe('options()', () => {
  const keys = ['lr', 'weightDecay', 'betas', 'labelSmoothing', 'batchSize'] as const;
  it('returns {} for undefined and the object itself when every key is accepted', () => {
    expect(options('f', undefined, keys)).toEqual({});
    const o = { lr: 1, betas: [0.9, 0.99] };
    expect(options('f', o, keys)).toBe(o);
  });
  it('names the unknown key, the function and the accepted keys', () => {
    expect(() => options('Adam', { lr: 1, amsgard: true }, keys)).toThrow(TypeError);
    expect(() => options('Adam', { amsgard: true }, keys)).toThrow(/Adam: unknown option 'amsgard'.*accepted options: lr, weightDecay, betas, labelSmoothing, batchSize/);
  });
  it('suggests the camelCase name for PyTorch snake_case spellings', () => {
    expect(() => options('Adam', { weight_decay: 0.1 }, keys)).toThrow(/did you mean 'weightDecay'/);
    expect(() => options('F.crossEntropy', { label_smoothing: 0.1 }, keys)).toThrow(/did you mean 'labelSmoothing'/);
    expect(() => options('DataLoader', { batch_size: 4 }, keys)).toThrow(/did you mean 'batchSize'/);
    expect(didYouMean('weightdecay', keys)).toBe('weightDecay');
    expect(didYouMean('lrr', keys)).toBe('lr');
    expect(didYouMean('zzzzzzzz', keys)).toBeUndefined();
    expect(camelCase('max_norm_type')).toBe('maxNormType');
  });
  it('rejects non-objects', () => {
    for (const bad of [null, 3, 'x', [1], new Float32Array(2), true]) {
      expect(() => options('f', bad, keys)).toThrow(/f: options must be an object/);
    }
  });
});
