/** optim: optimizers and schedules, as torch.optim. */
export { Optimizer, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { WarmupCosine, type WarmupCosineOptions } from './schedule.js';
