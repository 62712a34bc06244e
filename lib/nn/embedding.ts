/** nn.Embedding: a lookup table of numEmbeddings vectors of size embeddingDim, as torch.nn.Embedding. */
import { Tensor } from '../tensor.js';
import { zeros } from '../ops/create.js';
import { embedding } from '../ops/embedding.js';
import { options } from '../options.js';
import { normal_ } from './init.js';
import { Module, Parameter } from './module.js';

/** Options of nn.Embedding, as PyTorch's: paddingIdx (padding_idx, default null), maxNorm (max_norm, null), normType (norm_type, 2), scaleGradByFreq (scale_grad_by_freq, false). */
export interface EmbeddingModuleOptions {
  /** A row that starts at zeros and gets no gradient (negative counts from the end). PyTorch: `padding_idx`. @defaultValue null */
  paddingIdx?: number | null;
  /** Rows looked up are renormalized in place to at most this norm. PyTorch: `max_norm`. @defaultValue null */
  maxNorm?: number | null;
  /** The p of the p-norm for maxNorm. PyTorch: `norm_type`. @defaultValue 2 */
  normType?: number;
  /** Scale each row's gradient by the inverse of its count in the batch. PyTorch: `scale_grad_by_freq`. @defaultValue false */
  scaleGradByFreq?: boolean;
}

/**
 * A lookup table of numEmbeddings vectors of size embeddingDim (nn.Embedding); indices: an integer Tensor, Int32Array or number[].
 * @example
 * ```js
 * import { nn } from 'neurite';
 * const emb = new nn.Embedding(100, 8, { paddingIdx: 0 }); // nn.Embedding(100, 8, padding_idx=0)
 * console.log(emb.forward([1, 2, 0]).shape); // [ 3, 8 ]
 * ```
 */
export class Embedding extends Module {
  weight: Parameter;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;

  /** Weights N(0, 1) (the padding row zeros), as PyTorch. */
  constructor(numEmbeddings: number, embeddingDim: number, opts?: EmbeddingModuleOptions) {
    super();
    for (const [k, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (typeof v !== 'number') throw new TypeError(`Embedding: ${k} must be a number, got ${typeof v}`);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Embedding: ${k} must be a non-negative integer, got ${v}`);
    }
    const o = options<EmbeddingModuleOptions>('Embedding', opts, ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq'], ['sparse', 'device', 'dtype']);
    let pad = o.paddingIdx ?? null;
    if (pad !== null) {
      if (!Number.isInteger(pad) || pad < -numEmbeddings || pad >= numEmbeddings) throw new RangeError(`Embedding: paddingIdx must be within numEmbeddings (${numEmbeddings}), got ${pad}`);
      if (pad < 0) pad += numEmbeddings;
    }
    if (o.maxNorm !== undefined && o.maxNorm !== null && !(typeof o.maxNorm === 'number' && o.maxNorm >= 0)) throw new RangeError(`Embedding: maxNorm must be a number >= 0, got ${String(o.maxNorm)}`);
    if (o.normType !== undefined && !(typeof o.normType === 'number' && o.normType > 0)) throw new RangeError(`Embedding: normType must be a positive number, got ${String(o.normType)}`);
    if (o.scaleGradByFreq !== undefined && typeof o.scaleGradByFreq !== 'boolean') throw new TypeError('Embedding: scaleGradByFreq must be a boolean');
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.maxNorm = o.maxNorm ?? null;
    this.normType = o.normType ?? 2;
    this.scaleGradByFreq = o.scaleGradByFreq ?? false;
    this.weight = new Parameter(zeros([numEmbeddings, embeddingDim]));
    this.resetParameters();
  }

  resetParameters(): void {
    normal_(this.weight);
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * this.embeddingDim, (this.paddingIdx + 1) * this.embeddingDim);
  }

  /** Indices (a Tensor of integers, an Int32Array or a number[]) -> [...indices.shape, embeddingDim]. */
  forward(input: Tensor | Int32Array | readonly number[]): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType, scaleGradByFreq: this.scaleGradByFreq });
  }

  extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${this.maxNorm}`;
    if (this.normType !== 2) s += `, norm_type=${this.normType}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    return s;
  }
}
