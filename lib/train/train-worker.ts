/**
 * The training worker: rebuilds the model (from its description, or by importing the user's
 * class from its file) and the optimizer, then runs the batches the calling thread streams to
 * it, in order, and answers each epoch end with the statistics and the weights.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../backend/index.js';
import { setFloat32MatmulPrecision } from '../precision.js';
import { Module } from '../nn/module.js';
import { buildModel, applyState, snapshotState, stateTensors } from '../worker/spec.js';
import { LOSSES } from './losses.js';
import { Trainer, type LossCall } from './loop.js';
import { buildOptimizer, exportState, stateBuffers } from './optim-spec.js';
import { DistributedDataParallel, type Collectives } from '../distributed/ddp.js';
import { Tensor } from '../tensor.js';
import * as trace from './trace.js';
import type { CollOp, MainMessage, ModelSource, StartMessage, Sync, WorkerMessage } from './protocol.js';

const port = parentPort!;

function send(m: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function makeModel(src: ModelSource, state: Float32Array[]): Promise<Module> {
  if (src.kind === 'spec') return buildModel(src.spec);
  const mod = await import(src.url) as Record<string, unknown>;
  const C = mod[src.exportName];
  if (typeof C !== 'function') throw new TypeError(`fit: ${src.url} does not export a class named ${src.exportName} (the model's class)`);
  const m = new (C as new (...a: unknown[]) => unknown)(...src.args);
  if (!(m instanceof Module)) {
    throw new TypeError(`fit: new ${src.exportName}(...moduleArgs) from ${src.url} is not an nn.Module of this neurite (does the file import 'neurite' as your program does?)`);
  }
  const ts = stateTensors(m);
  if (ts.length !== state.length || ts.some((t, i) => t.size !== state[i].length)) {
    throw new RangeError(`fit: new ${src.exportName}(...moduleArgs) from ${src.url} does not have your model's state (${ts.length} tensors against ${state.length}, or other sizes): pass the constructor's arguments as moduleArgs`);
  }
  return m;
}

let t: Trainer;
let model: Module;
let opt: ReturnType<typeof buildOptimizer>;
let abort: Int32Array;
let aborted = false;
let interval = 100;
let lastReport = 0;
let handshake = false;
let seq = 0; // progress reports sent
let ddp: DistributedDataParallel | null = null;

// ---- distributed: the calling thread's process group, relayed
let collSeq = 0;
const pendingColl = new Map<number, { t: Float32Array; res: (t: Float32Array) => void; rej: (e: Error) => void }>();
/**
 * One collective through the calling thread: `t` goes as a copy, the result is written back into it; a part of a
 * sharedBuffer() array (allReduceSharedScaled) goes as itself, and the calling thread all-reduces it in place.
 */
function relay(op: CollOp, t: Float32Array, scale = 1, root = 0): Promise<Float32Array> {
  const id = ++collSeq;
  const inPlace = op === 'allReduceSharedScaled';
  const data = inPlace ? t : t.slice();
  return new Promise((res, rej) => {
    pendingColl.set(id, { t, res, rej });
    send({ type: 'coll', id, op, data, scale, root }, inPlace ? [] : [data.buffer as ArrayBuffer]);
  });
}
function relayDone(m: Extract<MainMessage, { type: 'collDone' }>): void {
  const p = pendingColl.get(m.id);
  if (!p) return;
  pendingColl.delete(m.id);
  if (m.inPlace) { p.res(p.t); return; }
  if (m.data === null) { p.rej(new Error(m.error ?? 'fit: a collective failed on the calling thread')); return; }
  if (m.data.length === p.t.length) p.t.set(m.data);
  p.res(m.data.length === p.t.length ? p.t : m.data);
}
function relayGroup(d: NonNullable<StartMessage['dist']>): Collectives {
  return {
    rank: d.rank, worldSize: d.worldSize,
    allReduce: (t) => relay('allReduce', t),
    // where the group scales natively, DDP's buckets live in memory this thread shares with the calling thread, which
    // all-reduces them there (no copy of a bucket between the threads); the same bits as the calling thread's fit
    ...(d.scaled ? {
      allReduceScaled: (t: Float32Array, s: number) => relay('allReduceScaled', t, s),
      sharedBuffer: async (n: number) => new Float32Array(new SharedArrayBuffer(n * 4)),
      allReduceSharedScaled: (t: Float32Array, s: number) => relay('allReduceSharedScaled', t, s),
    } : {}),
    broadcast: (t, root = 0) => relay('broadcast', t, 1, root),
    allGather: async (t) => { const all = await relay('allGather', t); return new Tensor(all, [d.worldSize, t.length]); },
  };
}

