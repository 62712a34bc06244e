/**
 * ProcessGroup: the ranks of one MPI job and the collectives between them (all-reduce,
 * broadcast, all-gather, barrier), as torch.distributed's default group. Every collective is
 * queued to the addon's communication thread and awaited: the event loop never blocks (a small
 * all-reduce on one host may finish on the calling thread within a 20 us bound; on one host every all-reduce goes
 * through shared memory, see sharedMemory). All
 * ranks must issue the same collectives in the same order (an MPI rule).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../tensor.js';
import { mpiRaw, REDUCE_IDS, type MpiRaw } from './addon.js';

/** How allReduce combines the ranks' values (torch.distributed.ReduceOp; 'avg' is AVG). */
export type ReduceOp = 'sum' | 'avg' | 'max' | 'min' | 'product';
const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'avg', 'max', 'min', 'product'];

type Buf = Tensor | Float32Array;
const dataOf = (fn: string, t: unknown): Float32Array => {
  if (t instanceof Tensor) return t.data;
  if (t instanceof Float32Array) return t;
  throw new TypeError(`${fn}: expected a Tensor or a Float32Array, got ${t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name ?? 'an object' : typeof t}`);
};

/**
 * The ranks of an MPI job and their collectives (torch.distributed's process group): rank, worldSize, allReduce, broadcast, barrier, ...
 * @example
 * ```js
 * // not run: joins an MPI job; start it with `mpirun -n 2 node allreduce.mjs` (needs the MPI addon)
 * import { distributed, tensor } from 'neurite';
 * const pg = await distributed.init();
 * const sum = await pg.allReduce(new Float32Array([pg.rank])); // torch.distributed.all_reduce
 * console.log(sum); // Float32Array [ 1 ] on both ranks
 * await pg.destroy();
 * ```
 */
export class ProcessGroup {
  /** This process's rank in 0..worldSize-1. */
  readonly rank: number;
  readonly worldSize: number;
  /** Rank among the processes on this host (one per core or device, as LOCAL_RANK). */
  readonly localRank: number;
  readonly localSize: number;
  /** The MPI library's version line and the thread level it granted. */
  readonly library: string;
  readonly threadLevel: string;
  /**
   * Every rank runs on this host and all-reduces go through memory the ranks share instead of MPI: up to 64 KiB each
   * rank combines every rank's values itself; larger ones go piece by piece through a fixed staging (512 KiB per
   * rank, NEURITE_MPI_SHM_PIECE floats), each rank combining its slice of every rank's piece. Either way in rank
   * order, so every rank gets the same bits; at 2 ranks MPI's, at more ranks a sum may differ from MPI's in the last
   * bit (MPI adds in its own order). False across hosts or with NEURITE_MPI_SHM=off on any rank.
   */
  readonly sharedMemory: boolean;
  /** Seconds the communication thread spent in MPI for the last collective. */
  lastSeconds = 0;
  private destroyed = false;

  /** @internal use distributed.init() */
  constructor(private readonly raw: MpiRaw, info: { rank: number; worldSize: number; localRank: number; localSize: number; threadLevel: string; sharedMemory: boolean }) {
    this.rank = info.rank;
    this.worldSize = info.worldSize;
    this.localRank = info.localRank;
    this.localSize = info.localSize;
    this.threadLevel = info.threadLevel;
    this.sharedMemory = info.sharedMemory;
    this.library = raw.info().library.split('\n')[0].trim();
  }

  private live(fn: string): void {
    if (this.destroyed) throw new Error(`${fn}: the process group was destroyed`);
  }

  /** Reduce `t` across ranks in place (every rank gets the result); returns `t`. */
  allReduce<T extends Buf>(t: T, op: ReduceOp = 'sum'): Promise<T> {
    return this.reduce(() => {
      const d = dataOf('allReduce', t);
      if (!REDUCE_OPS.includes(op)) throw new TypeError(`allReduce: unknown op '${String(op)}' (ops: ${REDUCE_OPS.join(', ')})`);
      return [d, op === 'avg' ? REDUCE_IDS.sum : REDUCE_IDS[op], 1];
    }, (d) => {
      if (op === 'avg') { const s = 1 / this.worldSize; for (let i = 0; i < d.length; i++) d[i] *= s; }
      return t;
    });
  }

  /**
   * @internal DistributedDataParallel's averaging: each rank's `t` multiplied by `scale` (1/worldSize), then summed
   * in place, as PyTorch's reducer divides before the sum. The scaling runs where the all-reduce does.
   */
  allReduceScaled(t: Float32Array, scale: number): Promise<Float32Array> {
    return this.reduce(() => [dataOf('allReduce', t), REDUCE_IDS.sum, scale], () => t);
  }

