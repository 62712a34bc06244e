// What DDP adds to a 2-rank W3 step on one host (issue 14, session 8): samples/s of W3 SGD at per-rank batch 128,
// one compute thread per rank, interleaved over --rounds: 1 rank (plain), 2 independent plain processes (the
// machine's ceiling), 2 ranks (DDP default, and gradientAsBucketView), fit({ distributed }) at 1 and 2 ranks, MPICH
// unbound (Hydra's default) and -bind-to core, 4 ranks oversubscribed (session 9), the "[claim]" rows with the shared
// all-reduce by block claims (NEURITE_MPI_SHM_REDUCE=claim) instead of the default fixed split, "[claim, calling
// thread]" with the last rank also reducing on its calling thread (NEURITE_MPI_SHM_FAST=on); with --base DIR the 2-rank
// rows again on an earlier build in DIR (its DIR/dist and DIR/build-mpi, run by this w3-rank.mjs with --root DIR) for the
// A/B, each row also over its [base] row per round, on samples/s and on the median step. '..., loader': the hand-written
// loop on fit's data (w3-rank --loader). Medians of rounds, and each 2-rank row over 2 x the
// 1-rank median. --warmup N untimed steps first (40: steady state; 5 measures the page-fault transient).
// --variant 'label:K=V,K=V' (repeatable) adds the gradientAsBucketView rows with that environment (e.g. the addon's spins).
//   npm run build && flock /tmp/neurite-bench.lock node bench/distributed/ddpstep.mjs [--rounds 5] [--base DIR] [--only REGEX] [--variant L:K=V]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(new URL(import.meta.url).pathname);
const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '60' }, warmup: { type: 'string', default: '40' },
  base: { type: 'string' }, only: { type: 'string' }, variant: { type: 'string', multiple: true, default: [] } } });
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none', NEURITE_NUM_THREADS: '1' };
const w3 = join(here, 'w3-rank.mjs');
// --base: this benchmark code on the other checkout's library (w3-rank --root), so only the library differs
const baseW3 = a.base ? w3 : null;
const baseArgs = a.base ? ['--root', a.base] : [];
const args = ['--batch', '128', '--steps', a.steps, '--warmup', a.warmup];
const mpichAddon = join(here, '..', '..', 'build-mpi', 'mpich', 'neurite_mpi.node');

