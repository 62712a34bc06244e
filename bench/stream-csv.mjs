// One epoch of fit() over a generated CSV larger than the data a process should hold (default
// 2.1 GB, 30 features + a 0/1 label), streamed through data.CsvDataset and a shuffle buffer:
// peak RSS (sampled every 50 ms, and the kernel's ru_maxrss) and rows/s. The file is made
// once in /tmp (never in the repository) and reused. From the build:
//   npm run build && flock /tmp/neurite-bench.lock node bench/stream-csv.mjs [--gb 2.1] [--file PATH] [--worker true|false] [--keep]
import { createWriteStream, existsSync, statSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { once } from 'node:events';
import { F, data, fit, manualSeed, nn, optim, backend } from '../dist/esm/index.js';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] ?? true : d; };
const GB = Number(arg('gb', 2.1));
const file = arg('file', `/tmp/neurite-stream-${GB}g.csv`);
const worker = arg('worker', 'true') === 'true';
const FEATURES = 30;

async function generate(path, bytes) {
  const out = createWriteStream(path);
  out.write(Array.from({ length: FEATURES }, (_, i) => `f${i}`).join(',') + ',label\n');
  let s = 12345, written = 0, rows = 0;
  // values drawn from a table of 4096 formatted numbers in (-1, 1): writing the file costs little
  const table = Array.from({ length: 4096 }, (_, i) => (((i + 0.5) / 4096) * 2 - 1).toFixed(6));
  const pick = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s >>> 20; };
  const v = new Int32Array(FEATURES);
  while (written < bytes) {
    const lines = [];
    for (let r = 0; r < 20000; r++) {
      let line = '';
      for (let k = 0; k < FEATURES; k++) { v[k] = pick(); line += table[v[k]] + ','; }
      lines.push(line + (v[0] + v[1] - v[2] > 2048 ? 1 : 0));
    }
    const chunk = lines.join('\n') + '\n';
    written += chunk.length;
    rows += lines.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

const want = GB * 1e9;
if (!existsSync(file) || statSync(file).size < want) {
  const t = performance.now();
  const rows = await generate(file, want);
  console.error(`generated ${file}: ${(statSync(file).size / 1e9).toFixed(2)} GB, ${rows} rows in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

manualSeed(0);
const model = new nn.Sequential(new nn.Linear(FEATURES, 32), new nn.ReLU(), new nn.Linear(32, 2));
let peak = 0;
const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
const timer = setInterval(sample, 50);
const load0 = loadavg()[0];
const t0 = performance.now();
const h = await fit(model, new data.CsvDataset(file), {
  epochs: 1, batchSize: 256, shuffle: true, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
  loss: F.crossEntropy, seed: 0, worker,
});
const secs = (performance.now() - t0) / 1000;
clearInterval(timer);
sample();
const rows = h.epochs[0].samples;
const result = {
  file: `${(statSync(file).size / 1e9).toFixed(2)} GB`, rows, mode: h.mode, backend: backend(), seconds: +secs.toFixed(1),
  rowsPerSec: Math.round(rows / secs), mbPerSec: +(statSync(file).size / 1e6 / secs).toFixed(1),
  peakRssMB: Math.round(peak / 1e6), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1e3),
  loss: +h.loss[0].toFixed(4), accuracy: +h.accuracy[0].toFixed(4),
  cpu: cpus()[0].model, cores: cpus().length, loadavg: `${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`,
};
console.log(JSON.stringify(result));
if (!arg('keep', false)) rmSync(file, { force: true });
