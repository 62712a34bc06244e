/**
 * The training worker: rebuilds the model and optimizer from their descriptions, runs the
 * steps back to back, and sends the weights back at every epoch end and when aborted.
 */
import { parentPort } from 'node:worker_threads';
import { setBackend } from '../backend/index.js';
import { setFloat32MatmulPrecision } from '../precision.js';
import { buildModel, applyState, snapshotState } from '../worker/spec.js';
import { LOSSES } from './losses.js';
import { Trainer, type LossCall } from './loop.js';
import { buildOptimizer, exportState, stateBuffers } from './optim-spec.js';
import type { StartMessage, Sync, WorkerMessage } from './protocol.js';

const port = parentPort!;

function send(m: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function sync(model: ReturnType<typeof buildModel>, opt: ReturnType<typeof buildOptimizer>): [Sync, ArrayBuffer[]] {
  const state = snapshotState(model);
  const optState = exportState(opt);
  return [{ state, optState }, [...state.map((s) => s.buffer as ArrayBuffer), ...stateBuffers(optState)]];
}

function run(msg: StartMessage): void {
  setBackend(msg.backend);
  setFloat32MatmulPrecision(msg.precision);
  const model = buildModel(msg.spec);
  applyState(model, msg.state);
  model.train();
  const params = model.parameters();
  const opt = buildOptimizer(msg.optimizer, params);
  const abort = new Int32Array(msg.abort);
  const t = new Trainer(model, params, () => opt.step(), LOSSES[msg.loss] as unknown as LossCall, msg.data, msg.loop);
  let lastReport = performance.now();
  while (!t.done) {
    if (Atomics.load(abort, 0) !== 0) {
      const [s, tr] = sync(model, opt);
      send({ type: 'aborted', p: t.progress(false), ...s }, tr);
      return;
    }
    const stats = t.step();
    if (stats) {
      const [s, tr] = sync(model, opt);
      send({ type: 'epoch', stats, p: t.progress(true), ...s }, tr);
      lastReport = performance.now();
    } else if (performance.now() - lastReport >= msg.progressIntervalMs) {
      send({ type: 'progress', p: t.progress(false) });
      lastReport = performance.now();
    }
  }
  send({ type: 'done', history: t.history });
}

port.once('message', (msg: StartMessage) => {
  try {
    run(msg);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    send({ type: 'error', name: err.name, message: err.message, stack: err.stack });
  }
});
