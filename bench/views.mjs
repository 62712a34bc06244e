// Strided views (issue 11 §1): interleaved rounds, one thread, medians over rounds.
//   a.matmul(b.T) vs F.linear(a, b); the TN / NT GEMM shapes through matmul on transposed views
//   vs the same shapes untransposed; the transpose copy (x.T.contiguous()) in ns/element, kernel
//   and API, both backends; W5 relu forward in place vs a fresh result, next to PyTorch's relu /
//   relu_ timed in a python3 child between rounds.
// Run: flock /tmp/neurite-bench.lock node bench/views.mjs [--rounds 9]  (build first: npm run build)
// Prints a markdown block for bench/RESULTS.md.
import { argv } from './lib/args.mjs';
import { spawnSync } from 'node:child_process';
import { F, matmul, randn, setBackend } from '../dist/esm/index.js';
import { getBackend } from '../dist/esm/backend/index.js';
import { machine, loadMonitor, loadText } from './lib/machine.mjs';
import { W5_N } from './lib/data.mjs';

process.env.NEURITE_NUM_THREADS ??= '1';
const rounds = Number(argv(process.argv.slice(2)).rounds ?? 9);
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${rounds}`);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const range = (xs) => `${med(xs).toPrecision(4)} (${Math.min(...xs).toPrecision(4)}–${Math.max(...xs).toPrecision(4)})`;


setBackend('native');
const mon = loadMonitor();
const rows = {};
const add = (k, v) => (rows[k] ??= []).push(v);

// a: [128, 784], b: [512, 784] (PyTorch's weight layout): a·bᵀ is F.linear(a, b)
const a = randn([128, 784]), b = randn([512, 784]);
const bT = b.T.contiguous(); // [784, 512], for the untransposed NT baseline
// TN 784×128×512: A stored [512, 784], op(A) = A.T; B [512, 128]
const At = randn([512, 784]), B2 = randn([512, 128]);
const A2 = At.T.contiguous();
const n = 1024, big = randn([n, n]), dst = new Float32Array(n * n);
const x5 = randn([W5_N]), x5i = x5.data.slice();
const { tensor } = await import('../dist/esm/index.js');
const xin = tensor(x5i, [W5_N]);

const py = `
import sys, time, torch
torch.set_num_threads(1)
n = ${W5_N}
x = torch.randn(n) * 3
def best(f):
    f(); k = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(k): f()
        if time.perf_counter() - t0 > 0.02: break
        k *= 2
    b = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(k): f()
        b = min(b, (time.perf_counter() - t0) / k)
    return b
