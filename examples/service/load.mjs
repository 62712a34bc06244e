// Load test of the service with a training job in the same process: starts the server on a
// free loopback port, then for each phase sends a fixed number of /predict requests (a few
// in flight at a time, keep-alive) and reports requests per second, latency and the event
// loop's delay. Phases: no training; a W3-sized training through fit() (worker thread); the
// same training time-sliced on the main thread (fit with worker: false, what a custom model
// gets). Every loop is bounded: the training jobs are aborted when a phase's requests are done.
// Usage: node examples/service/load.mjs [--requests N] [--seconds S] [--concurrency C]
import { Agent, request } from 'node:http';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { F, backend, fit, manualSeed, nn, optim, randn } from 'neurite';
import { makeModel } from './make-model.mjs';
import { startServer } from './server.mjs';

const opt = (k, d) => { const i = process.argv.indexOf(k); return i > 0 ? Number(process.argv[i + 1]) : d; };
const REQUESTS = opt('--requests', 2000);
const CONCURRENCY = opt('--concurrency', 4);
const SECONDS = opt('--seconds', 20); // a phase also ends after this long (a slow backend while training)

const modelPath = join(tmpdir(), 'neurite-service-digits.safetensors');
if (!existsSync(modelPath)) await makeModel(modelPath);
const svc = await startServer({ modelPath });
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
manualSeed(3);
const bodies = Array.from({ length: 64 }, () => JSON.stringify({ inputs: [Array.from(randn([64]).data, (v) => Math.abs(v))] }));

function post(body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: svc.port, path: '/predict', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(chunks.length) : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A W3-sized training job (784-512-512-10, batch 128, SGD) that runs until aborted. */
function trainingJob(worker, signal) {
  manualSeed(1);
  const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const x = randn([128 * 8, 784]);
  const y = Int32Array.from({ length: 128 * 8 }, (_, i) => i % 10);
  let steps = 0;
  const done = fit(model, { x, y }, {
    epochs: 1e6, batchSize: 128, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: F.crossEntropy, worker, signal,
    progressIntervalMs: 50, onProgress: (p) => { steps = p.globalStep; },
  }).catch((e) => { if (e.name !== 'AbortError') throw e; return e; });
  return { done, steps: () => steps };
}

async function phase(label, worker) {
  const ac = new AbortController();
  const job = worker === null ? null : trainingJob(worker, ac.signal);
  if (job) await new Promise((r) => setTimeout(r, 300)); // let the job start
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < REQUESTS && performance.now() - t0 < SECONDS * 1000) {
      const body = bodies[next++ % bodies.length];
      const s = performance.now();
      await post(body);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  h.disable();
  const trained = job ? job.steps() : 0;
  ac.abort();
  if (job) await job.done;
  lat.sort((a, b) => a - b);
  const ms = (v) => v.toFixed(1);
  return `| ${label} | ${lat.length} | ${(lat.length / secs).toFixed(0)} | ${ms(lat[Math.floor(lat.length / 2)])} | ${ms(lat[Math.floor(lat.length * 0.99)])} | ${ms(h.percentile(50) / 1e6)} | ${ms(h.percentile(99) / 1e6)} | ${ms(h.max / 1e6)} | ${job ? `${trained} (${(trained / secs).toFixed(1)}/s)` : '-'} |`;
}

const rows = [];
for (const [label, worker] of [['no training', null], ['W3 training via fit() (worker thread)', true], ['W3 training via fit({worker: false}) (time-sliced)', false]]) {
  rows.push(await phase(label, worker));
}
await svc.close();
agent.destroy();
console.log(`POST /predict, up to ${REQUESTS} requests or ${SECONDS} s per phase, ${CONCURRENCY} in flight, ${backend()} backend; ms; event-loop delay from monitorEventLoopDelay (1 ms resolution, idle ~1.0)\n`);
console.log('| phase | requests | requests/s | latency p50 | latency p99 | loop delay p50 | loop delay p99 | loop delay max | training steps (rate) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