  // One all-reduce through the addon: `args` checks the input and gives (data, op id, scale); `after` runs on the
  // result. Not an async function: a small all-reduce finished on the calling thread (sharedMemory) returns a
  // number, and then costs the caller one await; a check that throws becomes a rejected promise.
  private reduce<R>(args: () => [Float32Array, number, number], after: (d: Float32Array) => R): Promise<R> {
    let r: number | Promise<number>, d: Float32Array;
    try {
      this.live('allReduce');
      const [data, id, scale] = args();
      d = data;
      r = this.raw.allReduce(d, id, scale);
    } catch (e) { return Promise.reject(e); }
    const done = (seconds: number): R => { this.lastSeconds = seconds; return after(d); };
    return typeof r === 'number' ? Promise.resolve(done(r)) : r.then(done);
  }

  /**
   * @internal DistributedDataParallel's buckets: collective (every rank, in the same order, the same count) -> `count`
   * zeros in memory the ranks share, or null when they do not all run on one host (or NEURITE_MPI_SHM=off on a rank).
   */
  async sharedBuffer(count: number): Promise<Float32Array | null> {
    this.live('sharedBuffer');
    if (this.worldSize === 1) return null;
    return this.raw.sharedBuffer(count);
  }

  /**
   * @internal allReduceScaled for a part of a sharedBuffer() array (the same part on every rank): the ranks sum it
   * through shared memory themselves, in rank order, without MPI.
   */
  async allReduceSharedScaled(t: Float32Array, scale: number): Promise<Float32Array> {
    this.live('allReduce');
    this.lastSeconds = await this.raw.allReduceShared(t, scale);
    return t;
  }

  /** Overwrite `t` on every rank with rank `root`'s `t` (same size on every rank); returns `t`. */
  async broadcast<T extends Buf>(t: T, root = 0): Promise<T> {
    this.live('broadcast');
    const d = dataOf('broadcast', t);
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      throw new RangeError(`broadcast: root must be a rank in 0..${this.worldSize - 1}, got ${String(root)}`);
    }
    this.lastSeconds = await this.raw.broadcast(d, root);
    return t;
  }

  /** Every rank's `t` stacked in rank order: shape [worldSize, ...t.shape]. */
  async allGather(t: Buf): Promise<Tensor> {
    this.live('allGather');
    const d = dataOf('allGather', t);
    const out = new Float32Array(d.length * this.worldSize);
    this.lastSeconds = await this.raw.allGather(d, out);
    return new Tensor(out, [this.worldSize, ...(t instanceof Tensor ? t.shape : [d.length])]);
  }

  /** Resolve once every rank has reached its barrier. */
  async barrier(): Promise<void> {
    this.live('barrier');
    this.lastSeconds = await this.raw.barrier();
  }

  /** Finalize MPI (once per process: MPI cannot start again after this). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (current === this) current = null;
    await this.raw.finalize();
  }
}

/** Set by `neurite launch`: where each rank records its pid, so a lost pid can be named as a rank. */
export const LAUNCH_DIR_ENV = 'NEURITE_LAUNCH_DIR';

let current: ProcessGroup | null = null;
let starting: Promise<ProcessGroup> | null = null;

/**
 * Join the MPI job this process was started in (by mpirun or `neurite launch`); a process
 * started alone is a world of one. Returns the process group; a second call returns the same.
 * Throws an Error saying how to install MPI where the MPI addon is not built.
 * @example
 * ```js
 * // not run: joins an MPI job; start it with `mpirun -n 2 node train.mjs` (needs the MPI addon)
 * import { distributed } from 'neurite';
 * const pg = await distributed.init(); // torch.distributed.init_process_group('mpi')
 * console.log(pg.rank, pg.worldSize);
 * await pg.destroy();
 * ```
 */
export function init(): Promise<ProcessGroup> {
  if (current !== null) return Promise.resolve(current);
  if (starting !== null) return starting;
  let raw: MpiRaw;
  try { raw = mpiRaw(); } catch (e) { return Promise.reject(e); }
  starting = raw.init().then((info) => {
    current = new ProcessGroup(raw, info);
    const dir = process.env[LAUNCH_DIR_ENV];
    if (dir) { try { writeFileSync(join(dir, String(process.pid)), String(info.rank)); } catch { /* the launcher names PIDs then */ } }
    return current;
  }).finally(() => { starting = null; });
  return starting;
}

/**
 * Whether MPI can be used here (the addon is built and loads).
 * @example
 * ```js
 * import { distributed } from 'neurite';
 * console.log(typeof distributed.isAvailable()); // 'boolean': whether the optional MPI addon loaded
 * ```
 */
export function isAvailable(): boolean {
  try { mpiRaw(); return true; } catch { return false; }
}

/**
 * The process group init() made, or null.
 * @example
 * ```js
 * import { distributed } from 'neurite';
 * console.log(distributed.group()); // null outside an MPI job (after init(): the ProcessGroup)
 * ```
 */
export function group(): ProcessGroup | null {
  return current;
}
