// The distributed benchmark (issue 14): W3 SGD scaling (1 rank x 1 thread, 2 ranks x 1 thread,
// 1 process x 2 threads at the same global batch, 4 ranks oversubscribed; and through
// fit(model, data, { distributed }) at 1 and 2 ranks), per-step all-reduce
// time and the share hidden behind backward, and the engine overhead: neurite's all-reduce of
// 4 bytes and of W3's 2.68 MB gradient against a plain C MPI_Allreduce loop. Configurations
// interleave over --rounds rounds; two plain processes at once (no MPI) give the machine's ceiling; medians are reported with the CPU model and the load.
// DDP's buckets are reduced through shared memory on one host (session 6); the "(MPI path)" rows run
// the same with NEURITE_MPI_SHM=off, interleaved, for the A/B.
// --skip REGEX leaves out the configurations whose name matches (their figures come out null), to keep
// a locked run short: e.g. --skip 'fit|allreduce' (bench/distributed/latency.mjs has the all-reduce rows).
//   npm run build && flock /tmp/neurite-bench.lock node bench/distributed/run.mjs [--rounds 3] [--skip REGEX]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(new URL(import.meta.url).pathname);
const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, steps: { type: 'string', default: '30' }, warmup: { type: 'string', default: '40' }, skip: { type: 'string' } } });
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none' };
const cBin = join(tmpdir(), 'neurite-allreduce-bench');
execFileSync('mpicc.openmpi', ['-O2', join(here, 'allreduce.c'), '-o', cBin]);