const one = (cmd, argv, extra = {}) => new Promise((res, rej) => {
  const c = spawn(cmd, argv, { env: { ...env, ...extra } });
  let out = '', err = '';
  c.stdout.on('data', (b) => { out += b; });
  c.stderr.on('data', (b) => { err += b; });
  c.on('exit', (code) => (code === 0 ? res(JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop())) : rej(new Error(`${cmd} exit ${code}: ${err}`))));
});
const plain = (more = []) => one(process.execPath, [w3, '--plain', ...args, ...more]);
const ompi = (script, more = [], extra = {}, np = 2) => one('mpirun.openmpi', [...(np > 2 ? ['--oversubscribe'] : []), '-np', String(np), process.execPath, script, ...args, ...more], extra);
// session 9: the shared all-reduce by block claims (opt-in) against the default fixed split, in this build
const CLAIM = { NEURITE_MPI_SHM_REDUCE: 'claim' };
// ... and block claims with the last rank to arrive reducing on its calling thread (opt-in)
const FAST = { NEURITE_MPI_SHM_REDUCE: 'claim', NEURITE_MPI_SHM_FAST: 'on' };
const configs = {
  '1 rank': () => plain(),
  '2 independent (no MPI)': () => Promise.all([plain(), plain()]).then(([p, q]) => ({ samplesPerSec: p.samplesPerSec + q.samplesPerSec })),
  '2 ranks': () => ompi(w3),
  '2 ranks, gradientAsBucketView': () => ompi(w3, ['--bucket-view']),
  // backward's gradients copied into the bucket as before session 8 (w3-rank's A/B switch)
  '2 ranks --no-lend': () => ompi(w3, ['--no-lend']),
  '2 ranks, gradientAsBucketView --no-lend': () => ompi(w3, ['--bucket-view', '--no-lend']),
  ...(baseW3 ? { '2 ranks [base]': () => ompi(baseW3, baseArgs), '2 ranks, gradientAsBucketView [base]': () => ompi(baseW3, ['--bucket-view', ...baseArgs]) } : {}),
  // the hand-written loop on fit's data (a DataLoader over steps x batch rows per rank): what fit's rows pay for data
  '1 rank, loader': () => plain(['--loader']),
  '2 ranks, gradientAsBucketView, loader': () => ompi(w3, ['--bucket-view', '--loader']),
  '2 ranks [claim]': () => ompi(w3, [], CLAIM),
  '2 ranks, gradientAsBucketView [claim]': () => ompi(w3, ['--bucket-view'], CLAIM),
  '2 ranks [claim, calling thread]': () => ompi(w3, [], FAST),
  '2 ranks, gradientAsBucketView [claim, calling thread]': () => ompi(w3, ['--bucket-view'], FAST),
  // 4 ranks oversubscribed on the 2 cores: the rows' "vs 2 x 1 rank" is then 4 ranks over 2 x 1 rank
  '4 ranks (oversubscribed)': () => ompi(w3, [], {}, 4),
  '4 ranks (oversubscribed), gradientAsBucketView': () => ompi(w3, ['--bucket-view'], {}, 4),
  ...(baseW3 ? { '4 ranks (oversubscribed) [base]': () => ompi(baseW3, baseArgs, {}, 4), '4 ranks (oversubscribed), gradientAsBucketView [base]': () => ompi(baseW3, ['--bucket-view', ...baseArgs], {}, 4) } : {}),
  '4 ranks (oversubscribed) [claim]': () => ompi(w3, [], CLAIM, 4),
  '4 ranks (oversubscribed), gradientAsBucketView [claim]': () => ompi(w3, ['--bucket-view'], CLAIM, 4),
  '4 ranks (oversubscribed) [claim, calling thread]': () => ompi(w3, [], FAST, 4),
  '4 ranks (oversubscribed), gradientAsBucketView [claim, calling thread]': () => ompi(w3, ['--bucket-view'], FAST, 4),
  'fit: 1 rank': () => plain(['--fit']),
  'fit({ distributed }): 2 ranks': () => ompi(w3, ['--fit']),
  ...(baseW3 ? { 'fit({ distributed }): 2 ranks [base]': () => ompi(baseW3, ['--fit', ...baseArgs]) } : {}),
  '2 ranks MPICH (unbound)': () => one('mpirun.mpich', ['-np', '2', process.execPath, w3, ...args], { NEURITE_MPI_ADDON: mpichAddon }),
  '2 ranks MPICH -bind-to core': () => one('mpirun.mpich', ['-bind-to', 'core', '-np', '2', process.execPath, w3, ...args], { NEURITE_MPI_ADDON: mpichAddon }),
};
// --variant 'label:K=V,K=V' (repeatable): the 2- and 4-rank gradientAsBucketView rows again with that environment
for (const v of a.variant) {
  const [label, kv] = v.split(':');
  const extra = Object.fromEntries((kv ?? '').split(',').filter(Boolean).map((x) => x.split('=')));
  configs[`2 ranks, gradientAsBucketView [${label}]`] = () => ompi(w3, ['--bucket-view'], extra);
  configs[`4 ranks (oversubscribed), gradientAsBucketView [${label}]`] = () => ompi(w3, ['--bucket-view'], extra, 4);
}
if (a.only) for (const k of Object.keys(configs)) if (!new RegExp(a.only).test(k)) delete configs[k];
const raw = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const loads = [];
for (let r = 0; r < Number(a.rounds); r++) {
  for (const [k, f] of Object.entries(configs)) { raw[k].push(await f()); loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]); }
}
const med = (v) => { const s = v.filter((x) => Number.isFinite(x)).sort((p, q) => p - q); return s.length ? s[Math.floor(s.length / 2)] : null; };
const sps = (k) => med(raw[k].map((x) => x.samplesPerSec));
const ref = raw['1 rank'] ? sps('1 rank') : null, fitRef = raw['fit: 1 rank'] ? sps('fit: 1 rank') : null, loaderRef = raw['1 rank, loader'] ? sps('1 rank, loader') : null;
console.log(`${cpus()[0].model}; ${a.rounds} rounds x ${a.steps} steps after ${a.warmup} warm-up; load ${loads.join(' ')}`);
// per round: each row over the same round's 1-rank run, minutes apart at most (the VM's speed drifts by 10-20% over a
// run, which moves a ratio of medians; the median of the per-round ratios follows the drift)
const perRound = (k, r1k) => (raw[r1k] ? med(raw[k].map((x, i) => x.samplesPerSec / (2 * raw[r1k][i].samplesPerSec))) : null);
console.log('config | samples/s (median) | vs 2 x 1 rank | per-round ratio (median) | rounds | allReduce ms | exposed ms | step ms (median of the runs\' median steps)');
for (const k of Object.keys(raw)) {
  const own = k.startsWith('fit') ? 'fit: 1 rank' : k.endsWith(', loader') ? '1 rank, loader' : '1 rank'; // each row over its own 1-rank row
  const s = sps(k), r1 = k.startsWith('fit') ? fitRef : k.endsWith(', loader') ? loaderRef : ref, pr = k.includes('1 rank') ? null : perRound(k, own);
  console.log([k, Math.round(s), k.includes('1 rank') || !r1 ? '-' : (s / (2 * r1)).toFixed(3), pr === null ? '-' : pr.toFixed(3), raw[k].map((x) => Math.round(x.samplesPerSec)).join(' '),
    med(raw[k].map((x) => x.allReduceMs))?.toFixed(3) ?? '-', med(raw[k].map((x) => x.exposedMs))?.toFixed(3) ?? '-', med(raw[k].map((x) => x.stepMs))?.toFixed(3) ?? '-'].join(' | '));
}
// --base: each row over its [base] row of the same round (the A/B itself), and the ratio of their medians
for (const k of Object.keys(raw)) {
  const b = `${k} [base]`;
  if (!raw[b]) continue;
  const pr = med(raw[k].map((x, i) => x.samplesPerSec / raw[b][i].samplesPerSec));
  console.log(`A/B ${k}: this ÷ base, per-round median ${pr.toFixed(3)} (rounds ${raw[k].map((x, i) => (x.samplesPerSec / raw[b][i].samplesPerSec).toFixed(2)).join(' ')}); ratio of medians ${(sps(k) / sps(b)).toFixed(3)}`);
  // the same on the median step (base ÷ this: above 1 is faster), less moved by another process's bursts than samples/s
  const st = med(raw[k].map((x, i) => raw[b][i].stepMs / x.stepMs));
  if (Number.isFinite(st)) console.log(`A/B ${k}: median step, base ÷ this, per-round median ${st.toFixed(3)} (rounds ${raw[k].map((x, i) => (raw[b][i].stepMs / x.stepMs).toFixed(2)).join(' ')})`);
}
