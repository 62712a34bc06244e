// A prediction service: loads a safetensors model and answers
//   POST /predict  {"inputs": [[64 numbers], ...]}  ->  {"classes": [...], "probabilities": [[10 numbers], ...]}
//   GET  /health                                    ->  {"ok": true, "backend": "native"}
// The forward passes run in an InferencePool, so a training job or other requests in this
// process never wait for them, and they never wait for the event loop. Loopback only.
// Usage: node examples/service/server.mjs [model.safetensors] [port]
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { InferencePool, backend, io, nn, tensor } from 'neurite';

const MAX_BODY = 1 << 20;
const MAX_ROWS = 256;

/** The model a file describes: Sequential(Linear(in, hidden), ReLU, Linear(hidden, out)). */
export async function loadModel(path) {
  const { tensors } = await io.loadSafetensors(path);
  const w0 = tensors['0.weight'], w2 = tensors['2.weight'];
  if (!w0 || !w2) throw new Error(`${path}: expected the keys 0.weight and 2.weight of a Sequential(Linear, ReLU, Linear)`);
  const model = new nn.Sequential(new nn.Linear(w0.shape[1], w0.shape[0]), new nn.ReLU(), new nn.Linear(w2.shape[1], w2.shape[0]));
  model.loadStateDict(tensors);
  return model.eval();
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { reject(Object.assign(new Error('request body over 1 MiB'), { status: 413 })); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch { reject(Object.assign(new Error('body is not JSON'), { status: 400 })); }
    });
    req.on('error', reject);
  });
}

/** Check the request's inputs: 1..MAX_ROWS rows of `width` finite numbers. */
function inputs(body, width) {
  const rows = body?.inputs;
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_ROWS) throw Object.assign(new Error(`"inputs" must be 1 to ${MAX_ROWS} rows`), { status: 400 });
  for (const [i, r] of rows.entries()) {
    if (!Array.isArray(r) || r.length !== width || !r.every(Number.isFinite)) {
      throw Object.assign(new Error(`inputs[${i}] must be ${width} finite numbers`), { status: 400 });
    }
  }
  return tensor(rows);
}

/** Start the service on 127.0.0.1; resolves to {server, port, pool, close()}. */
export async function startServer({ modelPath, port = 0, poolSize = 1 }) {
  const model = await loadModel(modelPath);
  const width = model.at(0).inFeatures;
  const pool = new InferencePool({ size: poolSize });
  const served = pool.load(model);
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url === '/health') return reply(res, 200, { ok: true, backend: backend() });
      if (req.method !== 'POST' || req.url !== '/predict') return reply(res, 404, { error: 'POST /predict or GET /health' });
      const x = inputs(await readJson(req), width);
      const logits = await served.forward(x);
      const probs = logits.softmax(-1);
      const C = logits.shape[1];
      const classes = [], probabilities = [];
      for (let i = 0; i < logits.shape[0]; i++) {
        const row = Array.from(probs.data.subarray(i * C, (i + 1) * C));
        probabilities.push(row.map((p) => Number(p.toFixed(5))));
        classes.push(row.indexOf(Math.max(...row)));
      }
      reply(res, 200, { classes, probabilities });
    } catch (e) {
      reply(res, e.status ?? 500, { error: e.message });
    }
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  return {
    server, pool, model, port: server.address().port,
    close: async () => { await new Promise((r) => server.close(r)); await pool.close(); },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = await startServer({ modelPath: process.argv[2] ?? 'digits-mlp.safetensors', port: Number(process.argv[3] ?? 8080) });
  console.log(`serving on http://127.0.0.1:${s.port} (POST /predict, GET /health), ${backend()} backend`);
}
