/** nn: modules, layers and initialisation, as torch.nn. */
export { Module, Parameter, type ForwardHook, type HookHandle, type StateDict } from './module.js';
export { Linear, Sequential, ActivationModule, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, ELU, Identity, Flatten, Dropout } from './layers.js';
export { BatchNorm1d, LayerNorm } from './norm.js';
export { ModuleList, ModuleDict, ParameterList } from './containers.js';
export { Embedding, type EmbeddingModuleOptions } from './embedding.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss } from './loss.js';
export * as init from './init.js';
export { collapseLinear } from './collapse.js';
export * as utils from './utils.js';
export { DistributedDataParallel, type DDPOptions, type CommStats } from '../distributed/ddp.js';
