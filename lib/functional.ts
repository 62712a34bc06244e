/** F: the functional API, as torch.nn.functional. */
export { relu, leakyRelu, gelu, sigmoid, tanh, elu, softmax, logSoftmax, dropout, mseLoss, crossEntropy, nllLoss,
  binaryCrossEntropyWithLogits, binaryCrossEntropy, l1Loss, smoothL1Loss, huberLoss, klDiv, embedding } from './ops/index.js';
import { linear as fusedLinear } from './ops/linalg.js';
import type { Tensor } from './tensor.js';

/** x·wᵀ + b over the last dim of x, w: [out, in]. */
export function linear(x: Tensor, w: Tensor, b: Tensor | null = null): Tensor {
  return fusedLinear(x, w, b);
}
