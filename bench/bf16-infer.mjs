// Issue 13's packed-weight cache: what packing each weight once per version gains, neurite
// alone, cache on vs off (packedWeightCache limitBytes 64 MiB vs 0) interleaved round by round,
// medians: inference (noGrad) of W3 (784-512-512-10, batch 128) and of the 1024-wide MLP
// (784-1024-1024-10, batch 256) through Sequential's chain, F.linear 1024^3 with a frozen weight
// (GFLOP/s, fp32 in and out, fresh output each call), and the W3 SGD train step (the trained
// weights are not kept: a control, expected 1.0x), at 'medium' and 'high'.
//   npm run build && NEURITE_NUM_THREADS=1 node bench/bf16-infer.mjs [--rounds 7] [--reps 20]
import { cpus, loadavg } from 'node:os';
import * as nt from '../dist/esm/index.js';

const { nn, F, optim, randn, noGrad } = nt;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rounds = arg('rounds', 7), reps = arg('reps', 20);
nt.manualSeed(1);

function mlp(sizes) {
  const mods = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    mods.push(new nn.Linear(sizes[l], sizes[l + 1]));
    if (l + 2 < sizes.length) mods.push(new nn.ReLU());
  }
  return new nn.Sequential(...mods);
}
const w3 = mlp([784, 512, 512, 10]), x3 = randn([128, 784]);
const big = mlp([784, 1024, 1024, 10]), xb = randn([256, 784]);
const lw = randn([1024, 1024]), lx = randn([1024, 1024]);
const train = mlp([784, 512, 512, 10]), opt = new optim.SGD(train.parameters(), { lr: 0.01 });
const ty = Int32Array.from({ length: 128 }, (_, i) => i % 10);
const cases = {
  'W3 inference': { run: () => noGrad(() => w3.forward(x3)), unit: 'calls/s', per: 1 },
  'MLP-1024 inference': { run: () => noGrad(() => big.forward(xb)), unit: 'calls/s', per: 1 },
  'F.linear 1024^3': { run: () => F.linear(lx, lw), unit: 'GFLOP/s', per: 2 * 1024 ** 3 / 1e9 },
  'W3 train step': { run: () => { opt.zeroGrad(); F.crossEntropy(train.forward(x3), ty).backward(); opt.step(); }, unit: 'steps/s', per: 1 },
};
const LIMIT = 64 * 1024 * 1024;
console.log(`cpu: ${cpus()[0]?.model}; ${JSON.stringify(nt.backendInfo().isa)}; threads ${process.env.NEURITE_NUM_THREADS || 'default'}; load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
const median = (a) => a.slice().sort((p, q) => p - q)[a.length >> 1];
for (const prec of ['medium', 'high']) {
  nt.setFloat32MatmulPrecision(prec);
  for (const [name, c] of Object.entries(cases)) {
    const t = { on: [], off: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 ? ['off', 'on'] : ['on', 'off']) {
        nt.packedWeightCache({ limitBytes: mode === 'on' ? LIMIT : 0 });
        c.run(); c.run(); // warm (the first call with the cache on packs)
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < reps; i++) c.run();
        t[mode].push(Number(process.hrtime.bigint() - t0) / 1e9 / reps);
      }
    }
    const on = c.per / median(t.on), off = c.per / median(t.off);
    console.log(`${prec.padEnd(6)} ${name.padEnd(20)} cache on ${on.toFixed(1).padStart(8)} ${c.unit}, off ${off.toFixed(1).padStart(8)}: ${(on / off).toFixed(2)}x`);
  }
}
// F.linear 1024^3 at each precision (cache on), interleaved: 'high' and 'medium' against neurite's fp32
nt.packedWeightCache({ limitBytes: LIMIT });
const lin = cases['F.linear 1024^3'], tp = { highest: [], high: [], medium: [] };
for (let r = 0; r < rounds; r++) {
  for (const prec of Object.keys(tp)) {
    nt.setFloat32MatmulPrecision(prec);
    lin.run();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) lin.run();
    tp[prec].push(Number(process.hrtime.bigint() - t0) / 1e9 / reps);
  }
}
const g = Object.fromEntries(Object.entries(tp).map(([k, v]) => [k, lin.per / median(v)]));
console.log(`F.linear 1024^3, frozen weight, cache on: highest ${g.highest.toFixed(1)}, high ${g.high.toFixed(1)}, medium ${g.medium.toFixed(1)} GFLOP/s; high/highest ${(g.high / g.highest).toFixed(2)}x, medium/highest ${(g.medium / g.highest).toFixed(2)}x`);
nt.setFloat32MatmulPrecision('highest');
console.log(`load after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
