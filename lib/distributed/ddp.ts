/**
 * DistributedDataParallel: synchronous data parallelism as PyTorch's DDP. At construction it
 * checks that every rank holds the same model (parameter count and a hash of names and shapes;
 * a mismatch fails fast naming the first differing parameter, instead of a hang) and
 * broadcasts parameters and buffers from rank 0. Gradients go into buckets in reverse
 * parameter order (roughly the order backward produces them); each full bucket is all-reduced
 * on the communication thread while backward continues, buckets in the same order on every
 * rank; gradients are averaged (each scaled by 1/worldSize into its bucket, then summed, as
 * PyTorch's reducer does).
 *
 *   const ddp = await DistributedDataParallel.create(model, pg, { bucketCapMB: 25 });
 *   loss.backward(); await ddp.syncGradients(); opt.step();
 */
import { addAccumulateHook, addGradHook, addGradTarget, bumpVersion } from '../autograd.js';
import { Module, Parameter } from '../nn/module.js';
import { options } from '../options.js';
import { outputArray } from '../ops/util.js';
import { withinScope } from '../scope.js';
import { Tensor, fmtShape } from '../tensor.js';

/** What DDP needs of a process group (ProcessGroup, or a stand-in in tests). */
export interface Collectives {
  readonly rank: number;
  readonly worldSize: number;
  allReduce(t: Float32Array, op?: 'sum'): Promise<Float32Array>;
  broadcast(t: Float32Array, root?: number): Promise<Float32Array>;
  allGather(t: Float32Array): Promise<Tensor>;
  /** Each rank's `t` times `scale`, summed in place (optional: ProcessGroup scales natively; without it DDP scales in JavaScript). */
  allReduceScaled?(t: Float32Array, scale: number): Promise<Float32Array>;
  /**
   * Collective: `count` zeros in memory every rank maps, or null (optional: ProcessGroup gives it when every rank
   * runs on one host). DDP's buckets then live there and are reduced by allReduceSharedScaled.
   */
  sharedBuffer?(count: number): Promise<Float32Array | null>;
  /** allReduceScaled for a part of a sharedBuffer() array (the same part on every rank); needed with sharedBuffer. */
  allReduceSharedScaled?(t: Float32Array, scale: number): Promise<Float32Array>;
  /** Seconds the last collective spent in MPI (optional). */
  lastSeconds?: number;
}

/** DistributedDataParallel's options: bucketCapMB (PyTorch's bucket_cap_mb, default 25), broadcastBuffers (broadcast_buffers, true). */
export interface DDPOptions {
  /** Bucket size in MiB: gradients are all-reduced a bucket at a time while backward goes on. PyTorch: `bucket_cap_mb`. @defaultValue 25 */
  bucketCapMB?: number;
  /** Broadcast parameters and buffers from rank 0 at construction. PyTorch: `broadcast_buffers`. @defaultValue true */
  broadcastBuffers?: boolean;
  /**
   * After syncGradients() each parameter's `.grad` is a view of its bucket (the same Tensor every step) instead of
   * a copy of it: no copy back (backward writes each gradient into its bucket either way when `.grad` is null, as after
   * `zeroGrad()`; with `zeroGrad({ setToNone: false })` it adds into the view). The next backward overwrites it.
   * PyTorch: `gradient_as_bucket_view`. @defaultValue false
   */
  gradientAsBucketView?: boolean;
}
const DDP_KEYS = ['bucketCapMB', 'broadcastBuffers', 'gradientAsBucketView'] as const;

/** Per step: how long the all-reduces took and how much of it backward hid. */
export interface CommStats {
  buckets: number;
  /** Seconds from the first bucket's launch until the last one finished. */
  allReduceSeconds: number;
  /** Seconds syncGradients() waited for all-reduces after backward had finished. */
  exposedSeconds: number;
  /** 1 - exposed / allReduce: the share of communication hidden behind backward. */
  hiddenShare: number;
}

/** A parameter's place in its bucket. */
interface Slot {
  bucket: Bucket;
  offset: number;
  /** its gradient of this backward is in the bucket */
  marked: boolean;
  /** the bucket's part for it was lent to backward (gradTarget) since the last syncGradients() */
  lent: boolean;
  /** gradientAsBucketView: the `.grad` Tensor over the bucket */
  view: Tensor | null;
}