print(best(lambda: torch.relu(x)) * 1e9 / n, best(lambda: torch.relu_(x)) * 1e9 / n)
`;

/** Seconds of one call of f (after a warm-up). */
function once(f) { const t0 = process.hrtime.bigint(); f(); return Number(process.hrtime.bigint() - t0) / 1e9; }
/** Paired ratios time(fb)/time(fa), calls alternating a, b, b, a so both see the same load; their median is the figure. */
function pairs(fa, fb, n) {
  fa(); fb();
  const out = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) { const ta = once(fa), tb = once(fb); out.push(tb / ta); }
    else { const tb = once(fb), ta = once(fa); out.push(tb / ta); }
  }
  return out;
}
/** The fastest of n calls, in seconds (the figure least disturbed by other processes). */
function fastest(f, n) { f(); let b = Infinity; for (let i = 0; i < n; i++) b = Math.min(b, once(f)); return b; }

for (let r = 0; r < rounds; r++) {
  rows.ratio_matmul_bT_over_linear ??= [];
  rows.ratio_matmul_bT_over_linear.push(...pairs(() => F.linear(a, b), () => matmul(a, b.T), 40));
  rows.NT_ratio ??= []; rows.NT_ratio.push(...pairs(() => matmul(a, b.T), () => matmul(a, bT), 40));
  rows.TN_ratio ??= []; rows.TN_ratio.push(...pairs(() => matmul(At.T, B2), () => matmul(A2, B2), 40));
  add('linear', fastest(() => F.linear(a, b), 20) * 1e6); add('matmul_bT', fastest(() => matmul(a, b.T), 20) * 1e6);
  const ntT = fastest(() => matmul(a, b.T), 20), ntU = fastest(() => matmul(a, bT), 20);
  const tnT = fastest(() => matmul(At.T, B2), 20), tnU = fastest(() => matmul(A2, B2), 20);
  add('NT_gflops', 2 * 128 * 512 * 784 / ntT / 1e9); add('TN_gflops', 2 * 784 * 128 * 512 / tnT / 1e9);
  add('NT_fast_ratio', ntU / ntT); add('TN_fast_ratio', tnU / tnT);
  add('lin_fast_ratio', fastest(() => matmul(a, b.T), 20) / fastest(() => F.linear(a, b), 20));
  for (const be of ['native', 'js']) {
    const k = getBackend(be);
    add(`copy_kernel_${be}`, fastest(() => k.stridedCopy([n, n], big.storage, 0, [1, n], dst, 0, [n, 1]), 20) * 1e9 / (n * n));
    setBackend(be);
    add(`copy_api_${be}`, fastest(() => big.T.contiguous(), 20) * 1e9 / (n * n));
    setBackend('native');
  }
  add('relu_fresh', fastest(() => F.relu(x5), 20) * 1e9 / W5_N);
  add('relu_inplace', fastest(() => F.relu(xin, { inplace: true }), 20) * 1e9 / W5_N);
  const p = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (p.status === 0) { const [f, i] = p.stdout.trim().split(/\s+/).map(Number); add('torch_relu_fresh', f); add('torch_relu_inplace', i); }
}
const load = mon.stop();
const m = machine();
const out = [];
out.push(`### Strided views (issue 11 §1): \`node bench/views.mjs\``, '');
out.push(`${m.cpu}, ${m.cores} cores, ${m.isa}; Node ${m.node}; neurite @ ${m.commit}; ${m.date}; ${loadText(load)}.`);
out.push(`One thread (NEURITE_NUM_THREADS=1, torch.set_num_threads(1)); ${rounds} rounds. Ratios: median (min–max) of ${rounds * 40} paired calls alternating the two sides (robust to the load); times: median (min–max) over rounds of the fastest of 20 calls.`, '');
out.push('| figure | value | target |', '| --- | --- | --- |');
out.push(`| \`a.matmul(b.T)\` ÷ \`F.linear(a, b)\` time, a [128,784], b [512,784] | ${range(rows.ratio_matmul_bT_over_linear)}× (${med(rows.matmul_bT).toPrecision(4)} vs ${med(rows.linear).toPrecision(4)} µs) | ≤ 1.1× |`);
out.push(`| the same, fastest of 20 calls each, per round | ${range(rows.lin_fast_ratio)}× | ≤ 1.1× |`);
out.push(`| NT 128×512×784: \`matmul(a, b.T)\` speed ÷ untransposed \`matmul(a, bT)\` | ${range(rows.NT_ratio)}× (${med(rows.NT_gflops).toPrecision(4)} GFLOP/s) | ≥ 0.9× |`);
out.push(`| NT, fastest of 20 calls each, per round | ${range(rows.NT_fast_ratio)}× | ≥ 0.9× |`);
out.push(`| TN 784×128×512: \`matmul(A.T, B)\` speed ÷ untransposed | ${range(rows.TN_ratio)}× (${med(rows.TN_gflops).toPrecision(4)} GFLOP/s) | ≥ 0.9× |`);
out.push(`| TN, fastest of 20 calls each, per round | ${range(rows.TN_fast_ratio)}× | ≥ 0.9× |`);
for (const be of ['native', 'js']) {
  out.push(`| 1024×1024 transpose to contiguous, ${be} kernel (reused output) | ${range(rows[`copy_kernel_${be}`])} ns/elem | ${be === 'native' ? '≤ 1 ns/elem' : ''} |`);
  out.push(`| \`x.T.contiguous()\` 1024×1024, ${be} (new output each call) | ${range(rows[`copy_api_${be}`])} ns/elem | |`);
}
out.push(`| W5 relu forward, fresh result (\`F.relu(x)\`), 4M elements | ${range(rows.relu_fresh)} ns/elem | |`);
out.push(`| W5 relu forward in place (\`F.relu(x, { inplace: true })\`) | ${range(rows.relu_inplace)} ns/elem | |`);
if (rows.torch_relu_fresh) {
  out.push(`| PyTorch 1.13 \`torch.relu(x)\` / \`torch.relu_(x)\`, same rounds | ${range(rows.torch_relu_fresh)} / ${range(rows.torch_relu_inplace)} ns/elem | |`);
  out.push(`| W5 relu in place, neurite ÷ PyTorch relu_ (speed) | ${(med(rows.torch_relu_inplace) / med(rows.relu_inplace)).toPrecision(3)}× | |`);
}
console.log(out.join('\n'));
