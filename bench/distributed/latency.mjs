// The engine-overhead goal alone (issue 14), on Open MPI and MPICH: all-reduce of 4 B and of W3's
// 2.68 MB gradient at 2 ranks, neurite (allreduce-rank.mjs: pg.allReduce awaited call by call; and
// DDP's shared-memory path) against a plain C MPI_Allreduce loop (allreduce.c) built with the same
// implementation's mpicc, configurations interleaved over --rounds rounds, medians. The "MPI path"
// rows run neurite with NEURITE_MPI_SHM=off (no shared memory: every collective through MPI).
// With --floor, also the floor of any awaited call in Node on this machine (floor.mjs); with
// --base DIR, also neurite with the MPI addons in DIR/<impl>/ (another build: an A/B in one run).
//   npm run build && flock /tmp/neurite-bench.lock node bench/distributed/latency.mjs [--rounds 5] [--impl openmpi,mpich] [--floor] [--base DIR] [--no-big] [--iters 5000,100]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { parseArgs } from 'node:util';

const here = dirname(new URL(import.meta.url).pathname);
const root = join(here, '..', '..');
const { values: a } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, impl: { type: 'string', default: 'openmpi,mpich' }, floor: { type: 'boolean', default: false }, big: { type: 'boolean', default: true }, base: { type: 'string' }, iters: { type: 'string', default: '5000,100' } }, allowNegative: true });
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none', NEURITE_NUM_THREADS: '1' };
const json = (out) => JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop());
const ar = join(here, 'allreduce-rank.mjs');
const configs = {};
for (const impl of a.impl.split(',')) {
  const cBin = join(tmpdir(), `neurite-allreduce-bench-${impl}`);
  execFileSync(`mpicc.${impl}`, ['-O2', join(here, 'allreduce.c'), '-o', cBin]);
  const addon = join(root, 'build-mpi', impl, 'neurite_mpi.node');
  const mpi = (args, extra = {}) => () => {
    const r = spawnSync(`mpirun.${impl}`, ['-np', '2', ...args], { encoding: 'utf8', env: { ...env, NEURITE_MPI_ADDON: addon, ...extra } });
    if (r.status !== 0) throw new Error(r.stderr);
    return json(r.stdout);
  };
  const [small, large] = a.iters.split(',');
  const sizes = [['4 B', '1', small], ...(a.big ? [['2.68 MB', '669706', large]] : [])];
  for (const [name, count, iters] of sizes) {
    configs[`${impl} ${name} C`] = mpi([cBin, count, iters]);
    configs[`${impl} ${name} neurite`] = mpi([process.execPath, ar, count, iters]);
    configs[`${impl} ${name} neurite MPI path`] = mpi([process.execPath, ar, count, iters], { NEURITE_MPI_SHM: 'off' });
    if (a.base) configs[`${impl} ${name} neurite base`] = mpi([process.execPath, ar, count, iters], { NEURITE_MPI_ADDON: join(a.base, impl, 'neurite_mpi.node') });
    if (name !== '4 B') configs[`${impl} ${name} neurite shared buffer`] = mpi([process.execPath, ar, count, iters, 'shared']);
  }
}
if (a.floor) configs['floor (one process)'] = () => json(execFileSync(process.execPath, [join(here, 'floor.mjs')], { encoding: 'utf8', env: { ...env, NEURITE_MPI_ADDON: join(root, 'build-mpi', 'openmpi', 'neurite_mpi.node') } }));
const res = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
const loads = [];
const t0 = new Date().toISOString();
for (let r = 0; r < Number(a.rounds); r++) {
  for (const [k, f] of Object.entries(configs)) { res[k].push(f()); }
  loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
}
const med = (v) => { const s = v.filter((x) => typeof x === 'number').sort((p, q) => p - q); return s.length ? s[Math.floor(s.length / 2)] : null; };
const out = { cpu: cpus()[0].model, started: t0, ended: new Date().toISOString(), rounds: Number(a.rounds), loadavg: loads, medians: {}, raw: res };
for (const [k, v] of Object.entries(res)) {
  if (k.startsWith('floor')) { out.medians[k] = Object.fromEntries(Object.keys(v[0]).map((f) => [f, med(v.map((x) => x[f]))])); continue; }
  out.medians[k] = Object.fromEntries(['usPerCall', 'pipelinedUsPerCall', 'p50Us', 'p99Us'].filter((f) => v[0][f] !== undefined).map((f) => [f, med(v.map((x) => x[f]))]));
}
// neurite ÷ C per round (interleaved), then the median of those ratios
out.ratios = {};
for (const k of Object.keys(res)) {
  if (!k.endsWith(' C')) continue;
  const base = k.slice(0, -2);
  for (const n of ['neurite', 'neurite MPI path', 'neurite base', 'neurite shared buffer']) {
    const v = res[`${base} ${n}`];
    if (v) out.ratios[`${base}: ${n} / C`] = med(v.map((x, i) => x.usPerCall / res[k][i].usPerCall));
  }
}
console.log(JSON.stringify(out, null, 1));
