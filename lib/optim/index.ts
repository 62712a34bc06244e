/** optim: optimizers and learning-rate schedulers, as torch.optim. */
export { Optimizer, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec, type Params } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, Adagrad, type RMSpropOptions, type AdagradOptions } from './rmsprop.js';
export * as lrScheduler from './lr-scheduler.js';
