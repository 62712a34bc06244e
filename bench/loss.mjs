// Cross-entropy with options (issue 12): forward + backward of F.crossEntropy through the fused
// kernel (weight, ignoreIndex, labelSmoothing, probability targets), both backends, against
// PyTorch 1.13's F.cross_entropy on the same data, interleaved case by case (a python3 child
// times its side when asked); the figure is the median over rounds of the per-case ratio.
// Run: flock /tmp/neurite-bench.lock node bench/loss.mjs [--rounds 7]  (build first: npm run build)
// Prints a markdown block for bench/RESULTS.md.
import { argv } from './lib/args.mjs';
import { F, setBackend, tensor } from '../dist/esm/index.js';
import { machine, loadMonitor, loadText } from './lib/machine.mjs';

process.env.NEURITE_NUM_THREADS ??= '1';
const rounds = Number(argv(process.argv.slice(2)).rounds ?? 7);
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${rounds}`);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const range = (xs) => `${med(xs).toPrecision(3)} (${Math.min(...xs).toPrecision(3)}–${Math.max(...xs).toPrecision(3)})`;

// a fixed pseudo-random stream, the same numbers handed to PyTorch through a file
function rng(seed) { let s = seed >>> 0; return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; }; }
const SHAPES = [[4096, 10], [256, 1000]];
const CASES = [
  ['plain', {}],
  ['weight', { weight: true }],
  ['ignoreIndex (1/8 rows)', { ignoreIndex: 0 }],
  ['labelSmoothing 0.1', { labelSmoothing: 0.1 }],
  ['weight + ignoreIndex + labelSmoothing', { weight: true, ignoreIndex: 0, labelSmoothing: 0.1 }],
  ['reduction none', { reduction: 'none' }],
  ['probability targets', { probs: true }],
  ['probability targets + labelSmoothing', { probs: true, labelSmoothing: 0.1 }],
];

function data(N, C) {
  const r = rng(N * 7919 + C);
  const x = Float32Array.from({ length: N * C }, () => (r() * 2 - 1) * 3);
  const t = Int32Array.from({ length: N }, (_, i) => (i % 8 === 0 ? 0 : 1 + Math.floor(r() * (C - 1))));
  const p = Float32Array.from({ length: N * C }, () => r());
  for (let i = 0; i < N; i++) { let s = 0; for (let c = 0; c < C; c++) s += p[i * C + c]; for (let c = 0; c < C; c++) p[i * C + c] /= s; }
  const w = Float32Array.from({ length: C }, () => 0.5 + r());
  return { x, t, p, w };
}

const once = (f) => { const t0 = process.hrtime.bigint(); f(); return Number(process.hrtime.bigint() - t0) / 1e9; };
/** Seconds per call: the median of 15 timings of a batch of calls lasting >= 2 ms. */
function time(f) {
  f(); let k = 1;
  while (once(() => { for (let i = 0; i < k; i++) f(); }) < 2e-3) k *= 2;
  const ts = [];
  for (let i = 0; i < 15; i++) ts.push(once(() => { for (let j = 0; j < k; j++) f(); }) / k);
  return med(ts);
}

// PyTorch's side: one python3 child that times a case each time it reads the case's key on stdin
const py = (file) => `
import sys, time, json, torch, numpy as np
import torch.nn.functional as F
torch.set_num_threads(1)
spec = json.load(open('${file}'))
def med(xs): return sorted(xs)[len(xs) // 2]
def timeit(f):
    f(); k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k): f()
        if time.perf_counter() - t0 >= 2e-3: break
        k *= 2
    ts = []
    for _ in range(15):
        t0 = time.perf_counter()
        for _ in range(k): f()
        ts.append((time.perf_counter() - t0) / k)
    return med(ts)
steps = {}
for sh in spec:
    N, C = sh['N'], sh['C']
    x = torch.tensor(np.array(sh['x'], dtype=np.float32).reshape(N, C), requires_grad=True)
    t = torch.tensor(sh['t'], dtype=torch.long)
    p = torch.tensor(np.array(sh['p'], dtype=np.float32).reshape(N, C))
    w = torch.tensor(np.array(sh['w'], dtype=np.float32))
    for name, o in sh['cases']:
        kw = {'reduction': o.get('reduction', 'mean')}
        if o.get('weight'): kw['weight'] = w
        if 'ignoreIndex' in o: kw['ignore_index'] = o['ignoreIndex']
        if 'labelSmoothing' in o: kw['label_smoothing'] = o['labelSmoothing']
        tgt = p if o.get('probs') else t
        gy = torch.ones(N) if kw['reduction'] == 'none' else None
        def step(x=x, tgt=tgt, kw=kw, gy=gy):
            x.grad = None
            F.cross_entropy(x, tgt, **kw).backward(gy)
        steps[f"{N}x{C} {name}"] = step
