/** neurite: the public surface (re-exports only). */
export { Tensor, type NestedArray, type Shape } from './tensor.js';
export { tensor, zeros, ones, full, randn, rand, arange, linspace, add, sub, mul, div, neg, exp, log, pow, sqrt, abs,
  clamp, eq, ne, gt, ge, lt, le, allclose, sum, mean, max, min, argmax, argmin, all, any, reshape, flatten, transpose, matmul,
  softmax, logSoftmax, indexSelect, gather, scatter, scatterAdd, scatterReduce, nonzero, maskedFill, where, cat, stack, repeat, clone, randperm,
  variance, var, std, cumsum, sort, argsort, topk, type Dims, type IndexLike, type VarOptions, type SortOptions,
  type TopkOptions, type ScatterOptions, type ScatterReduction, type ScatterReduceOptions, type NonzeroOptions } from './ops/index.js';
export { noGrad, isGradEnabled, setGradEnabled } from './autograd.js';
export { manualSeed } from './random.js';
export { setFloat32MatmulPrecision, getFloat32MatmulPrecision, withFloat32MatmulPrecision, type Float32MatmulPrecision, packedWeightCache, dropPackedWeights, type PackedWeightCacheInfo, type PackedWeightCacheOptions } from './precision.js';
export { backend, setBackend, availableBackends, backendInfo, type BackendName, type BackendInfo } from './backend/index.js';
export * as F from './functional.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as io from './io/index.js';
export * as data from './data/index.js';
export * as diagnostics from './diagnostics/index.js';
export { fit, type FitData, type FitSource, type FitBatch, type FitOptions, type FitProgress, type FitHistory, type EpochStats, type EarlyStopping, type FitCheckpoint } from './train/index.js';
export { forwardAsync, InferencePool, LoadedModel, defaultPool, setDefaultPool } from './serve/index.js';
export * as distributed from './distributed/index.js';
