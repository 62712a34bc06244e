// fit() throughput in a worker with in-memory {x, y}, interleaved between two builds (e.g. this
// one and an older one that sent the whole data set to the worker instead of streaming
// batches): samples/s, median of 5 alternating runs per build.
//   flock /tmp/neurite-bench.lock node bench/fit-feed.mjs dist/esm/index.js /path/to/other/dist/esm/index.js
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpus, loadavg } from 'node:os';

const builds = process.argv.slice(2, 4).map((p) => pathToFileURL(resolve(p)).href);
if (builds.length !== 2) { console.error('usage: node bench/fit-feed.mjs A/dist/esm/index.js B/dist/esm/index.js'); process.exit(2); }
const libs = await Promise.all(builds.map((b) => import(b)));
const configs = [
  { name: 'W3 784-512-512-10, batch 128, 4096 samples, 2 epochs', layers: [784, 512, 512, 10], n: 4096, batch: 128, epochs: 2 },
  { name: 'tiny 30-32-2, batch 32, 455 samples, 20 epochs', layers: [30, 32, 2], n: 455, batch: 32, epochs: 20 },
];
const median = (a) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`${cpus()[0].model}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`);
for (const c of configs) {
  const rates = [[], []];
  for (let rep = 0; rep < 5; rep++) {
    for (let k = 0; k < 2; k++) {
      const { nn, optim, F, fit, randn, manualSeed } = libs[k];
      manualSeed(1);
      const mods = [];
      for (let i = 0; i + 1 < c.layers.length; i++) { mods.push(new nn.Linear(c.layers[i], c.layers[i + 1])); if (i + 2 < c.layers.length) mods.push(new nn.ReLU()); }
      const model = new nn.Sequential(...mods);
      const x = randn([c.n, c.layers[0]]);
      const y = Array.from({ length: c.n }, (_, i) => i % c.layers.at(-1));
      const t = performance.now();
      const h = await fit(model, { x, y }, { epochs: c.epochs, batchSize: c.batch, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: F.crossEntropy, seed: 1, worker: true });
      rates[k].push((c.n * c.epochs) / ((performance.now() - t) / 1000));
      if (h.mode !== 'worker') throw new Error('not in a worker');
    }
  }
  const [a, b] = rates.map(median);
  console.log(`${c.name}: A ${a.toFixed(0)} samples/s, B ${b.toFixed(0)} samples/s, A/B ${(a / b).toFixed(2)}`);
}
console.log(`load after ${loadavg()[0].toFixed(1)}`);
