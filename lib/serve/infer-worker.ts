/**
 * An inference worker: keeps the models it has been sent (by key, with the version of the
 * weights it holds) and answers forward requests one at a time, under noGrad.
 */
import { parentPort } from 'node:worker_threads';
import { backend, setBackend } from '../backend/index.js';
import { noGrad } from '../autograd.js';
import { Tensor } from '../tensor.js';
import type { Module } from '../nn/module.js';
import { applyState, buildModel } from '../worker/spec.js';
import { MAX_MODELS, type InferReply, type InferRequest } from './infer-protocol.js';

const port = parentPort!;
const models = new Map<string, { model: Module; version: number }>();

function handle(m: InferRequest): InferReply {
  if (backend() !== m.backend) setBackend(m.backend);
  let entry = models.get(m.key);
  if (m.spec) {
    entry = { model: buildModel(m.spec), version: -1 };
    models.set(m.key, entry);
    if (models.size > MAX_MODELS) models.delete(models.keys().next().value as string);
  }
  if (!entry) throw new Error(`forwardAsync: the worker has no model '${m.key}'`);
  if (m.state) { applyState(entry.model, m.state); entry.version = m.version; }
  if (entry.version !== m.version) throw new Error(`forwardAsync: the worker holds weights version ${entry.version}, asked for ${m.version}`);
  const out = noGrad(() => entry!.model.forward(new Tensor(m.x, m.shape)));
  // the reply transfers its buffer: a view into a shared one (ops/util outputArray) is copied
  const data = out.data.byteOffset === 0 && out.data.byteLength === out.data.buffer.byteLength ? out.data : out.data.slice();
  return { id: m.id, ok: true, data, shape: out.shape };
}

port.on('message', (m: InferRequest | { type: 'drop'; key: string }) => {
  if (m.type === 'drop') { models.delete(m.key); return; }
  try {
    const r = handle(m);
    port.postMessage(r, r.ok ? [r.data.buffer as ArrayBuffer] : []);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id: m.id, ok: false, name: err.name, message: err.message } satisfies InferReply);
  }
});
