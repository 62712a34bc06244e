/**
 * InferencePool: worker threads that run forward passes of built-in models off the event
 * loop. `pool.forward(model, x)` snapshots the model's weights at call time (always current,
 * costs one copy of the weights per call); `pool.load(model)` snapshots them once and returns
 * a handle that only ships inputs, the fast path for a service serving a fixed model.
 * Workers are started on demand and do not keep the process alive while idle.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { Tensor } from '../tensor.js';
import { backend } from '../backend/index.js';
import type { Module } from '../nn/module.js';
import { spawnLibWorker } from '../worker/spawn.js';
import { describeModel, snapshotState, type ModuleSpec } from '../worker/spec.js';
import { MAX_MODELS, type InferReply, type InferRequest } from './infer-protocol.js';
import { options } from '../options.js';

interface Job {
  key: string;
  spec: ModuleSpec;
  version: number;
  state: Float32Array[];
  /** Per-call snapshots go to one worker only: transfer them instead of copying. */
  transferState: boolean;
  x: Float32Array;
  shape: number[];
  resolve: (t: Tensor) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  /** key -> weights version this worker holds. */
  has: Map<string, number>;
}

let nextKey = 0;
let nextVersion = 0;
let nextId = 0;

/**
 * A model loaded into a pool: its weights as they were at load time.
 * @example
 * ```js
 * import { InferencePool, LoadedModel, nn, randn } from 'neurite';
 * const pool = new InferencePool({ size: 1 });
 * const loaded = pool.load(new nn.Linear(3, 1));
 * console.log(loaded instanceof LoadedModel, (await loaded.forward(randn(2, 3))).shape); // true [ 2, 1 ]
 * await pool.close();
 * ```
 */
export class LoadedModel {
  constructor(private readonly pool: InferencePool, readonly key: string, readonly spec: ModuleSpec,
    readonly version: number, readonly state: Float32Array[]) {}

  /** The forward pass of the loaded weights on x (copied at call time), under noGrad. */
  forward(x: Tensor): Promise<Tensor> {
    return this.pool.submit(this.key, this.spec, this.version, this.state, false, x);
  }
}

export function checkSpec(op: string, model: Module): ModuleSpec {
  const d = describeModel(model);
  if (d.reason !== null) throw new TypeError(`${op}: this model cannot run in a worker thread: ${d.reason}`);
  return d.spec;
}

/**
 * Worker threads running forward passes: `load(model)` once then `forward(x)`, or `forward(model, x)`; `close()`.
 * @example
 * ```js
 * import { InferencePool, nn, randn } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(4, 2));
 * const pool = new InferencePool({ size: 2 }); // 2 worker threads
 * const loaded = pool.load(model); // the weights as they are now
 * console.log((await loaded.forward(randn(5, 4))).shape); // [ 5, 2 ]
 * await pool.close();
 * ```
 */
export class InferencePool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly keys = new WeakMap<Module, { key: string; json: string }>();
  private closed = false;

  constructor(opts?: { size?: number }) {
    const size = options<{ size?: number }>('InferencePool', opts, ['size']).size ?? Math.max(1, Math.min(4, availableParallelism() - 1));
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`InferencePool: size must be a positive integer, got ${size}`);
    this.size = size;
  }

  /** Forward with the model's weights as they are now (snapshotted at call time). */
  forward(model: Module, x: Tensor): Promise<Tensor> {
    try {
      const spec = checkSpec('InferencePool.forward', model);
      const json = JSON.stringify(spec);
      let k = this.keys.get(model);
      if (!k || k.json !== json) { k = { key: `m${nextKey++}`, json }; this.keys.set(model, k); }
      return this.submit(k.key, spec, nextVersion++, snapshotState(model), true, x);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Snapshot the model once; the handle's forward ships only inputs. */
  load(model: Module): LoadedModel {
    const spec = checkSpec('InferencePool.load', model);
    return new LoadedModel(this, `h${nextKey++}`, spec, nextVersion++, snapshotState(model));
  }

  /** Stop the workers; queued and running calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('InferencePool: closed');
    for (const j of this.queue.splice(0)) j.reject(err);
    await Promise.all(this.slots.splice(0).map((s) => { s.job?.reject(err); return s.worker.terminate(); }));
  }

  /** @internal */
  submit(key: string, spec: ModuleSpec, version: number, state: Float32Array[], transferState: boolean, x: Tensor): Promise<Tensor> {
    if (this.closed) return Promise.reject(new Error('InferencePool: the pool is closed'));
    if (!(x instanceof Tensor)) return Promise.reject(new TypeError('forwardAsync: x must be a Tensor'));
    return new Promise<Tensor>((resolve, reject) => {
      this.queue.push({ key, spec, version, state, transferState, x: x.data.slice(), shape: x.shape.slice(), resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let idle = this.slots.filter((s) => s.job === null);
      if (idle.length === 0 && this.slots.length < this.size) idle = [this.spawn()];
      if (idle.length === 0) return;
      const job = this.queue.shift()!;
      const slot = idle.find((s) => s.has.get(job.key) === job.version) ?? idle.find((s) => s.has.has(job.key)) ?? idle[0];
      this.run(slot, job);
    }
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const held = slot.has.get(job.key);
    const msg: InferRequest = {
      type: 'forward', id: nextId++, backend: backend(), key: job.key, version: job.version, x: job.x, shape: job.shape,
      spec: held === undefined ? job.spec : undefined,
      state: held === job.version ? undefined : job.state,
    };
    slot.has.set(job.key, job.version);
    if (held === undefined && slot.has.size > MAX_MODELS) slot.has.delete(slot.has.keys().next().value as string); // as the worker evicts
    const transfer = [job.x.buffer as ArrayBuffer];
    if (msg.state && job.transferState) transfer.push(...msg.state.map((s) => s.buffer as ArrayBuffer));
    slot.worker.postMessage(msg, transfer);
  }

  private spawn(): Slot {
    const worker = spawnLibWorker('serve/infer-worker');
    const slot: Slot = { worker, job: null, has: new Map() };
    worker.unref();
    worker.on('message', (r: InferReply) => {
      const job = slot.job;
      slot.job = null;
      worker.unref();
      if (job) {
        if (r.ok) job.resolve(new Tensor(r.data, r.shape));
        else {
          const C = r.name === 'TypeError' ? TypeError : r.name === 'RangeError' ? RangeError : Error;
          job.reject(new C(r.message));
        }
      }
      this.dispatch();
    });
    const fail = (e: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      slot.job?.reject(e instanceof Error ? e : new Error(`InferencePool: a worker stopped (${String(e)})`));
      slot.job = null;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`InferencePool: a worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