const json = (out) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop());
const node = (args, threads) => {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...env, NEURITE_NUM_THREADS: String(threads) } });
  if (r.status !== 0) throw new Error(r.stderr);
  return json(r.stdout);
};
// two plain processes at once, no MPI: the ceiling for 2 ranks on this machine (on a 2-vCPU VM the
// vCPUs may share a physical core or memory bandwidth; then no data-parallel scheme reaches 2x)
const pair = (args) => {
  const one = () => new Promise((res, rej) => {
    const c = spawn(process.execPath, args, { env: { ...env, NEURITE_NUM_THREADS: '1' } });
    let out = '';
    c.stdout.on('data', (b) => { out += b; });
    c.on('exit', (code) => (code === 0 ? res(json(out)) : rej(new Error(`exit ${code}`))));
  });
  return Promise.all([one(), one()]).then(([p, q]) => ({ samplesPerSec: p.samplesPerSec + q.samplesPerSec }));
};
const mpi = (np, args, threads = 1, extra = {}) => {
  const r = spawnSync('mpirun.openmpi', [...(np > 2 ? ['--oversubscribe'] : []), '-np', String(np), ...args], { encoding: 'utf8', env: { ...env, NEURITE_NUM_THREADS: String(threads), ...extra } });
  if (r.status !== 0) throw new Error(r.stderr);
  return json(r.stdout);
};
const OFF = { NEURITE_MPI_SHM: 'off' };
const w3 = join(here, 'w3-rank.mjs'), ar = join(here, 'allreduce-rank.mjs');
// --warmup N: untimed steps before the W3 rows' timed ones; the first ~15 steps of a process touch fresh memory
// (page faults cost ~11-18 us each on the session 7-8 VM), so 5 measures a transient, 40 (the default since session 8)
// the steady state (bench/RESULTS.md session 7, ddpgap; bench/hugepages.mjs measures the transient itself); the fit
// rows keep their own warm-up epoch
const steps = ['--steps', a.steps, '--warmup', a.warmup];
const configs = {
  '1 rank x 1 thread, batch 128': () => node([w3, '--plain', '--batch', '128', ...steps], 1),
  '2 independent processes x 1 thread, batch 128 each (no MPI)': () => pair([w3, '--plain', '--batch', '128', ...steps]),
  '2 ranks x 1 thread, batch 128 each': () => mpi(2, [process.execPath, w3, '--batch', '128', ...steps]),
  '2 ranks x 1 thread, batch 128 each, gradientAsBucketView': () => mpi(2, [process.execPath, w3, '--batch', '128', '--bucket-view', ...steps]),
  '2 ranks x 1 thread, batch 128 each (MPI path)': () => mpi(2, [process.execPath, w3, '--batch', '128', ...steps], 1, OFF),
  '1 process x 2 threads, batch 256': () => node([w3, '--plain', '--batch', '256', ...steps], 2),
  // what batch 256 alone gives one thread (the 2-thread row's per-thread rate, without the second thread)
  '1 process x 1 thread, batch 256': () => node([w3, '--plain', '--batch', '256', ...steps], 1),
  '4 ranks x 1 thread (oversubscribed), batch 128 each': () => mpi(4, [process.execPath, w3, '--batch', '128', ...steps]),
  '4 ranks x 1 thread (oversubscribed), batch 128 each, gradientAsBucketView': () => mpi(4, [process.execPath, w3, '--batch', '128', '--bucket-view', ...steps]),
  '4 ranks x 1 thread (oversubscribed), batch 128 each (MPI path)': () => mpi(4, [process.execPath, w3, '--batch', '128', ...steps], 1, OFF),
  'fit: 1 rank x 1 thread, batch 128': () => node([w3, '--plain', '--fit', '--batch', '128', ...steps], 1),
  'fit({ distributed }): 2 ranks x 1 thread, batch 128 each': () => mpi(2, [process.execPath, w3, '--fit', '--batch', '128', ...steps]),
  'fit({ distributed, worker: true }): 2 ranks x 1 thread, batch 128 each': () => mpi(2, [process.execPath, w3, '--fit', '--fit-worker', '--batch', '128', ...steps]),
  'fit({ worker: true }): 1 rank x 1 thread, batch 128': () => node([w3, '--plain', '--fit', '--fit-worker', '--batch', '128', ...steps], 1),
  'fit({ distributed }): 2 ranks x 1 thread, batch 128 each (MPI path)': () => mpi(2, [process.execPath, w3, '--fit', '--batch', '128', ...steps], 1, OFF),
  'allreduce 4 B, C': () => mpi(2, [cBin, '1', '20000']),
  'allreduce 4 B, neurite': () => mpi(2, [process.execPath, ar, '1', '20000']),
  'allreduce 2.68 MB, C': () => mpi(2, [cBin, '669706', '200']),
  'allreduce 2.68 MB, neurite': () => mpi(2, [process.execPath, ar, '669706', '200']),
  'allreduce 2.68 MB, neurite shared memory': () => mpi(2, [process.execPath, ar, '669706', '200', 'shared']),
  'allreduce 4 B, neurite shared memory': () => mpi(2, [process.execPath, ar, '1', '20000', 'shared']),
};
if (a.skip) for (const k of Object.keys(configs)) if (new RegExp(a.skip).test(k)) delete configs[k];
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const loads = [];
for (let r = 0; r < Number(a.rounds); r++) {
  for (const [k, f] of Object.entries(configs)) { res[k].push(await f()); loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')); }
}
const med = (v) => { const s = v.filter((x) => x !== null && x !== undefined).sort((p, q) => p - q); return s.length ? s[Math.floor(s.length / 2)] : null; };
const m = (k, f) => (res[k] ? med(res[k].map((x) => x[f])) : null);
// the median of per-round ratios (each run divided by the same round's run of the other configuration): the VM's
// speed drifts 10-20% within a run, which a ratio of medians over the whole run does not cancel
const perRound = (k, base, times = 1) => (res[k] && res[base]
  ? med(res[k].map((x, i) => x.samplesPerSec / (times * res[base][i].samplesPerSec))) : null);
const s1 = m('1 rank x 1 thread, batch 128', 'samplesPerSec'), s2 = m('2 ranks x 1 thread, batch 128 each', 'samplesPerSec');
const t2 = m('1 process x 2 threads, batch 256', 'samplesPerSec'), s4 = m('4 ranks x 1 thread (oversubscribed), batch 128 each', 'samplesPerSec');
const out = {
  cpu: cpus()[0].model, rounds: Number(a.rounds), loadavg: loads,
  samplesPerSec: { oneRank: s1, twoRanks: s2, oneProcessTwoThreads: t2, fourRanksOversubscribed: s4 },
  twoIndependent: m('2 independent processes x 1 thread, batch 128 each (no MPI)', 'samplesPerSec'),
  scalingEfficiency2: s2 / (2 * s1),
  // the machine's own ceiling (two plain processes at once) and 2 ranks against it
  independentEfficiency2: m('2 independent processes x 1 thread, batch 128 each (no MPI)', 'samplesPerSec') / (2 * s1),
  mpiPath: { twoRanks: m('2 ranks x 1 thread, batch 128 each (MPI path)', 'samplesPerSec'), fourRanks: m('4 ranks x 1 thread (oversubscribed), batch 128 each (MPI path)', 'samplesPerSec'),
    scalingEfficiency2: m('2 ranks x 1 thread, batch 128 each (MPI path)', 'samplesPerSec') / (2 * s1),
    fourVsTwo: m('4 ranks x 1 thread (oversubscribed), batch 128 each (MPI path)', 'samplesPerSec') / m('2 ranks x 1 thread, batch 128 each (MPI path)', 'samplesPerSec'),
    allReduceMs2: m('2 ranks x 1 thread, batch 128 each (MPI path)', 'allReduceMs'), fitTwoRanks: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each (MPI path)', 'samplesPerSec') },
  // DDP with gradientAsBucketView (PyTorch's gradient_as_bucket_view; fit({ distributed }) uses it): no gradient copied
  bucketView: { twoRanks: m('2 ranks x 1 thread, batch 128 each, gradientAsBucketView', 'samplesPerSec'),
    scalingEfficiency2: m('2 ranks x 1 thread, batch 128 each, gradientAsBucketView', 'samplesPerSec') / (2 * s1),
    vsTwoThreads: m('2 ranks x 1 thread, batch 128 each, gradientAsBucketView', 'samplesPerSec') / t2 },
  // neurite's own intra-op threading at the same global batch: 2 threads at batch 256 against 2 x (1 thread at batch 128),
  // and against 2 x (1 thread at batch 256), the per-thread rate without the second thread
  twoThreads: { vsTwoOneRank: t2 / (2 * s1), vsTwoBatch256: t2 / (2 * m('1 process x 1 thread, batch 256', 'samplesPerSec')),
    oneThreadBatch256: m('1 process x 1 thread, batch 256', 'samplesPerSec') },
  twoRanksVsIndependent: s2 / m('2 independent processes x 1 thread, batch 128 each (no MPI)', 'samplesPerSec'), twoRanksVsTwoThreads: s2 / t2, fourVsTwo: s4 / s2,
  perStep2: { allReduceMs: m('2 ranks x 1 thread, batch 128 each', 'allReduceMs'), exposedMs: m('2 ranks x 1 thread, batch 128 each', 'exposedMs'), hiddenShare: m('2 ranks x 1 thread, batch 128 each', 'hiddenShare') },
  perStep4: { allReduceMs: m('4 ranks x 1 thread (oversubscribed), batch 128 each', 'allReduceMs'), exposedMs: m('4 ranks x 1 thread (oversubscribed), batch 128 each', 'exposedMs'), hiddenShare: m('4 ranks x 1 thread (oversubscribed), batch 128 each', 'hiddenShare') },
  fit: { oneRank: m('fit: 1 rank x 1 thread, batch 128', 'samplesPerSec'), twoRanks: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'samplesPerSec'),
    scalingEfficiency2: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'samplesPerSec') / (2 * m('fit: 1 rank x 1 thread, batch 128', 'samplesPerSec')),
    perStep2: { allReduceMs: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'allReduceMs'), exposedMs: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'exposedMs'),
      hiddenShare: m('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'hiddenShare') } },
  // neurite: each call awaited (latency, like for like with the blocking C loop); neuritePipelined: a batch issued at once, then awaited
  allreduceUs: { '4B': { c: m('allreduce 4 B, C', 'usPerCall'), neurite: m('allreduce 4 B, neurite', 'usPerCall'), neuritePipelined: m('allreduce 4 B, neurite', 'pipelinedUsPerCall') },
    '2.68MB': { c: m('allreduce 2.68 MB, C', 'usPerCall'), neurite: m('allreduce 2.68 MB, neurite', 'usPerCall'), neuritePipelined: m('allreduce 2.68 MB, neurite', 'pipelinedUsPerCall') },
    // DDP's path on one host: a sharedBuffer() array reduced through shared memory
    shared: { '4B': m('allreduce 4 B, neurite shared memory', 'usPerCall'), '2.68MB': m('allreduce 2.68 MB, neurite shared memory', 'usPerCall'),
      '2.68MBPipelined': m('allreduce 2.68 MB, neurite shared memory', 'pipelinedUsPerCall') } },
  perRound: {
    twoRanks: perRound('2 ranks x 1 thread, batch 128 each', '1 rank x 1 thread, batch 128', 2),
    twoRanksBucketView: perRound('2 ranks x 1 thread, batch 128 each, gradientAsBucketView', '1 rank x 1 thread, batch 128', 2),
    twoIndependent: perRound('2 independent processes x 1 thread, batch 128 each (no MPI)', '1 rank x 1 thread, batch 128', 2),
    twoRanksVsTwoThreads: perRound('2 ranks x 1 thread, batch 128 each', '1 process x 2 threads, batch 256'),
    twoRanksBucketViewVsTwoThreads: perRound('2 ranks x 1 thread, batch 128 each, gradientAsBucketView', '1 process x 2 threads, batch 256'),
    fourVsTwo: perRound('4 ranks x 1 thread (oversubscribed), batch 128 each', '2 ranks x 1 thread, batch 128 each'),
    fourVsTwoBucketView: perRound('4 ranks x 1 thread (oversubscribed), batch 128 each, gradientAsBucketView', '2 ranks x 1 thread, batch 128 each, gradientAsBucketView'),
    fitTwoRanks: perRound('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', 'fit: 1 rank x 1 thread, batch 128', 2),
    fitWorkerTwoRanks: perRound('fit({ distributed, worker: true }): 2 ranks x 1 thread, batch 128 each', 'fit({ worker: true }): 1 rank x 1 thread, batch 128', 2),
    fitWorkerVsMain2: perRound('fit({ distributed, worker: true }): 2 ranks x 1 thread, batch 128 each', 'fit({ distributed }): 2 ranks x 1 thread, batch 128 each'),
    fitTwoRanksVsLoop: perRound('fit({ distributed }): 2 ranks x 1 thread, batch 128 each', '2 ranks x 1 thread, batch 128 each, gradientAsBucketView'),
  },
  raw: res,
};
console.log(JSON.stringify(out, null, 1));
