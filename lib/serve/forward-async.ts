/**
 * forwardAsync(model, x): a forward pass that does not hold the event loop. Built-in models
 * run in the shared InferencePool (weights snapshotted at call time); any other model runs on
 * this thread, one call per event-loop turn, with x copied at call time and the weights as
 * they are when its turn comes. Also installed as `Module.prototype.forwardAsync`.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Module } from '../nn/module.js';
import { InferencePool } from './pool.js';
import { describeModel } from '../worker/spec.js';
import { workerUnavailable } from '../worker/spawn.js';
import { options } from '../options.js';

declare module '../nn/module.js' {
  interface Module {
    /** The forward pass off the event loop, under noGrad: see forwardAsync. */
    forwardAsync(x: Tensor): Promise<Tensor>;
  }
}

let shared: InferencePool | null = null;

/**
 * The pool forwardAsync uses (created on first use).
 * @example
 * ```js
 * import { defaultPool, setDefaultPool } from 'neurite';
 * console.log(defaultPool().size > 0); // true: the pool forwardAsync uses, created on first use
 * await setDefaultPool(null);
 * ```
 */
export function defaultPool(): InferencePool {
  return (shared ??= new InferencePool());
}

/**
 * Replace the pool forwardAsync uses (e.g. a larger one); the previous one is closed.
 * @example
 * ```js
 * import { InferencePool, defaultPool, setDefaultPool } from 'neurite';
 * await setDefaultPool(new InferencePool({ size: 1 })); // the previous pool is closed
 * console.log(defaultPool().size); // 1
 * await setDefaultPool(null);
 * ```
 */
export async function setDefaultPool(pool: InferencePool | null): Promise<void> {
  const prev = shared;
  shared = pool;
  if (prev && prev !== pool) await prev.close();
}

let mainQueue: Promise<unknown> = Promise.resolve();

/**
 * The forward pass under noGrad off the event loop: in the shared InferencePool for built-in models, else on the calling thread.
 * @example
 * ```js
 * import { forwardAsync, nn, randn, setDefaultPool } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * const y = await forwardAsync(model, randn(3, 4)); // off the event loop, under noGrad (or model.forwardAsync(x))
 * console.log(y.shape); // [ 3, 2 ]
 * await setDefaultPool(null); // close the shared pool's workers
 * ```
 */
export function forwardAsync(model: Module, x: Tensor, opts?: { worker?: boolean | 'auto' }): Promise<Tensor> {
  if (!(model instanceof Module)) return Promise.reject(new TypeError('forwardAsync: model must be an nn.Module'));
  if (!(x instanceof Tensor)) return Promise.reject(new TypeError('forwardAsync: x must be a Tensor'));
  let mode: boolean | 'auto';
  try {
    mode = options<{ worker?: boolean | 'auto' }>('forwardAsync', opts, ['worker']).worker ?? 'auto';
    if (mode !== true && mode !== false && mode !== 'auto') throw new TypeError(`forwardAsync: worker must be true, false or 'auto', got ${JSON.stringify(mode)}`);
  } catch (e) {
    return Promise.reject(e);
  }
  const d = describeModel(model);
  const noWorker = d.reason ?? (mode === false ? null : workerUnavailable('serve/infer-worker'));
  if (mode === true && noWorker !== null) return Promise.reject(new TypeError(`forwardAsync: cannot run in a worker thread: ${noWorker}`));
  if (mode !== false && noWorker === null) return defaultPool().forward(model, x);
  const input = new Tensor(x.data.slice(), x.shape);
  // chained, so queued calls take one event-loop turn each instead of all running in one
  const run = mainQueue.then(async () => {
    await tick();
    return noGrad(() => model.forward(input));
  });
  mainQueue = run.catch(() => undefined);
  return run;
}

Module.prototype.forwardAsync = function forwardAsyncMethod(this: Module, x: Tensor): Promise<Tensor> {
  return forwardAsync(this, x);
};
