// One benchmark process: every case on one backend at one thread count (the parent sets
// NEURITE_BACKEND and NEURITE_NUM_THREADS before the process starts, as a user would), timed by
// benny. Writes the summary as JSON to --json and benny's JSON + chart per workload to --out.
import b from 'benny';
import { CASES, workloadOf } from './lib/cases.mjs';
import { makeData } from './lib/data.mjs';
import { setupCase, nt } from './lib/neurite-cases.mjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { argv } from './lib/args.mjs';

const args = argv(process.argv.slice(2));
const mode = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const be = nt.backend();
const threads = Number(process.env.NEURITE_NUM_THREADS || 1);
const tag = `${be}-t${threads}`;
const out = args.out || 'bench/results';

// benchmark.js options per mode; heavy cases (seconds per call in js) get few samples.
const OPTS = {
  full: { light: { minSamples: 10, maxTime: 2 }, heavy: { minSamples: 3, maxTime: 1 } },
  quick: { light: { minSamples: 5, maxTime: 0.2 }, heavy: { minSamples: 2, maxTime: 0.1 } },
  smoke: { light: { minSamples: 1, maxTime: 0.001, minTime: 0.001 }, heavy: null },
}[mode];

// --quick keeps two activations of W5 (the cheapest and the costliest), to stay under 2 minutes
const QUICK_W5 = ['W5_relu_', 'W5_gelu_f'];

function skipReason(c) {
  // bf16 rows run under --only only when named (W3_sgd does not pull in W3_sgd_bf16)
  if (args.only && !args.only.split(',').some((p) => c.id.startsWith(p) && (!c.bf16 || p.includes('bf16')))) return 'filtered';
  if (mode === 'quick' && c.act && !QUICK_W5.some((p) => c.id.startsWith(p))) return 'filtered';
  if (!c.heavy || be !== 'js') return null;
  if (c.gflop > 10) return 'js: over 5 s per call';
  if (mode === 'smoke') return 'heavy on js (smoke)';
  if (mode === 'quick') return 'heavy on js (--quick)';
  return null;
}

const results = [];
const skipped = [];
const groups = [...new Set(CASES.map((c) => workloadOf(c.id)))];
for (const w of groups) {
  const cases = CASES.filter((c) => workloadOf(c.id) === w);
  const adds = [];
  for (const c of cases) {
    const why = skipReason(c);
    if (why) { if (why !== 'filtered') skipped.push({ id: c.id, why }); continue; }
    const { fn } = setupCase(c.id, makeData(c.id));
    fn(); // warm-up (JIT, first-touch of buffers, thread-pool start)
    const o = c.heavy ? OPTS.heavy ?? OPTS.light : OPTS.light;
    adds.push(b.add(c.id, fn, o));
  }
  if (adds.length === 0) continue;
  mkdirSync(out, { recursive: true });
  const saves = mode === 'smoke' ? [] : [
    b.save({ file: `${w}-${tag}`, folder: out, format: 'json', details: true }),
    b.save({ file: `${w}-${tag}`, folder: out, format: 'chart.html' }),
  ];
  const summary = await b.suite(`${w} ${tag}`, ...adds, b.complete(() => {}), ...saves);
  for (const r of summary.results) {
    const d = r.details;
    results.push({ id: r.name, samples: d.sampleResults.length, median: d.median, min: d.min, max: d.max, mean: d.mean });
  }
}

const summary = { backend: be, threads, mode, results, skipped };
if (args.json) writeFileSync(args.json, JSON.stringify(summary, null, 1));
else process.stdout.write(JSON.stringify(summary) + '\n');
