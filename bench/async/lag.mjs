// Event-loop delay while a W3-sized training (784-512-512-10, batch 128, SGD) runs in this
// process: fit() in a worker thread, fit() time-sliced on this thread (worker: false: what a
// custom model gets), and a plain synchronous loop of the same steps, for comparison.
// Usage: node bench/async/lag.mjs [--steps N]   (env NEURITE_BACKEND=js|native picks the backend)
import { F, backend, fit } from '../../dist/esm/index.js';
import { f, measureLag, table, w3 } from './common.mjs';

const arg = process.argv.indexOf('--steps');
const steps = arg > 0 ? Number(process.argv[arg + 1]) : backend() === 'js' ? 32 : 160;
const n = 128 * 16;
const epochs = Math.ceil(steps / 16);

async function viaFit(worker) {
  const { model, optimizer, x, y } = w3(0, n);
  const r = await measureLag(() => fit(model, { x, y }, { epochs, batchSize: 128, optimizer, loss: F.crossEntropy, seed: 1, worker }));
  return { ...r, steps: r.out.steps, mode: r.out.mode };
}

async function syncLoop() {
  const { model, optimizer, x, y } = w3(0, n);
  return measureLag(async () => {
    for (let s = 0; s < epochs * 16; s++) {
      const i = (s % 16) * 128;
      const xb = x.data.subarray(i * 784, (i + 128) * 784);
      const out = model.forward(new x.constructor(xb, [128, 784]));
      const loss = F.crossEntropy(out, y.subarray(i, i + 128));
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
    }
    // the loop never let the 1 ms timer run: this lets it record the one delay it saw
    await new Promise((r) => setTimeout(r, 5));
    return { steps: epochs * 16 };
  }).then((r) => ({ ...r, steps: r.out.steps, mode: 'sync' }));
}

const rows = [];
for (const [label, run] of [['fit() in a worker thread', () => viaFit(true)], ['fit() time-sliced on the main thread', () => viaFit(false)], ['synchronous loop (one event-loop turn)', syncLoop]]) {
  const r = await run();
  rows.push([label, String(r.steps), f((r.steps * 128) / (r.ms / 1000), 0), f(r.p50, 2), f(r.p99, 2), f(r.max, 1)]);
  console.error(`${label}: ${JSON.stringify({ ms: Math.round(r.ms), p99: r.p99, max: r.max })}`);
}
console.log(`W3 training on the ${backend()} backend, event-loop delay in ms (monitorEventLoopDelay, 1 ms resolution, idle reads ~1.0)\n`);
console.log(table(['how it trains', 'steps', 'samples/s', 'p50', 'p99', 'max'], rows));