interface Bucket {
  params: Parameter[];
  offsets: number[];
  flat: Float32Array;
  ready: number;
  launched: Promise<unknown> | null;
  done: boolean;
  /** flat is a part of the ranks' shared memory (reduced by allReduceSharedScaled) */
  shared: boolean;
}

function hash24(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }
  return h & 0xffffff; // exact in a float32
}
const DESC_LEN = 256;
const encode = (s: string): Float32Array => { const a = new Float32Array(DESC_LEN); for (let i = 0; i < Math.min(s.length, DESC_LEN); i++) a[i] = s.charCodeAt(i); return a; };
const decode = (a: Float32Array): string => { let s = ''; for (const c of a) { if (c === 0) break; s += String.fromCharCode(c); } return s; };

/**
 * Wraps a model so that backward all-reduces (averages) its gradients over the ranks in buckets, overlapped with backward
 * (torch.nn.parallel.DistributedDataParallel); options bucketCapMB (25), broadcastBuffers (true). Await `ready` before training.
 * @example
 * ```js
 * import { distributed, F, nn, optim, randn, tensor } from 'neurite';
 * // a one-rank stand-in for a ProcessGroup (in a real job: await distributed.init())
 * const pg = { rank: 0, worldSize: 1, allReduce: async (t) => t, broadcast: async (t) => t, allGather: async (t) => tensor(t) };
 * const ddp = await distributed.DistributedDataParallel.create(new nn.Linear(4, 1), pg, { bucketCapMB: 25 }); // DDP(model, bucket_cap_mb=25)
 * const opt = new optim.SGD(ddp.parameters(), { lr: 0.1 });
 * F.mseLoss(ddp.forward(randn(8, 4)), randn(8, 1)).backward();
 * await ddp.syncGradients(); // gradients averaged over the ranks
 * opt.step();
 * console.log(ddp.parameters().length); // 2
 * ```
 */
export class DistributedDataParallel extends Module {
  readonly module: Module;
  /** Resolves once the handshake and the broadcast from rank 0 are done; rejects on a mismatch. */
  readonly ready: Promise<void>;
  /** Communication figures of the last syncGradients(). */
  lastStats: CommStats = { buckets: 0, allReduceSeconds: 0, exposedSeconds: 0, hiddenShare: 0 };
  private readonly pg: Collectives;
  /** The process group the gradients are averaged over. */
  get processGroup(): Collectives { return this.pg; }
  private readonly buckets: Bucket[] = [];
  private readonly where = new Map<Parameter, Slot>();
  private readonly asView: boolean;
  private nextBucket = 0;
  private firstLaunch = 0;
  /** noSync() scopes open: backward then accumulates into `.grad` without touching the buckets */
  private noSyncDepth = 0;
  private isReady = false;
  private readonly unhook: () => void;

