// Transparent huge pages for fresh tensor memory (native/addon/hugepages.h), A/B in fresh
// processes: NEURITE_MALLOC unset (malloc tuned + huge pages), =no-thp (tuned, 4 KiB pages),
// =default (glibc as it is), interleaved per round. Per child, from its first call: the time and
// minor page faults of each of the first --calls public `matmul` calls (1 thread) on each
// --shapes shape, and of each of the first --steps W3 training steps (784-512-512-10, ReLU,
// cross-entropy, SGD momentum 0.9, batch 128, 1 rank, as bench/distributed/w3-rank.mjs --plain),
// on the main thread and in a worker thread (where fit() trains by default: its own malloc arena).
// Reports per mode the medians over rounds of: total ms and faults over the first calls/steps,
// the median call/step, and the number of slow steps (> 1.5x the process's own median step).
//   npm run build && flock /tmp/neurite-bench.lock node bench/hugepages.mjs [--rounds 5]
//     [--calls 60] [--steps 40] [--shapes 1024x1024x1024,512x512x2048] [--modes huge,no-thp,default]
// --modes may add glibc-hugetlb: GLIBC_TUNABLES=glibc.malloc.hugetlb=1 with the same thresholds
// (glibc 2.35+ asks for the huge pages itself; only settable before the process starts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { join, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const { values: a } = parseArgs({ options: {
  child: { type: 'string' }, rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '60' },
  steps: { type: 'string', default: '40' }, shapes: { type: 'string', default: '1024x1024x1024,512x512x2048' },
  modes: { type: 'string', default: 'huge,no-thp,default' },
} });
const faults = () => process.resourceUsage().minorPageFault;

async function child(what) {
  if (what === 'w3-worker') {
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(new URL(import.meta.url), { argv: ['--child', 'w3', '--steps', a.steps], stdout: true });
    let out = '';
    w.stdout.on('data', (d) => { out += d; });
    await new Promise((res, rej) => { w.on('exit', res); w.on('error', rej); });
    process.stdout.write(out);
    return;
  }
  const nt = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
  const rows = [];
  if (what === 'w3') {
    const { nn, optim, F, manualSeed, randn, tensor } = nt;
    manualSeed(1);
    const B = 128;
    const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const batches = Array.from({ length: 4 }, (_, i) => ({ x: randn([B, 784]), y: tensor(Array.from({ length: B }, (_, j) => (i + j) % 10)) }));
    for (let s = 0; s < Number(a.steps); s++) {
      const { x, y } = batches[s % 4];
      const f0 = faults(), t0 = performance.now();
      opt.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      opt.step();
      rows.push([performance.now() - t0, faults() - f0]);
    }
  } else {
    const [M, N, K] = what.split('x').map(Number);
    const x = nt.randn([M, K]), y = nt.randn([K, N]);
    for (let i = 0; i < Number(a.calls); i++) {
      const f0 = faults(), t0 = performance.now();
      nt.matmul(x, y);
      rows.push([performance.now() - t0, faults() - f0]);
    }
  }
  process.stdout.write(JSON.stringify({ rows, malloc: nt.backendInfo().malloc }) + '\n');
}

function main() {
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1];
  const model = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model\s*:\s*(\d+)/m) ?? [])[1];
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const thp = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
  console.log(`CPU: ${cpu} (model ${model}); node ${process.versions.node}; THP enabled: ${thp}; ${new Date().toISOString()}; load before: ${load()}`);
  const modes = a.modes.split(',');
  // glibc-hugetlb: glibc 2.35+ madvises its own heaps (the addon then leaves malloc alone)
  const GLIBC = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728' };
  const envOf = (m) => ({ NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: '1',
    ...(m === 'huge' ? {} : m === 'glibc-hugetlb' ? GLIBC : { NEURITE_MALLOC: m }) });
  const med = (v) => [...v].sort((p, q) => p - q)[v.length >> 1];
  const sum = (v) => v.reduce((s, x) => s + x, 0);
  for (const what of [...a.shapes.split(','), 'w3', 'w3-worker']) {
    const res = Object.fromEntries(modes.map((m) => [m, []]));
    let malloc = {};
    for (let r = 0; r < Number(a.rounds); r++) {
      for (const m of modes) {
        const clean = { ...process.env };
        delete clean.NEURITE_MALLOC;
        delete clean.GLIBC_TUNABLES;
        const c = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--child', what, '--calls', a.calls, '--steps', a.steps],
          { encoding: 'utf8', env: { ...clean, ...envOf(m) } });
        if (c.status !== 0) throw new Error(c.stderr);
        const { rows, malloc: mm } = JSON.parse(c.stdout.trim().split('\n').pop());
        malloc[m] = mm;
        const ms = rows.map((q) => q[0]), f = rows.map((q) => q[1]), m0 = med(ms);
        res[m].push({ total: sum(ms), faults: sum(f), median: m0, slow: ms.filter((t) => t > 1.5 * m0).length, first: ms[0], firstFaults: f[0] });
      }
    }
    const w3 = what.startsWith('w3');
    const n = w3 ? `${a.steps} W3 steps${what === 'w3-worker' ? ' in a worker thread' : ''}` : `${a.calls} matmul ${what} calls`;
    console.log(`\n${n}, 1 thread, medians of ${a.rounds} rounds (modes interleaved per round); load after: ${load()}`);
    console.log('| mode (info().malloc) | total ms | page faults (total) | faults per call | median call ms | slow (>1.5x median) | first call ms, faults |');
    console.log('|---|---|---|---|---|---|---|');
    for (const m of modes) {
      const v = res[m], g = (k) => med(v.map((x) => x[k]));
      console.log(`| ${m} (${malloc[m]}) | ${g('total').toFixed(1)} | ${g('faults')} | ${(g('faults') / Number(w3 ? a.steps : a.calls)).toFixed(1)} | ${g('median').toFixed(2)} | ${g('slow')} | ${g('first').toFixed(1)}, ${g('firstFaults')} |`);
    }
    if (modes.includes('huge') && modes.includes('no-thp')) {
      const ratio = res.huge.map((x, i) => res['no-thp'][i].total / x.total);
      console.log(`total time no-thp / huge, per round: ${ratio.map((x) => x.toFixed(2)).join(' ')} (median ${med(ratio).toFixed(2)})`);
    }
  }
}

if (a.child) await child(a.child);
else main();
