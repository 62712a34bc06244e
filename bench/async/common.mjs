// Shared pieces of the service benchmarks: the W3 / W4 models and data, an event-loop delay
// probe, and the markdown helpers. Everything imports the built package (npm run build).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nn, optim, randn, manualSeed } from '../../dist/esm/index.js';

/** W3: MLP 784 -> 512 -> 512 -> 10, ReLU, softmax cross-entropy, batch 128, SGD lr 0.01. */
export function w3(seed = 0, n = 128 * 16) {
  manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const x = randn([n, 784]);
  const y = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 10);
  return { model, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), x, y, batchSize: 128 };
}

/** W4: the seed MLP 10 -> 64 -> 64 -> 1, MSE, batch 32, SGD. */
export function w4(seed = 0, n = 32 * 100) {
  manualSeed(seed);
  const model = new nn.Sequential(new nn.Linear(10, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 1));
  const x = randn([n, 10]);
  const y = randn([n, 1]);
  return { model, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), x, y, batchSize: 32 };
}

/**
 * Event-loop delay while fn runs: a 1 ms timer's interval, so an idle loop reads about 1 ms
 * (the figures include that millisecond). Returns milliseconds.
 */
export async function measureLag(fn) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 20)); // the timer must be running before fn starts, or a blocking fn goes unseen
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  h.disable();
  const q = (p) => h.percentile(p) / 1e6;
  return { out, ms, p50: q(50), p99: q(99), max: h.max / 1e6, samples: h.count };
}

export const f = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

export function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
