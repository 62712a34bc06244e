/**
 * fit's side of distributed training (`fit(model, data, { distributed: pg })`): the process
 * group check, wrapping the model in DistributedDataParallel, the agreement between ranks
 * before every step (does every rank have a batch? did one ask to stop?) and the epoch's
 * statistics combined over the ranks, exactly (float64 sums sent as 16-bit pieces), so every
 * rank returns the same history.
 */
import { Module } from '../nn/module.js';
import { DistributedDataParallel, type Collectives } from '../distributed/ddp.js';

/** A process group as fit needs it (distributed.init()'s ProcessGroup, or a stand-in in tests). */
export function checkGroup(pg: unknown): Collectives {
  const g = pg as Collectives | null;
  if (g === null || typeof g !== 'object' || typeof g.allReduce !== 'function' || typeof g.allGather !== 'function'
    || typeof g.broadcast !== 'function' || !Number.isInteger(g.worldSize) || !Number.isInteger(g.rank)) {
    throw new TypeError('fit: distributed must be a process group (const pg = await distributed.init())');
  }
  return g;
}

/** The model to train and its DDP wrapper: the one given, or a new one (closed at the end of fit). */
export async function wrap(model: Module, pg: Collectives): Promise<{ inner: Module; ddp: DistributedDataParallel; own: boolean }> {
  if (model instanceof DistributedDataParallel) {
    if (model.processGroup !== pg) throw new TypeError('fit: the DistributedDataParallel model was made with another process group than fit\'s distributed option');
    await model.ready;
    return { inner: model.module, ddp: model, own: false };
  }
  // fit owns this wrapper and its loop: .grad as views of the buckets saves the copy back each step
  const ddp = new DistributedDataParallel(model, pg, { gradientAsBucketView: true });
  try {
    await ddp.ready;
  } catch (e) {
    ddp.detachHooks();
    throw e;
  }
  return { inner: model, ddp, own: true };
}

/** What every rank agreed before a step. */
export interface Agreement {
  /** Ranks that asked to stop (abort signal, an onProgress that threw). */
  stopping: number[];
  /** Ranks that have a batch for this step. */
  withBatch: number;
}

/** The collectives fit runs besides DDP's, the same sequence on every rank. */
export class RankSync {
  constructor(readonly pg: Collectives) {}

  /** One small all-gather before each step (and one that says "stop" from a rank that leaves). */
  async agree(stop: boolean, hasBatch: boolean): Promise<Agreement> {
    const all = (await this.pg.allGather(new Float32Array([stop ? 1 : 0, hasBatch ? 1 : 0]))).data;
    const stopping: number[] = [];
    let withBatch = 0;
    for (let r = 0; r < this.pg.worldSize; r++) {
      if (all[2 * r] !== 0) stopping.push(r);
      withBatch += all[2 * r + 1];
    }
    return { stopping, withBatch };
  }

  /**
   * Every rank's sums added up in rank order (the same result on every rank; exact float64,
   * each number sent as four 16-bit integers); the last entry, milliseconds, is the slowest rank's.
   */
  async combine(sums: number[]): Promise<number[]> {
    const k = sums.length;
    const bits = new Uint16Array(Float64Array.from(sums).buffer);
    const all = (await this.pg.allGather(Float32Array.from(bits))).data;
    const out = new Array<number>(k).fill(0);
    const one = new Float64Array(k);
    const view = new Uint16Array(one.buffer);
    for (let r = 0; r < this.pg.worldSize; r++) {
      for (let i = 0; i < view.length; i++) view[i] = all[r * view.length + i];
      for (let i = 0; i < k - 1; i++) out[i] += one[i];
      out[k - 1] = Math.max(out[k - 1], one[k - 1]);
    }
    return out;
  }
}
