// Issue 13's training figures, neurite at matmul precision 'highest' and 'medium' next to
// PyTorch 1.13 fp32 and CPU bf16 autocast (bench/peers/bf16_train.py), on the same weights and
// data: train-step rates of W3 (784-512-512-10, batch 128) and of the 1024-wide MLP
// (784-1024-1024-10, batch 256), SGD lr 0.01, cross-entropy, interleaved round by round (median
// of the rounds), and matmul 1024^3 (neurite's public matmul, fp32 tensors in and out, next to
// torch.mm in fp32, on bf16 tensors and under autocast); then the W3 loss curve over 500 steps
// in all four.
//   npm run build && NEURITE_NUM_THREADS=1 node bench/bf16-train.mjs [--rounds 5] [--steps 20] [--curve 500]
// --curve 0 skips the curve. Threads: NEURITE_NUM_THREADS (PyTorch gets the same count).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nt from '../dist/esm/index.js';
import { pythonWith } from './lib/peers.mjs';
import { rng } from './lib/data.mjs';

const { nn, F, optim, tensor } = nt;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('rounds', 5), steps = arg('steps', 20), curveSteps = arg('curve', 500);
const threads = Number(process.env.NEURITE_NUM_THREADS || 1);
const CASES = { w3: [[784, 512, 512, 10], 128], mlp1024: [[784, 1024, 1024, 10], 256] };

// Seeded data (bench/lib/data.mjs's mulberry32 stream), PyTorch's Linear init range, written once for both sides.
const { u, n } = rng(12345);
const dir = mkdtempSync(join(tmpdir(), 'neurite-bf16-'));
const data = {};
const put = (name, a) => { data[name] = a; writeFileSync(join(dir, `${name}.f32`), Buffer.from(a.buffer)); };
for (const [c, [sizes, batch]] of Object.entries(CASES)) {
  for (let l = 0; l + 1 < sizes.length; l++) {
    const b = 1 / Math.sqrt(sizes[l]);
    put(`${c}_w${l}`, Float32Array.from({ length: sizes[l + 1] * sizes[l] }, () => (2 * u() - 1) * b));
    put(`${c}_b${l}`, Float32Array.from({ length: sizes[l + 1] }, () => (2 * u() - 1) * b));
  }
  put(`${c}_x`, Float32Array.from({ length: batch * sizes[0] }, n));
  put(`${c}_y`, Float32Array.from({ length: batch }, () => Math.floor(u() * 10)));
}

