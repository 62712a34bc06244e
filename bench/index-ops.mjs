// Index and join ops (issue 11 §2): indexSelect, gather, scatter, scatterAdd, cat, stack, neurite
// (native backend, one thread) vs PyTorch 1.13 (torch.set_num_threads(1)) on the same shapes.
// Rounds alternate: the neurite ops, then a python3 child timing the same ops, so both sides
// see the same load; per op and side the fastest call of each round, median over rounds.
// Run: flock /tmp/neurite-bench.lock node bench/index-ops.mjs [--rounds 7]  (build first: npm run build)
// Prints a markdown block for bench/RESULTS.md.
import { argv } from './lib/args.mjs';
import { spawnSync } from 'node:child_process';
import { cat, gather, indexSelect, randn, scatter, scatterAdd, setBackend, stack, zeros } from '../dist/esm/index.js';
import { machine, loadMonitor, loadText } from './lib/machine.mjs';

process.env.NEURITE_NUM_THREADS ??= '1';
const rounds = Number(argv(process.argv.slice(2)).rounds ?? 7);
if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be a positive integer, got ${rounds}`);
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
setBackend('native');

// The shapes (the python child below builds the same ones).
const x = randn([4096, 256]);
const idxSel = Int32Array.from({ length: 1024 }, (_, i) => (i * 2654435761) % 4096);
const g = randn([1024, 512]);
const idxG = Int32Array.from({ length: 1024 * 16 }, (_, i) => (i * 40503) % 512);
const src = randn([1024, 16]), base = zeros([1024, 512]);
const parts = [randn([512, 256]), randn([512, 256]), randn([512, 256])];
const many = Array.from({ length: 8 }, () => randn([256, 256]));
const { tensor } = await import('../dist/esm/index.js');
const idxGt = tensor(Float32Array.from(idxG), [1024, 16]);

const ops = {
  'indexSelect(x[4096,256], 0, 1024 rows)': () => indexSelect(x, 0, idxSel),
  'gather(x[1024,512], 1, index[1024,16])': () => gather(g, 1, idxGt),
  'scatter(zeros[1024,512], 1, index[1024,16], src)': () => scatter(base, 1, idxGt, src),
  'scatterAdd(zeros[1024,512], 1, index[1024,16], src)': () => scatterAdd(base, 1, idxGt, src),
  'cat(3 x [512,256], 0)': () => cat(parts, 0),
  'cat(3 x [512,256], 1)': () => cat(parts, 1),
  'stack(8 x [256,256], 0)': () => stack(many, 0),
};
const py = `
import time, torch
torch.set_num_threads(1)
x = torch.randn(4096, 256)
idx_sel = torch.tensor([(i * 2654435761) % 4096 for i in range(1024)], dtype=torch.int64)
g = torch.randn(1024, 512)
idx_g = torch.tensor([(i * 40503) % 512 for i in range(1024 * 16)], dtype=torch.int64).view(1024, 16)
src = torch.randn(1024, 16); base = torch.zeros(1024, 512)
parts = [torch.randn(512, 256) for _ in range(3)]
many = [torch.randn(256, 256) for _ in range(8)]
ops = [lambda: torch.index_select(x, 0, idx_sel), lambda: torch.gather(g, 1, idx_g),
       lambda: torch.scatter(base, 1, idx_g, src), lambda: torch.scatter_add(base, 1, idx_g, src),
       lambda: torch.cat(parts, 0), lambda: torch.cat(parts, 1), lambda: torch.stack(many, 0)]
def fastest(f, n=30):
    f(); b = 1e9
    for _ in range(n):
        t0 = time.perf_counter(); f(); b = min(b, time.perf_counter() - t0)
    return b
print(' '.join(str(fastest(f) * 1e6) for f in ops))
`;
function fastest(f, n = 30) {
  f(); let b = Infinity;
  for (let i = 0; i < n; i++) { const t0 = process.hrtime.bigint(); f(); b = Math.min(b, Number(process.hrtime.bigint() - t0) / 1e3); }
  return b;
}
const names = Object.keys(ops);
const ours = names.map(() => []), theirs = names.map(() => []), ratio = names.map(() => []);
const mon = loadMonitor();
for (let r = 0; r < rounds; r++) {
  const n = names.map((k) => fastest(ops[k]));
  const p = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`python3: ${p.stderr}`);
  const t = p.stdout.trim().split(/\s+/).map(Number);
  names.forEach((_, i) => { ours[i].push(n[i]); theirs[i].push(t[i]); ratio[i].push(t[i] / n[i]); });
}
const load = mon.stop();
const m = machine();
const out = [`### Index and join ops (issue 11 §2): \`node bench/index-ops.mjs\``, '',
  `${m.cpu}, ${m.cores} cores, ${m.isa}; Node ${m.node}; neurite @ ${m.commit}; ${m.date}; ${loadText(load)}.`,
  `One thread each (NEURITE_NUM_THREADS=1, torch.set_num_threads(1)), native backend, ${rounds} rounds alternating neurite and a PyTorch 1.13 child; per round the fastest of 30 calls; medians over rounds (ratio: min–max over rounds).`, '',
  '| op | neurite µs | PyTorch µs | neurite speed ÷ PyTorch |', '| --- | --- | --- | --- |'];
names.forEach((k, i) => out.push(`| \`${k}\` | ${med(ours[i]).toPrecision(3)} | ${med(theirs[i]).toPrecision(3)} | ${med(ratio[i]).toFixed(2)}× (${Math.min(...ratio[i]).toFixed(2)}–${Math.max(...ratio[i]).toFixed(2)}) |`));
console.log(out.join('\n'));
