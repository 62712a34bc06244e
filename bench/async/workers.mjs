// Four worker threads train four models at once (fit() in a worker each); the same four runs
// one after another must give bit-identical weights. Prints both wall times.
// Usage: node bench/async/workers.mjs [--epochs N]   (NEURITE_BACKEND=js|native)
import { F, backend, fit } from '../../dist/esm/index.js';
import { f, table, w4 } from './common.mjs';

const arg = process.argv.indexOf('--epochs');
const epochs = arg > 0 ? Number(process.argv[arg + 1]) : 20;

async function run(seed) {
  const { model, optimizer, x, y, batchSize } = w4(seed);
  const h = await fit(model, { x, y }, { epochs, batchSize, optimizer, loss: F.mseLoss, seed: 1000 + seed, worker: true });
  return { weights: model.parameters().map((p) => Buffer.from(p.data.buffer).toString('base64')).join(','), steps: h.steps, loss: h.loss.at(-1) };
}

const seeds = [1, 2, 3, 4];
let t = performance.now();
const together = await Promise.all(seeds.map(run));
const msTogether = performance.now() - t;
t = performance.now();
const apart = [];
for (const s of seeds) apart.push(await run(s));
const msApart = performance.now() - t;
const same = together.every((r, i) => r.weights === apart[i].weights);
const distinct = new Set(together.map((r) => r.weights)).size === 4;
console.log(`4 x W4 training (${together[0].steps} steps each) on the ${backend()} backend\n`);
console.log(table(['runs', 'wall ms', 'steps/s (all four)', 'bit-identical to sequential'], [
  ['4 workers at once', f(msTogether, 0), f((4 * together[0].steps) / (msTogether / 1000), 0), same && distinct ? 'yes' : 'NO'],
  ['one after another', f(msApart, 0), f((4 * apart[0].steps) / (msApart / 1000), 0), ''],
]));
if (!same || !distinct) process.exitCode = 1;