  /** Prefer `await DistributedDataParallel.create(...)`; after `new`, await `ddp.ready`. */
  constructor(module: Module, pg: Collectives, opts?: DDPOptions) {
    super();
    if (!(module instanceof Module)) throw new TypeError('DistributedDataParallel: module must be an nn.Module');
    if (pg === null || typeof pg !== 'object' || typeof pg.allReduce !== 'function' || !Number.isInteger(pg.worldSize)) {
      throw new TypeError('DistributedDataParallel: pg must be a process group (await distributed.init())');
    }
    const o = options<DDPOptions>('DistributedDataParallel', opts, DDP_KEYS);
    const capMB = o.bucketCapMB ?? 25;
    if (typeof capMB !== 'number' || !(capMB > 0) || !Number.isFinite(capMB)) {
      throw new RangeError(`DistributedDataParallel: bucketCapMB must be a positive number, got ${String(capMB)}`);
    }
    this.module = module;
    this.pg = pg;
    this.asView = o.gradientAsBucketView ?? false;
    if (typeof this.asView !== 'boolean') throw new TypeError(`DistributedDataParallel: gradientAsBucketView must be a boolean, got ${typeof this.asView}`);
    // buckets: reverse parameter order, each up to capMB (a parameter larger than that alone)
    const cap = Math.max(1, Math.floor((capMB * 1024 * 1024) / 4));
    const params = module.parameters().filter((p) => p.requiresGrad).reverse();
    let cur: Parameter[] = [];
    let size = 0;
    const close = (): void => {
      if (cur.length === 0) return;
      const offsets: number[] = [];
      let off = 0;
      // each parameter on a 64-byte line of its own (16 floats): backward's kernels write its gradient there (lend())
      // and the optimizer reads it there (gradientAsBucketView), with whole-line vector stores and loads; the padding
      // stays zero (it is summed as zeros)
      for (const p of cur) { offsets.push(off); off += Math.ceil(p.size / 16) * 16; }
      const b: Bucket = { params: cur, offsets, flat: new Float32Array(off), ready: 0, launched: null, done: false, shared: false };
      cur.forEach((p, i) => this.where.set(p, { bucket: b, offset: offsets[i], marked: false, lent: false,
        view: this.asView ? new Tensor(b.flat.subarray(offsets[i], offsets[i] + p.size), p.shape) : null }));
      this.buckets.push(b);
      cur = [];
      size = 0;
    };
    for (const p of params) {
      if (size > 0 && size + p.size > cap) close();
      cur.push(p);
      size += p.size;
    }
    close();
    const unhook = addAccumulateHook((t) => this.onGrad(t));
    const untarget = addGradTarget((t) => this.lend(t));
    // a second gradient for a leaf before syncGradients(): refused before backward adds it into `.grad`, which may be
    // its bucket while that is being reduced
    const unguard = addGradHook((t) => { if (t.grad !== null && !t.gradFn && this.where.get(t as Parameter)?.marked) this.secondGradient(); });
    this.unhook = () => { unhook(); untarget(); unguard(); };
    this.ready = this.handshake(o.broadcastBuffers ?? true).then(() => { this.isReady = true; });
    this.ready.catch(() => { /* surfaced by create()/syncGradients()/forward */ });
  }

  /** Construct and wait for the handshake and the broadcast from rank 0. */
  static async create(module: Module, pg: Collectives, opts?: DDPOptions): Promise<DistributedDataParallel> {
    const d = new DistributedDataParallel(module, pg, opts);
    await d.ready;
    return d;
  }

  forward(...inputs: Tensor[]): Tensor {
    if (!this.isReady) {
      throw new Error('DistributedDataParallel: not ready: await ddp.ready (or use await DistributedDataParallel.create()) before the first forward');
    }
    return this.module.forward(...inputs);
  }

  /**
   * Whether the buckets live in memory shared by the ranks (every rank on one host, a ProcessGroup, and not
   * NEURITE_MPI_SHM=off): they are then all-reduced by the ranks themselves, without MPI. Known once `ready` resolved.
   */
  get sharedMemory(): boolean { return this.buckets.length > 0 && this.buckets[0].shared; }

  /** Stop listening to gradients (the model stays as it is). */
  detachHooks(): void { this.unhook(); }

  private async handshake(broadcastBuffers: boolean): Promise<void> {
    const pg = this.pg;
    const named = this.module.namedParameters();
    const descs = named.map(([n, p]) => `'${n}' ${fmtShape(p.shape)}`);
    const counts = await pg.allGather(new Float32Array([named.length]));
    const M = Math.max(...counts.data);
    const h = new Float32Array(M).fill(-1);
    descs.forEach((d, i) => { h[i] = hash24(d); });
    const all = (await pg.allGather(h)).data;
    let first = -1;
    for (let i = 0; i < M && first < 0; i++) {
      for (let r = 1; r < pg.worldSize; r++) if (all[r * M + i] !== all[i]) { first = i; break; }
    }
    if (first >= 0) {
      const mine = encode(descs[first] ?? '(no parameter)');
      const theirs = (await pg.allGather(mine)).data;
      const per: string[] = [];
      for (let r = 0; r < pg.worldSize; r++) per.push(`rank ${r}: ${decode(theirs.subarray(r * DESC_LEN, (r + 1) * DESC_LEN))}`);
      const cs = Array.from(counts.data);
      throw new Error(`DistributedDataParallel: the model differs across ranks at parameter #${first} (${per.join('; ')})` +
        (cs.some((c) => c !== cs[0]) ? `; parameter counts: ${cs.join(', ')}` : '') +
        `; this is rank ${pg.rank}. Every rank must build the same model.`);
    }
    // parameters (and buffers) from rank 0, in one message
    const state: Tensor[] = [...named.map(([, p]) => p as Tensor), ...(broadcastBuffers ? this.module.namedBuffers().map(([, b]) => b) : [])];
    const total = state.reduce((n, t) => n + t.size, 0);
    if (pg.worldSize > 1 && total > 0) {
      const flat = new Float32Array(total);
      let off = 0;
      for (const t of state) { flat.set(t.data, off); off += t.size; }
      await pg.broadcast(flat, 0);
      off = 0;
      for (const t of state) { t.data.set(flat.subarray(off, off + t.size)); bumpVersion(t, 'broadcast'); off += t.size; }
    }
    await this.shareBuckets();
  }

