// Where the 2-rank step time goes (issue 14, session 7): W3 SGD at per-rank batch 128, one compute
// thread per rank, every configuration run with w3-rank.mjs --profile and interleaved over --rounds:
// 1 rank; 2 independent processes (no MPI) unpinned and each pinned to its own core (taskset); 2 DDP
// ranks over shared memory and over MPI (NEURITE_MPI_SHM=off), each under mpirun's default binding
// (Open MPI 4.1 binds to core at np <= 2) and with --bind-to none. Per configuration: samples/s, and
// the medians over rounds of each rank's per-step forward/backward/wait/step milliseconds, the step's
// wall time, the slower rank's compute (max over ranks of forward+backward+step, paired by step),
// and per thread kind (main, neurite-mpi, other) CPU ms, run-queue ms and context switches per step.
// --warmup N: untimed steps first (w3-rank's default 5; the first ~15 steps touch fresh memory, see bench/RESULTS.md session 7).
// Session 8: --base DIR adds '[base]' rows from an earlier build copied to DIR (DIR/dist, DIR/build-mpi, DIR/bench);
// rows for MPICH unbound (Hydra's default) and -bind-to core.
//   npm run build && flock /tmp/neurite-bench.lock node bench/distributed/stepgap.mjs [--rounds 5] [--steps 60] [--warmup 5] [--only REGEX]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(new URL(import.meta.url).pathname);
const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '60' }, warmup: { type: 'string', default: '5' }, only: { type: 'string' }, out: { type: 'string' }, base: { type: 'string' } } });
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none', NEURITE_NUM_THREADS: '1' };
const w3 = join(here, 'w3-rank.mjs');
const args = ['--batch', '128', '--steps', a.steps, '--warmup', a.warmup, '--profile', '@DIR@'];

// run commands at once; every JSON line of their stdout and every profile they wrote
const run = async (cmds) => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-stepgap-'));
  const lines = await runIn(dir, cmds);
  for (const f of readdirSync(dir)) lines.push(JSON.parse(readFileSync(join(dir, f), 'utf8')));
  rmSync(dir, { recursive: true, force: true });
  return lines;
};
const runIn = (dir, cmds) => Promise.all(cmds.map(([cmd, argv, extra]) => new Promise((res, rej) => {
  const c = spawn(cmd, argv.map((x) => (x === '@DIR@' ? dir : x)), { env: { ...env, ...extra } });
  let out = '', err = '';
  c.stdout.on('data', (b) => { out += b; });
  c.stderr.on('data', (b) => { err += b; });
  c.on('exit', (code) => (code === 0 ? res(out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))) : rej(new Error(`${cmd} exit ${code}: ${err}`))));
}))).then((x) => x.flat());
const plain = (pre = []) => [pre.length ? pre[0] : process.execPath, [...pre.slice(1), ...(pre.length ? [process.execPath] : []), w3, '--plain', ...args]];
const mpi = (bind, extra = {}) => [['mpirun.openmpi', [...bind, '-np', '2', process.execPath, w3, ...args], extra]];
const OFF = { NEURITE_MPI_SHM: 'off' };
// --base DIR: a copy of an earlier build (DIR/dist, DIR/build-mpi, DIR/bench) for A/B rows marked [base]
const baseW3 = a.base ? join(a.base, 'bench', 'distributed', 'w3-rank.mjs') : null;
const mpichAddon = join(here, '..', '..', 'build-mpi', 'mpich', 'neurite_mpi.node');
const mpich = (bind) => [['mpirun.mpich', [...bind, '-np', '2', process.execPath, w3, ...args], { NEURITE_MPI_ADDON: mpichAddon }]];
const configs = {
  '1 rank': () => run([plain()]),
  '2 independent': () => run([plain(), plain()]),
  '2 independent, taskset one core each': () => run([plain(['taskset', '-c', '0']), plain(['taskset', '-c', '1'])]),
  '2 ranks shm (mpirun default: bind to core)': () => run(mpi([])),
  '2 ranks shm --bind-to none': () => run(mpi(['--bind-to', 'none'])),
  '2 ranks shm, gradientAsBucketView': () => run([['mpirun.openmpi', ['-np', '2', process.execPath, w3, ...args, '--bucket-view'], {}]]),
  ...(baseW3 ? {
    '2 ranks shm [base]': () => run([['mpirun.openmpi', ['-np', '2', process.execPath, baseW3, ...args], {}]]),
    '2 ranks shm, gradientAsBucketView [base]': () => run([['mpirun.openmpi', ['-np', '2', process.execPath, baseW3, ...args, '--bucket-view'], {}]]),
  } : {}),
  '2 ranks shm MPICH (Hydra default: unbound)': () => run(mpich([])),
  '2 ranks shm MPICH -bind-to core': () => run(mpich(['-bind-to', 'core'])),
  '2 ranks MPI path (default binding)': () => run(mpi([], OFF)),
  '2 ranks MPI path --bind-to none': () => run(mpi(['--bind-to', 'none'], OFF)),
};
if (a.only) for (const k of Object.keys(configs)) if (!new RegExp(a.only).test(k)) delete configs[k];

