/** Data-parallel training across processes and machines on MPI: the public `distributed` namespace. */
export { init, isAvailable, group, ProcessGroup, type ReduceOp } from './group.js';
export { DistributedDataParallel, type DDPOptions, type CommStats, type Collectives } from './ddp.js';
export { DistributedSampler, type DistributedSamplerOptions } from './sampler.js';
