/** F: the functional API, as torch.nn.functional. */
export { relu, leakyRelu, gelu, sigmoid, tanh, elu, softmax, logSoftmax, dropout, mseLoss, crossEntropy, nllLoss,
  binaryCrossEntropyWithLogits, binaryCrossEntropy, l1Loss, smoothL1Loss, huberLoss, klDiv, embedding } from './ops/index.js';
import { linear as fusedLinear } from './ops/linalg.js';
import type { Tensor } from './tensor.js';

/**
 * x·wᵀ + b over the last dim of x, w: [out, in].
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const x = tensor([[1, 2]]), w = tensor([[1, 0], [0, 1], [1, 1]]), b = tensor([0, 0, 1]);
 * console.log(F.linear(x, w, b).toArray()); // [ [ 1, 2, 4 ] ]  (F.linear(x, w, b) = x @ w.T + b)
 * ```
 */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  return fusedLinear(x, w, b);
}
