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
import type { MainMessage, ModelSource, StartMessage, Sync, WorkerMessage } from './protocol.js';

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
  const loss = msg.loop.loss;
  if (loss === null) throw new TypeError('fit: a worker needs a built-in loss');
  t = new Trainer(model, params, () => opt.step(), LOSSES[loss] as unknown as LossCall, msg.loop);
}

function handle(m: MainMessage): void {
  if (m.type === 'abort') { stop(); return; }
  if (aborted) { if (m.type === 'batches') send({ type: 'credit' }); return; }
  switch (m.type) {
    case 'begin': t.beginEpoch(); lastReport = performance.now(); break;
    case 'batches':
      for (const b of m.items) {
        if (m.phase === 'val') { t.evalBatch(b); continue; }
        if (Atomics.load(abort, 0) !== 0) { stop(); break; }
        t.trainBatch(b);
        if (performance.now() - lastReport >= interval) {
          send({ type: 'progress', r: { ...t.running(), globalStep: t.globalStep } });
          lastReport = performance.now();
        }
      }
      send({ type: 'credit' });
      break;
    case 'endEpoch': {
      const stats = t.endEpoch();
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
  chain = chain.then(() => {
    if (failed) return;
    return m.type === 'start' ? start(m) : handle(m);
  }).catch((e: unknown) => {
    failed = true;
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: 'error', name: err.name, message: err.message, stack: err.stack });
  });
});