  /**
   * Move the buckets into memory the ranks share when the group offers it (one collective, the same on every rank:
   * the handshake checked the models agree), each bucket starting on a 64-byte line.
   */
  private async shareBuckets(): Promise<void> {
    const pg = this.pg;
    if (pg.worldSize === 1 || pg.sharedBuffer === undefined || pg.allReduceSharedScaled === undefined || this.buckets.length === 0) return;
    const starts: number[] = [];
    let total = 0;
    for (const b of this.buckets) { starts.push(total); total += Math.ceil(b.flat.length / 16) * 16; }
    const shared = await pg.sharedBuffer(total);
    if (shared === null) return;
    this.buckets.forEach((b, k) => {
      b.flat = shared.subarray(starts[k], starts[k] + b.flat.length);
      b.shared = true;
      b.params.forEach((p, i) => {
        const w = this.where.get(p)!;
        if (w.view !== null) w.view = new Tensor(b.flat.subarray(b.offsets[i], b.offsets[i] + p.size), p.shape);
      });
    });
  }

  /**
   * backward asks where a parameter's gradient may be written (autograd's gradTarget: the parameter's `.grad` is null,
   * the op overwrites every element): straight into its part of the bucket, unscaled, which is what onGrad would
   * copy there. Once per parameter between two syncGradients(): a second gradient gets its own array (and onGrad then
   * throws as before), so a bucket being reduced is never written.
   */
  private lend(t: Tensor): Float32Array | null {
    const w = this.where.get(t as Parameter);
    if (w === undefined || w.lent || w.marked || !this.isReady || this.noSyncDepth > 0) return null;
    w.lent = true;
    return w.bucket.flat.subarray(w.offset, w.offset + t.size);
  }

  private secondGradient(): never {
    throw new Error('DistributedDataParallel: a parameter got a second gradient before syncGradients(); ' +
      'call `await ddp.syncGradients()` after each backward');
  }

  private onGrad(t: Tensor): void {
    const w = this.where.get(t as Parameter);
    if (w === undefined || t.grad === null) return;
    if (w.marked) this.secondGradient();
    if (this.noSyncDepth > 0) return; // accumulated in .grad; the next backward outside noSync() sends the sum
    w.marked = true;
    const g = t.grad.data;
    const dst = w.bucket.flat;
    const s = 1 / this.pg.worldSize;
    // the 1/N scaling happens with the all-reduce (natively) when the group can, else here
    const nativeScale = w.bucket.shared || this.pg.allReduceScaled !== undefined;
    const inPlace = g.buffer === dst.buffer && g.byteOffset === dst.byteOffset + 4 * w.offset;
    if (inPlace && !nativeScale && s !== 1) for (let i = 0; i < g.length; i++) g[i] *= s; // backward wrote it there
    else if (inPlace || (t.grad === w.view && nativeScale)) { /* backward wrote or accumulated into the bucket */ }
    else if (s === 1 || nativeScale) dst.set(g, w.offset);
    else for (let i = 0; i < g.length; i++) dst[w.offset + i] = g[i] * s;
    if (++w.bucket.ready === w.bucket.params.length) this.launchReady();
  }

  /** Launch, in bucket order, every bucket whose turn it is and that is full. */
  private launchReady(force = false): void {
    while (this.nextBucket < this.buckets.length) {
      const b = this.buckets[this.nextBucket];
      if (!force && b.ready < b.params.length) return;
      if (this.nextBucket === 0) this.firstLaunch = performance.now();
      const s = 1 / this.pg.worldSize;
      b.launched = (b.shared ? this.pg.allReduceSharedScaled!(b.flat, s)
        : s !== 1 && this.pg.allReduceScaled !== undefined ? this.pg.allReduceScaled(b.flat, s) : this.pg.allReduce(b.flat, 'sum'))
        .then(() => { b.done = true; });
      this.nextBucket++;
    }
  }

