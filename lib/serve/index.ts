/** serve: forwardAsync (installed on Module) and the inference worker pool. */
export { forwardAsync, defaultPool, setDefaultPool } from './forward-async.js';
export { InferencePool, LoadedModel } from './pool.js';
export { describeModel, type ModuleSpec } from '../worker/spec.js';
