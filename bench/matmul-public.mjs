// Public `matmul` (a fresh output every call) against OpenBLAS's own C loop
// (bench/native/openblas_loop.c, cblas_sgemm into a reused C, OPENBLAS_CORETYPE=SkylakeX set for
// that child only), fp32, interleaved: each round runs a neurite child then an OpenBLAS child
// for the same shape and thread count (and a neurite child with NEURITE_MALLOC=default, glibc's
// malloc untuned, for the before/after); the ratio is per round, the figure the median over
// rounds. Also, in one process, public `matmul` at 'highest' and 'medium' against
// `backend.gemm` into a reused output (interleaved blocks): what the fresh output still costs,
// most visible on the short bf16 product.
//   npm run build && flock /tmp/neurite-bench.lock node bench/matmul-public.mjs [--rounds 5]
//     [--threads 1,2] [--shapes 1024x1024x1024,...] [--ms 150] [--no-medium] [--openblas-default]
// --cpu-time: time 1-thread rows by the process's CPU time (user + system, all threads: the
// page faults of a fresh output and V8's GC threads count) on both sides, which other processes
// on a shared machine cannot inflate; 2-thread rows stay wall clock.
// --warmup-ms T: the neurite child warms up for T ms of calls instead of 2 calls (OpenBLAS's loop
// reuses its C, so 2 calls already reach its steady state).
// --openblas-default adds a fourth child per round: OpenBLAS with the environment as inherited
// (the machine's own OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, or its auto-detected kernel).
// --thp-ab adds a neurite child with NEURITE_MALLOC=no-thp per round (malloc tuned, no
// transparent huge pages: native/addon/hugepages.h), for the huge-pages A/B.
// Needs libopenblas-dev (cblas.h) and gcc; builds build-sgemm/openblas_loop when missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };

async function child() {
  // --child M N K blocks ms: print the median GFLOP/s of public matmul with fresh outputs
  const [M, N, K, blocks, ms] = argv.slice(1, 6).map(Number);
  const cpu = argv[6] === 'cpu';  // argv[6]: 'cpu' | 'wall'; argv[7]: warm-up ms
  const clock = cpu ? () => { const u = process.cpuUsage(); return BigInt(u.user + u.system) * 1000n; } : () => process.hrtime.bigint();
  const nt = await import('../dist/esm/index.js');
  const a = nt.randn([M, K]), b = nt.randn([K, N]);
  // warm-up: 2 calls, or --warmup-ms of calls (the heap grows to hold the outputs V8 has not
  // collected yet: first-touch faults until its size is steady)
  const warmMs = Number(argv[7] ?? 0), w0 = process.hrtime.bigint();
  for (let w = 0; w < 2 || Number(process.hrtime.bigint() - w0) / 1e6 < warmMs; w++) nt.matmul(a, b);
  const g = [];
  const f0 = process.resourceUsage().minorPageFault;
  let calls = 0;
  for (let r = 0; r < blocks; r++) {
    let it = 0, t;
    const t0 = clock();
    do { nt.matmul(a, b); it++; t = Number(clock() - t0) / 1e9; } while (t * 1e3 < ms || it < 3);
    g.push(2 * M * N * K * it / t / 1e9);
    calls += it;
  }
  const faults = (process.resourceUsage().minorPageFault - f0) / calls;
  g.sort((x, y) => x - y);
  process.stdout.write(`${g[blocks >> 1].toFixed(2)} ${faults.toFixed(1)} ${nt.backendInfo().malloc}\n`);
}

async function medium() {
  // public matmul vs backend.gemm (same precision, --precision, default 'medium') into one
  // reused output, 1024^3
  const nt = await import('../dist/esm/index.js');
  const { B } = await import('../dist/esm/backend/index.js');
  const n = 1024, rounds = Number(opt('--rounds', 5)), ms = Number(opt('--ms', 150)), prec = opt('--precision', 'medium');
  const a = nt.randn([n, n]), b = nt.randn([n, n]);
  const out = new Float32Array(n * n);
  const gf = (fn) => {
    let it = 0, t;
    const t0 = process.hrtime.bigint();
    do { fn(); it++; t = Number(process.hrtime.bigint() - t0) / 1e9; } while (t * 1e3 < ms || it < 3);
    return 2 * n * n * n * it / t / 1e9;
  };
  const pub = [], raw = [], ratio = [];
  let calls = 0, faults = 0;
  nt.withFloat32MatmulPrecision(prec, () => {
    for (let w = 0; w < 3; w++) { nt.matmul(a, b); B().gemm(false, false, n, n, n, 1, a.data, b.data, 0, out); }
    for (let r = 0; r < rounds; r++) {
      const f0 = process.resourceUsage().minorPageFault;
      const p = gf(() => { nt.matmul(a, b); calls++; });
      faults += process.resourceUsage().minorPageFault - f0;
      const q = gf(() => B().gemm(false, false, n, n, n, 1, a.data, b.data, 0, out));
      pub.push(p); raw.push(q); ratio.push(p / q);
    }
  });
  const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  process.stdout.write(JSON.stringify({ pub: med(pub), raw: med(raw), ratio: med(ratio), malloc: nt.backendInfo().malloc, faults: faults / calls }) + '\n');
}