  /**
   * Wait for every bucket's all-reduce and write the averaged gradients into `.grad`. Call it
   * after each backward, before the optimizer step. A parameter that got no gradient on this
   * rank counts as zero (its averaged gradient is what the other ranks sent).
   */
  async syncGradients(): Promise<void> {
    await this.ready;
    const t0 = performance.now();
    for (const b of this.buckets) {
      if (b.ready < b.params.length) {
        b.params.forEach((p, i) => { if (!this.where.get(p)!.marked) b.flat.fill(0, b.offsets[i], b.offsets[i] + p.size); });
      }
    }
    this.launchReady(true);
    await Promise.all(this.buckets.map((b) => b.launched));
    const t1 = performance.now();
    for (const b of this.buckets) {
      b.params.forEach((p, i) => {
        const w = this.where.get(p)!;
        if (w.view !== null) p.grad = w.view;
        else {
          const v = b.flat.subarray(b.offsets[i], b.offsets[i] + p.size);
          // .grad is the parameter's own array (backward may have written it in the bucket: lend())
          if (p.grad === null || (p.grad.data.buffer === v.buffer && p.grad.data.byteOffset === v.byteOffset)) {
            const own = outputArray(p.size);
            own.set(v);
            p.grad = new Tensor(own, p.shape);
          } else p.grad.data.set(v);
        }
        w.marked = false;
        w.lent = false;
      });
      b.ready = 0;
      b.launched = null;
      b.done = false;
    }
    const total = (t1 - this.firstLaunch) / 1000;
    const exposed = (t1 - t0) / 1000;
    this.lastStats = { buckets: this.buckets.length, allReduceSeconds: total, exposedSeconds: exposed, hiddenShare: total > 0 ? Math.max(0, 1 - exposed / total) : 0 };
    this.nextBucket = 0;
  }

  /**
   * Run `fn` with gradient synchronisation off (PyTorch's `with ddp.no_sync():`), for gradient accumulation: a
   * backward inside adds its gradients into each parameter's `.grad` on this rank alone, with no communication; the
   * first backward after it adds its own and all-reduces the sum, and `syncGradients()` then gives the average over the
   * ranks of each rank's accumulated gradients, as PyTorch does. `fn` may be async: the scope ends when its promise
   * settles. Returns what `fn` returns. Nested scopes are one scope. Every rank must take the same number of synced
   * backwards (the micro-batches under noSync may differ per rank).
   * @example
   * ```js
   * import { distributed, F, nn, optim, randn, tensor } from 'neurite';
   * const pg = { rank: 0, worldSize: 1, allReduce: async (t) => t, broadcast: async (t) => t, allGather: async (t) => tensor(t) };
   * const ddp = await distributed.DistributedDataParallel.create(new nn.Linear(4, 1), pg);
   * const opt = new optim.SGD(ddp.parameters(), { lr: 0.1 });
   * const micro = [randn(8, 4), randn(8, 4), randn(8, 4)];
   * ddp.noSync(() => { for (const x of micro.slice(0, -1)) F.mseLoss(ddp.forward(x), randn(8, 1)).backward(); }); // local only
   * await ddp.backward(F.mseLoss(ddp.forward(micro[2]), randn(8, 1))); // adds the last one, all-reduces the sum
   * opt.step();
   * console.log(ddp.lastStats.buckets); // 1
   * ```
   */
  noSync<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw new TypeError('DistributedDataParallel.noSync: fn must be a function (ddp.noSync(() => { ... backward ... }))');
    if (this.buckets.some((b) => b.ready > 0 || b.launched !== null)) {
      throw new Error('DistributedDataParallel.noSync: a backward has sent gradients that are not synced yet; call `await ddp.syncGradients()` first');
    }
    this.noSyncDepth++;
    return withinScope(fn, () => { this.noSyncDepth--; });
  }

  /** backward from `loss`, then syncGradients(): one call for a training step's gradients. */
  async backward(loss: Tensor): Promise<void> {
    await this.ready;
    loss.backward();
    await this.syncGradients();
  }
}
