// Overhead of diagnostics.watch(model, {every: 100, optimizer}) on W3 (MLP 784-512-512-10, ReLU,
// softmax cross-entropy, batch 128, SGD lr 0.01). Blocks of exactly 100 steps (so each watched
// block holds one sampled step), baseline and watched interleaved round by round so the load of
// this shared machine hits both alike. Reports median step times, the extra cost of the sampled
// step against the steps around it, and the amortised overhead per step.
// Run: npm run build && node bench/diagnostics-watch.bench.mjs [--rounds 5] [--backend js|native]
import * as nt from '../dist/esm/index.js';

const { nn, optim, F, randn, manualSeed, diagnostics, setBackend, backend } = nt;
const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
if (arg('backend')) setBackend(arg('backend'));
const rounds = Number(arg('rounds', 5));
const EVERY = 100;

manualSeed(0);
const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
const x = randn([128, 784]);
const y = Array.from({ length: 128 }, (_, i) => i % 10);
const step = () => {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
};
const block = () => {
  const times = new Float64Array(EVERY);
  for (let i = 0; i < EVERY; i++) {
    const t0 = process.hrtime.bigint();
    step();
    times[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return times;
};
const median = (a) => { const s = Float64Array.from(a).sort(); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const sum = (a) => a.reduce((p, q) => p + q, 0);

for (let i = 0; i < 10; i++) step(); // warm-up
// the first sample runs the diagnostics code cold; measure it once, then warm it as a long run would
const cold = diagnostics.watch(model, { every: EVERY, optimizer: opt });
let t0 = process.hrtime.bigint(); step(); const coldMs = Number(process.hrtime.bigint() - t0) / 1e6;
cold.stop();
const warm = diagnostics.watch(model, { every: 1, optimizer: opt });
for (let i = 0; i < 5; i++) step();
warm.stop();

const base = [], watched = [], baseMed = [], unsampledMed = [], extra = [];
const baseline = () => { const b = block(); base.push(sum(b)); baseMed.push(median(b)); };
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) baseline(); // alternate which block goes first, so order effects cancel
  const w = diagnostics.watch(model, { every: EVERY, optimizer: opt });
  const t = block();
  w.stop();
  if (w.history.length !== 1) throw new Error(`expected one sample per block, got ${w.history.length}`);
  watched.push(sum(t));
  const rest = median(t.slice(1));
  unsampledMed.push(rest);
  extra.push(t[0] - rest); // the sampled step against the steps around it
  if (r % 2 === 1) baseline();
}
const step1 = median(baseMed);
const sampleExtra = median(extra);
const wrapper = median(unsampledMed) - step1;
const res = {
  backend: backend(), rounds, every: EVERY,
  stepMs: +step1.toFixed(3),
  unsampledWatchedStepMs: +median(unsampledMed).toFixed(3),
  sampledStepExtraMs: +sampleExtra.toFixed(3),
  coldFirstSampleMs: +(coldMs - step1).toFixed(1),
  // one sampled step's extra cost spread over its 100 steps, plus the wrapper cost on the other 99
  overheadPct: +(100 * (sampleExtra + (EVERY - 1) * wrapper) / (EVERY * step1)).toFixed(2),
  sampleOnlyOverheadPct: +(100 * sampleExtra / (EVERY * step1)).toFixed(2),
  blockSumOverheadPct: +(100 * (median(watched) - median(base)) / median(base)).toFixed(2),
};
console.log(JSON.stringify(res));
