// Soak: 100,000 W4 training steps (10-64-64-1, MSE, batch 32, SGD) through fit(), RSS of the
// whole process (main thread + worker) sampled at every epoch end (100 steps). RSS moves by
// several MB as V8 and malloc return memory in their own time, so growth is the median of the
// last tenth of the samples minus the median of the tenth after warm-up (the first 10%).
// Usage: node bench/async/soak.mjs [--steps N] [--main] [--trace]   (NEURITE_BACKEND=js|native)
import { F, backend, fit } from '../../dist/esm/index.js';
import { f, table, w4 } from './common.mjs';

const argAt = (k) => process.argv.indexOf(k);
const steps = argAt('--steps') > 0 ? Number(process.argv[argAt('--steps') + 1]) : 100000;
const modes = argAt('--main') > 0 ? [true, false] : [true];
const trace = argAt('--trace') > 0;
const MB = 1024 * 1024;
const rows = [];
for (const worker of modes) {
  const { model, optimizer, x, y, batchSize } = w4(0);
  const perEpoch = x.shape[0] / batchSize;
  const warm = Math.round(steps / 10);
  let atWarm = 0, peak = 0;
  const samples = [];
  const t0 = performance.now();
  const h = await fit(model, { x, y }, {
    epochs: Math.ceil(steps / perEpoch), batchSize, optimizer, loss: F.mseLoss, seed: 1, worker,
    onProgress: (p) => {
      if (!p.epochEnd) return;
      if (globalThis.gc && p.globalStep % 1000 === 0) globalThis.gc(); // with --expose-gc: collect before some samples
      const rss = process.memoryUsage().rss;
      samples.push(rss);
      if (p.globalStep === warm) atWarm = rss;
      if (p.globalStep >= warm) peak = Math.max(peak, rss);
      if (trace && p.globalStep % (steps / 10) === 0) { const m = process.memoryUsage(); console.error(`step ${p.globalStep}: rss ${f(rss / MB)} MB, heap ${f(m.heapUsed / MB)} MB, external ${f(m.external / MB)} MB, arrayBuffers ${f(m.arrayBuffers / MB)} MB`); }
    },
  });
  const ms = performance.now() - t0;
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const median = (a) => { const s = a.slice().sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
  const early = median(samples.slice(tenth, 2 * tenth)), late = median(samples.slice(-tenth));
  rows.push([h.mode, String(h.steps), f(h.steps / (ms / 1000), 0), f(atWarm / MB), f(early / MB), f(late / MB), f(peak / MB), f((late - early) / MB, 2), f(h.loss.at(-1), 4)]);
}
console.log(`Soak on the ${backend()} backend: RSS in MB (whole process)\n`);
console.log(table(['fit mode', 'steps', 'steps/s', 'RSS at warm-up end', 'median after warm-up', 'median of last tenth', 'peak', 'growth', 'final loss'], rows));