function openblasBinary() {
  const src = 'bench/native/openblas_loop.c', bin = 'build-sgemm/openblas_loop';
  if (existsSync(bin) && statSync(bin).mtimeMs > statSync(src).mtimeMs) return bin;
  if (!existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h')) {
    throw new Error('OpenBLAS headers not found (install: apt-get install -y libopenblas-dev)');
  }
  mkdirSync('build-sgemm', { recursive: true });
  const ob = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
  const r = spawnSync('gcc', ['-O2', src, '-I/usr/include/x86_64-linux-gnu/openblas-pthread', `-L${ob}`, `-Wl,-rpath,${ob}`, '-lopenblas', '-o', bin], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('gcc failed building openblas_loop');
  return bin;
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout.trim();
}

function main() {
  const rounds = Number(opt('--rounds', 5)), ms = Number(opt('--ms', 150)), blocks = 5;
  const threads = opt('--threads', '1,2').split(',').map(Number);
  const shapes = opt('--shapes', '1024x1024x1024,2048x2048x2048,128x784x512,512x512x2048').split(',').map((s) => s.split('x').map(Number));
  const bin = openblasBinary();
  const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? cpus()[0]?.model;
  const model = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model\s*:\s*(\d+)/m) ?? [])[1];
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`CPU: ${cpu} (model ${model}); node ${process.versions.node}; load before: ${load()}`);
  const obDefault = argv.includes('--openblas-default'), thpAb = argv.includes('--thp-ab');
  const obEnv = `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'}, OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? 'unset'}`;
  console.log('| M×N×K | threads | neurite matmul GFLOP/s | OpenBLAS loop GFLOP/s | ratio (median of rounds) | ratio range | page faults per neurite call | with NEURITE_MALLOC=default: GFLOP/s, ratio |'
    + (obDefault ? ` OpenBLAS, inherited env (${obEnv}): GFLOP/s, neurite ratio |` : '')
    + (thpAb ? ' with NEURITE_MALLOC=no-thp: GFLOP/s, ratio, page faults per call |' : '') + ' load |');
  console.log('|---|---|---|---|---|---|---|---|' + (obDefault ? '---|' : '') + (thpAb ? '---|' : '') + '---|');
  let malloc = '?';
  const cpuTime = argv.includes('--cpu-time');
  if (cpuTime) console.log('1-thread rows timed by process CPU time (user + system), 2-thread rows by wall clock');
  for (const [M, N, K] of shapes) {
    for (const t of threads) {
      const tm = cpuTime && t === 1 ? ['cpu'] : [];
      const warm = ['--warmup-ms'].some((o) => argv.includes(o)) ? [tm[0] ?? 'wall', opt('--warmup-ms', '0')] : tm;
      const ne = [], ob = [], ratio = [], nd = [], rd = [], od = [], ro = [], pf = [], nt = [], rt = [], ft = [];
      const neurite = (env) => run(process.execPath, [new URL(import.meta.url).pathname, '--child', M, N, K, blocks, ms, ...warm].map(String),
        { NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: String(t), ...env }).split(' ');
      for (let r = 0; r < rounds; r++) {
        const [g, f, ...m] = neurite({});
        malloc = m.join(' ');
        pf.push(Number(f));
        const o = Number(run(bin, [M, N, K, blocks, ms, ...tm].map(String),
          { OPENBLAS_CORETYPE: 'SkylakeX', OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) }).split(' ')[0]);
        const d = Number(neurite({ NEURITE_MALLOC: 'default' })[0]);
        ne.push(Number(g)); ob.push(o); ratio.push(Number(g) / o); nd.push(d); rd.push(d / o);
        if (obDefault) {
          const q = Number(run(bin, [M, N, K, blocks, ms, ...tm].map(String), { OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) }).split(' ')[0]);
          od.push(q); ro.push(Number(g) / q);
        }
        if (thpAb) {
          const [h, hf] = neurite({ NEURITE_MALLOC: 'no-thp' });
          nt.push(Number(h)); rt.push(Number(h) / o); ft.push(Number(hf));
        }
      }
      const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
      console.log(`| ${M}×${N}×${K} | ${t} | ${med(ne).toFixed(1)} | ${med(ob).toFixed(1)} | ${med(ratio).toFixed(3)}× | ${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)} | ${med(pf).toFixed(1)} (${Math.min(...pf).toFixed(0)}–${Math.max(...pf).toFixed(0)}) | ${med(nd).toFixed(1)}, ${med(rd).toFixed(3)}× |${obDefault ? ` ${med(od).toFixed(1)}, ${med(ro).toFixed(3)}× |` : ''}${thpAb ? ` ${med(nt).toFixed(1)}, ${med(rt).toFixed(3)}×, ${med(ft).toFixed(1)} |` : ''} ${load()} |`);
    }
  }
  console.log(`neurite malloc: ${malloc}`);
  if (!argv.includes('--no-medium')) {
    for (const [prec, t] of ['highest', 'medium'].flatMap((p) => threads.map((t) => [p, t]))) {
      for (const env of [{}, { NEURITE_MALLOC: 'default' }]) {
        const r = JSON.parse(run(process.execPath, [new URL(import.meta.url).pathname, '--medium', '--rounds', String(rounds), '--ms', String(ms), '--precision', prec],
          { NEURITE_BACKEND: 'native', NEURITE_NUM_THREADS: String(t), ...env }));
        console.log(`'${prec}' 1024³, ${t} thread(s): public matmul ${r.pub.toFixed(0)} GFLOP/s, backend.gemm into a reused output ${r.raw.toFixed(0)}, ratio ${r.ratio.toFixed(3)} (median of ${rounds}); malloc ${r.malloc}, ${r.faults.toFixed(0)} page faults per public call; load ${load()}`);
      }
    }
  }
}

if (argv[0] === '--child') await child();
else if (argv[0] === '--medium') await medium();
else main();