function sync(): [Sync, ArrayBuffer[]] {
  const state = snapshotState(model);
  const optState = exportState(opt);
  return [{ state, optState, globalStep: t.globalStep, rng: t.rngState() }, [...state.map((s) => s.buffer as ArrayBuffer), ...stateBuffers(optState)]];
}

function stop(): void {
  if (aborted) return;
  aborted = true;
  const [s, tr] = sync();
  send({ type: 'aborted', ...s }, tr);
}

async function start(msg: StartMessage): Promise<void> {
  setBackend(msg.backend);
  setFloat32MatmulPrecision(msg.precision);
  model = await makeModel(msg.model, msg.state);
  applyState(model, msg.state);
  model.train();
  const params = model.parameters();
  opt = buildOptimizer(msg.optimizer, params);
  abort = new Int32Array(msg.abort);
  interval = msg.progressIntervalMs;
  handshake = msg.handshake;
  const loss = msg.loop.loss;
  if (loss === null) throw new TypeError('fit: a worker needs a built-in loss');
  t = new Trainer(model, params, () => opt.step(), LOSSES[loss] as unknown as LossCall, msg.loop);
  trace.begin();
  if (msg.dist) {
    // as fit on the calling thread: gradients as views of the buckets (no copy back)
    ddp = await DistributedDataParallel.create(model, relayGroup(msg.dist), { gradientAsBucketView: true });
    send({ type: 'ready' });
  }
}

/** A distributed step: forward and backward, the gradients' all-reduce (relayed), then the update. */
async function trainSynced(b: Parameters<Trainer['trainBatch']>[0]): Promise<void> {
  const d = ddp!;
  await t.trainBatchSynced(b, async () => {
    await d.syncGradients();
    send({ type: 'stepSynced' });
  });
}

async function handle(m: MainMessage): Promise<void> {
  if (m.type === 'abort') { stop(); return; }
  if (aborted) { if (m.type === 'batches') send({ type: 'credit' }); return; }
  switch (m.type) {
    case 'begin': t.beginEpoch(); lastReport = performance.now(); break;
    case 'batches':
      for (const b of m.items) {
        if (m.phase === 'val') { t.evalBatch(b); continue; }
        if (Atomics.load(abort, 0) !== 0) { stop(); break; }
        trace.mark('start');
        if (ddp) await trainSynced(b);
        else t.trainBatch(b);
        trace.endStep();
        if (performance.now() - lastReport >= interval) {
          send({ type: 'progress', r: { ...t.running(), globalStep: t.globalStep }, seq: ++seq });
          // the calling thread's onProgress runs before the next step: an abort it asks for stops here
          if (handshake) for (let a = Atomics.load(abort, 1); a < seq; a = Atomics.load(abort, 1)) Atomics.wait(abort, 1, a);
          lastReport = performance.now();
        }
      }
      send({ type: 'credit' });
      break;
    case 'sums': send({ type: 'sums', sums: t.epochSums() }); break;
    case 'endEpoch': {
      const stats = t.endEpoch(m.combined);
      trace.write('worker', 'worker'); // (rewritten at every epoch end: the worker is terminated after fit)
      const [s, tr] = sync();
      send({ type: 'epoch', stats, ...s }, tr);
      break;
    }
    default: break;
  }
}

let chain: Promise<void> = Promise.resolve();
let failed = false;
port.on('message', (m: MainMessage) => {
  // a relayed collective's result: at once (a step awaiting it holds the chain)
  if (m.type === 'collDone') { relayDone(m); return; }
  chain = chain.then(() => {
    if (failed) return;
    return m.type === 'start' ? start(m) : handle(m);
  }).catch((e: unknown) => {
    failed = true;
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: 'error', name: err.name, message: err.message, stack: err.stack });
  });
});