const med = (v) => { const s = v.filter((x) => Number.isFinite(x)).sort((p, q) => p - q); return s.length ? s[Math.floor(s.length / 2)] : null; };
const mean = (v) => v.reduce((p, q) => p + q, 0) / v.length;
const kind = (t, mainTid) => (t.tid === mainTid ? 'main' : t.name === 'neurite-mpi' ? 'neurite-mpi' : 'other');
// one round of one configuration -> its figures
function summarize(lines) {
  const profs = lines.filter((l) => l.profile).map((l) => l.profile);
  const res = lines.filter((l) => l.samplesPerSec !== undefined);
  const steps = profs[0].steps.length;
  const r = { samplesPerSec: res.reduce((p, q) => p + q.samplesPerSec, 0) };
  const ph = ['forward', 'backward', 'wait', 'step', 'gap', 'total', 'allReduce', 'exposed'];
  for (const f of ph) r[f] = mean(profs.map((p) => mean(p.steps.map((s) => s[f] ?? 0))));
  // the slower rank's compute per step (lock-step: each step waits for it)
  const comp = (s) => s.forward + s.backward + s.step;
  r.compute = mean(profs.map((p) => mean(p.steps.map(comp))));
  r.maxCompute = mean(Array.from({ length: steps }, (_, i) => Math.max(...profs.map((p) => comp(p.steps[i])))));
  r.stepWall = mean(profs.map((p) => p.wallMs / steps));
  // the median step (robust to the few slow ones) and the steps with page faults (fresh memory touched)
  r.medianTotal = mean(profs.map((p) => med(p.steps.map((x) => x.total))));
  r.faultSteps = mean(profs.map((p) => p.steps.filter((x) => x.minflt > 50).length));
  r.faultStepMs = mean(profs.map((p) => p.steps.filter((x) => x.minflt > 50).reduce((q, x) => q + x.total, 0) / steps));
  for (const k of ['main', 'neurite-mpi', 'other']) {
    const ts = profs.flatMap((p) => p.threads.filter((t) => kind(t, p.pid) === k));
    r[k] = { cpuMs: ts.reduce((p, t) => p + t.runMs, 0) / profs.length / steps, queueMs: ts.reduce((p, t) => p + t.queueMs, 0) / profs.length / steps,
      vol: ts.reduce((p, t) => p + t.vol, 0) / profs.length / steps, invol: ts.reduce((p, t) => p + t.invol, 0) / profs.length / steps };
  }
  return r;
}
const raw = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const loads = [];
for (let i = 0; i < Number(a.rounds); i++) {
  for (const [k, f] of Object.entries(configs)) { raw[k].push(await f()); loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')); }
}
const sum = {};
for (const [k, rounds] of Object.entries(raw)) {
  const s = rounds.map(summarize);
  const m = (get) => med(s.map(get));
  sum[k] = { samplesPerSec: m((x) => x.samplesPerSec) };
  for (const f of ['forward', 'backward', 'wait', 'step', 'gap', 'total', 'stepWall', 'medianTotal', 'faultSteps', 'faultStepMs', 'compute', 'maxCompute', 'allReduce', 'exposed']) sum[k][f] = m((x) => x[f]);
  for (const t of ['main', 'neurite-mpi', 'other']) sum[k][t] = Object.fromEntries(['cpuMs', 'queueMs', 'vol', 'invol'].map((f) => [f, m((x) => x[t][f])]));
}
const one = sum['1 rank']?.samplesPerSec;
if (one) for (const k of Object.keys(sum)) sum[k].vsTwiceOneRank = sum[k].samplesPerSec / (2 * one);
const out = { cpu: cpus()[0].model, rounds: Number(a.rounds), steps: Number(a.steps), warmup: Number(a.warmup), loadavg: loads, perStepMs: sum };
if (a.out) writeFileSync(a.out, JSON.stringify({ ...out, raw }, null, 1));
const fx = (x) => (x === null || x === undefined ? '-' : x.toFixed(x >= 100 ? 0 : 3));
console.log(`${out.cpu}; ${out.rounds} rounds x ${out.steps} steps after ${out.warmup} warm-up; load ${loads[0]} .. ${loads[loads.length - 1]}`);
console.log('config | samples/s | vs 2x1 | fwd | bwd | wait | opt | step wall | median step | fault steps (ms/step) | compute | max-rank compute | main cpu/queue/invol | mpi-thread cpu/queue | other cpu');
for (const [k, v] of Object.entries(sum)) {
  console.log([k, fx(v.samplesPerSec), fx(v.vsTwiceOneRank), fx(v.forward), fx(v.backward), fx(v.wait), fx(v.step), fx(v.stepWall), fx(v.medianTotal), `${fx(v.faultSteps)} (${fx(v.faultStepMs)})`, fx(v.compute), fx(v.maxCompute),
    `${fx(v.main.cpuMs)}/${fx(v.main.queueMs)}/${fx(v.main.invol)}`, `${fx(v['neurite-mpi'].cpuMs)}/${fx(v['neurite-mpi'].queueMs)}`, fx(v.other.cpuMs)].join(' | '));
}