print('ready', flush=True)
for line in sys.stdin:
    print(timeit(steps[line.strip()]), flush=True)
`;

const { writeFileSync, mkdtempSync } = await import('node:fs');
const { join } = await import('node:path');
const { tmpdir } = await import('node:os');
const dir = mkdtempSync(join(tmpdir(), 'neurite-loss-bench-'));
const file = join(dir, 'spec.json');
const sets = SHAPES.map(([N, C]) => ({ N, C, ...data(N, C) }));
writeFileSync(file, JSON.stringify(sets.map((s) => ({ N: s.N, C: s.C, x: Array.from(s.x), t: Array.from(s.t), p: Array.from(s.p), w: Array.from(s.w), cases: CASES }))));

const { spawn } = await import('node:child_process');
const { createInterface } = await import('node:readline');
const child = spawn('/usr/bin/python3', ['-c', py(file)], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const ask = async (key) => { if (key !== null) child.stdin.write(`${key}\n`); const r = await lines.next(); return r.value; };
if ((await ask(null)) !== 'ready') throw new Error('bench/loss: the python3 child did not start');

const mon = loadMonitor();
const rows = {};
const add = (k, v) => (rows[k] ??= []).push(v);
const prepared = sets.map((s) => ({ s, x: tensor(s.x.slice(), [s.N, s.C], { requiresGrad: true }), p: tensor(s.p, [s.N, s.C]), w: tensor(s.w, [s.C]),
  gy: tensor(new Float32Array(s.N).fill(1), [s.N]) }));
for (let r = 0; r < rounds; r++) {
  for (const { s, x, p, w, gy } of prepared) {
    for (const [name, o] of CASES) {
      const opts = { reduction: o.reduction ?? 'mean' };
      if (o.weight) opts.weight = w;
      if ('ignoreIndex' in o) opts.ignoreIndex = o.ignoreIndex;
      if ('labelSmoothing' in o) opts.labelSmoothing = o.labelSmoothing;
      const tgt = o.probs ? p : s.t;
      const k = `${s.N}x${s.C} ${name}`;
      // case by case, alternating the order: neurite native, PyTorch, neurite js (and the reverse on odd rounds)
      const order = r % 2 ? ['js', 'torch', 'native'] : ['native', 'torch', 'js'];
      const got = {};
      for (const who of order) {
        if (who === 'torch') { got.torch = Number(await ask(k)); continue; }
        setBackend(who);
        got[who] = time(() => { x.grad = null; F.crossEntropy(x, tgt, opts).backward(opts.reduction === 'none' ? gy : undefined); });
      }
      add(`torch ${k}`, got.torch * 1e6);
      for (const be of ['native', 'js']) { add(`${be} ${k}`, got[be] * 1e6); add(`ratio ${be} ${k}`, got.torch / got[be]); }
    }
  }
}
setBackend('native');
child.stdin.end();
const load = mon.stop();
const m = machine();
const out = [];
out.push('### Cross-entropy with options (issue 12): `node bench/loss.mjs`', '');
out.push(`${m.cpu}, ${m.cores} cores, ${m.isa}; Node ${m.node}; neurite @ ${m.commit}; ${m.date}; ${loadText(load)}.`);
out.push(`Forward + backward of \`F.crossEntropy(x, target, opts)\` (mean unless stated; x requires grad) vs PyTorch 1.13 \`F.cross_entropy\` on the same data, one thread (NEURITE_NUM_THREADS=1, torch.set_num_threads(1)). ${rounds} rounds; in each, every case is timed by neurite native, PyTorch (a python3 child) and neurite js one after the other (order reversed on odd rounds); a time is the median of 15 batches of calls; speed = PyTorch time ÷ neurite time of the same round, median (min–max) over rounds.`, '');
out.push('| shape | options | PyTorch µs | native µs | native speed ÷ PyTorch | js µs | js speed ÷ PyTorch |', '| --- | --- | --- | --- | --- | --- | --- |');
for (const s of sets) for (const [name] of CASES) {
  const k = `${s.N}x${s.C} ${name}`;
  out.push(`| [${s.N}, ${s.C}] | ${name} | ${med(rows[`torch ${k}`]).toPrecision(3)} | ${med(rows[`native ${k}`]).toPrecision(3)} | ${range(rows[`ratio native ${k}`])}× | ${med(rows[`js ${k}`]).toPrecision(3)} | ${range(rows[`ratio js ${k}`])}× |`);
}
console.log(out.join('\n'));