function trainer(c) {
  const [sizes, batch] = CASES[c];
  const mods = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const lin = new nn.Linear(sizes[l], sizes[l + 1]);
    lin.weight.data.set(data[`${c}_w${l}`]);
    lin.bias.data.set(data[`${c}_b${l}`]);
    mods.push(lin);
    if (l + 2 < sizes.length) mods.push(new nn.ReLU());
  }
  const model = new nn.Sequential(...mods);
  const x = tensor(data[`${c}_x`], [batch, sizes[0]]);
  const y = Int32Array.from(data[`${c}_y`]);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  return () => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
}
// CPU time of this (the main) thread in seconds, from /proc (Linux; null elsewhere). With 1
// thread every product runs here, so steps per CPU-second do not count the time other processes
// on a shared machine take from this one; PyTorch's side reports time.thread_time() alike.
const threadCpu = () => {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) * 1e-9;
  } catch {
    return null;
  }
};
// [steps/s of wall time, steps per CPU-second of this thread (null without /proc)]
const rate = (c, prec) => nt.withFloat32MatmulPrecision(prec, () => {
  const step = trainer(c);
  for (let i = 0; i < 3; i++) step();
  const c0 = threadCpu(), t0 = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step();
  const wall = Number(process.hrtime.bigint() - t0) * 1e-9, c1 = threadCpu();
  return [steps / wall, c0 === null || c1 === null ? null : steps / (c1 - c0)];
});
const py = pythonWith('torch');
const coretype = process.env.OPENBLAS_CORETYPE || 'SkylakeX';
const torchRun = (what, n) => {
  if (!py) return null;
  // OpenBLAS 0.3.21 does not know the Xeon of sessions 1-6 and falls back to a slow generic
  // kernel for PyTorch's fp32 products; SkylakeX is its fastest setting there (as bench:compare's
  // pytorch-skx). A machine whose environment sets OPENBLAS_CORETYPE keeps it.
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OPENBLAS_CORETYPE: coretype };
  const r = spawnSync(py, [fileURLToPath(new URL('./peers/bf16_train.py', import.meta.url)), dir, String(threads), what, String(n)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`bf16_train.py: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};

const info = nt.backendInfo();
console.log(`cpu: ${cpus()[0].model}; backend ${info.backend}, fp32 ${info.isa.fp32}, bf16 ${info.isa.bf16}, 'high' ${info.isa.high}; threads ${threads}; PyTorch with OPENBLAS_CORETYPE=${coretype}; loadavg before ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const samples = {};
const add = (k, v) => (samples[k] ??= []).push(v);
const N = 1024, ma = nt.randn([N, N]), mb = nt.randn([N, N]);
const mmRate = (p) => nt.withFloat32MatmulPrecision(p, () => {
  nt.matmul(ma, mb);
  const ts = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    nt.matmul(ma, mb);
    ts.push(Number(process.hrtime.bigint() - t0) * 1e-9);
  }
  return (2 * N ** 3) / ts.sort((x, y) => x - y)[2] / 1e9;
});
for (let r = 0; r < rounds; r++) {
  // the order rotates round by round: the first products after PyTorch's process ran measured
  // 2-4x slow (neurite's 'highest' 38-44 GFLOP/s against 115-154 for 'high', the same fp32
  // product, when 'highest' always went first; Zen 5, session 7)
  const rot = (a) => a.map((_, i) => a[(i + r) % a.length]);
  for (const p of rot(['highest', 'medium', 'high'])) add(`mm neurite ${p}`, mmRate(p));
  const m = torchRun('mm', 5);
  if (m) for (const [k, v] of Object.entries(m)) add(`mm torch ${k}`, v);
  for (const c of Object.keys(CASES)) {
    for (const p of rot(['highest', 'medium'])) {
      const [w, cpu] = rate(c, p);
      add(`${c} neurite ${p}`, w);
      if (cpu !== null) add(`${c} neurite ${p} cpu`, cpu);
    }
  }
  const t = torchRun('time', steps);
  if (t) for (const [k, v] of Object.entries(t)) add(`${k.split('_')[0]} torch ${k.split('_').slice(1).join(' ')}`, v);
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
{
  const m = (k) => med(samples[`mm ${k}`] ?? [NaN]);
  console.log(`matmul 1024^3 GFLOP/s (median of ${rounds} rounds x median of 5): neurite highest ${m('neurite highest').toFixed(0)}, ` +
    `medium ${m('neurite medium').toFixed(0)}, high ${m('neurite high').toFixed(0)}; torch fp32 ${m('torch fp32').toFixed(0)}, ` +
    `bf16 tensors ${m('torch bf16').toFixed(0)}, autocast ${m('torch autocast').toFixed(0)}; medium/torch bf16 ${(m('neurite medium') / m('torch bf16')).toFixed(2)}x, ` +
    `high/highest ${(m('neurite high') / m('neurite highest')).toFixed(2)}x`);
}
for (const c of Object.keys(CASES)) {
  const m = (k) => med(samples[`${c} ${k}`] ?? [NaN]);
  console.log(`${c}: steps/s (median of ${rounds}) neurite highest ${m('neurite highest').toFixed(1)}, medium ${m('neurite medium').toFixed(1)}; ` +
    `torch fp32 ${m('torch fp32').toFixed(1)}, autocast ${m('torch bf16').toFixed(1)}; medium/autocast ${(m('neurite medium') / m('torch bf16')).toFixed(2)}x, ` +
    `medium/highest ${(m('neurite medium') / m('neurite highest')).toFixed(2)}x, highest/torch fp32 ${(m('neurite highest') / m('torch fp32')).toFixed(2)}x`);
  if (threads === 1 && samples[`${c} neurite medium cpu`] && samples[`${c} torch bf16 cpu`]) {
    console.log(`${c}: steps per CPU-second of the main thread (median of ${rounds}) neurite highest ${m('neurite highest cpu').toFixed(1)}, ` +
      `medium ${m('neurite medium cpu').toFixed(1)}; torch fp32 ${m('torch fp32 cpu').toFixed(1)}, autocast ${m('torch bf16 cpu').toFixed(1)}; ` +
      `medium/autocast ${(m('neurite medium cpu') / m('torch bf16 cpu')).toFixed(2)}x, medium/highest ${(m('neurite medium cpu') / m('neurite highest cpu')).toFixed(2)}x`);
  }
}
if (curveSteps > 0) {
  const curve = (p) => nt.withFloat32MatmulPrecision(p, () => { const s = trainer('w3'); return Array.from({ length: curveSteps }, () => s()); });
  const hi = curve('highest'), me = curve('medium'), t = torchRun('curve', curveSteps);
  const dev = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(b[i])));
  const at = (a) => [0, 99, 199, 299, 399, curveSteps - 1].filter((i) => i < a.length).map((i) => a[i].toFixed(4)).join(' ');
  console.log(`W3 loss curve, ${curveSteps} SGD steps (steps 1,100,200,300,400,last):`);
  console.log(`  neurite highest ${at(hi)}\n  neurite medium  ${at(me)}`);
  if (t) console.log(`  torch fp32      ${at(t.fp32)}\n  torch autocast  ${at(t.bf16)}`);
  console.log(`  max |medium - highest| / highest over the curve: ${(100 * dev(me, hi)).toFixed(2)}%` +
    (t ? `; autocast vs torch fp32: ${(100 * dev(t.bf16, t.fp32)).toFixed(2)}%; neurite highest vs torch fp32: ${(100 * dev(hi, t.fp32)).toFixed(3)}%` : ''));
}
console.log(`loadavg after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
rmSync(dir, { recursive: true, force: true });
