/**
 * `neurite launch -n 4 [--hosts a:4,b:4] script.mjs [args...]`: builds the mpirun line and runs
 * it, nothing more. Open MPI gets --oversubscribe when ranks exceed this host's cores (its
 * ranks busy-poll otherwise), the run-as-root variables when run as root, and
 * btl_vader_single_copy_mechanism=none (containers refuse the shared-memory single copy), two TCP
 * connections per peer across hosts (btl_tcp_links 2, unless OMPI_MCA_btl_tcp_links is set), and
 * NEURITE_NUM_THREADS (unless set) = this host's cores / ranks on one host, 1 with --hosts: a
 * rank's GEMM pool would otherwise take every core, N ranks x cores threads on the cores.
 * When a rank dies, mpirun stops the job; this command then names the lost rank and exits
 * non-zero.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LAUNCH_DIR_ENV } from '../distributed/group.js';
import { UsageError } from './errors.js';
import type { ProgressStream } from './progress.js';

export const LAUNCH_HELP = `usage: neurite launch -n N [--hosts LIST] [--mpirun PATH] [--dry-run] script.mjs [args...]
       neurite launch -n N [...] train [train options]

Runs N copies of \`node script.mjs args...\` as one MPI job (distributed.init() in the script
joins it); \`train\` runs \`neurite train --distributed [train options]\` on every rank.
Needs MPI: apt-get install libopenmpi-dev openmpi-bin (or libmpich-dev mpich).

  -n, --np N         number of ranks
  --hosts LIST       hosts and slots, e.g. a:4,b:4 (default: this host)
  --mpirun PATH      the launcher (default: mpirun; mpirun.openmpi / mpirun.mpich pick one)
  --dry-run          print the command line instead of running it
`;

export interface LaunchConfig { np: number; hosts: string | null; mpirun: string; dryRun: boolean; script: string; args: string[] }

export function parseLaunchArgs(argv: string[]): LaunchConfig | 'help' {
  // the launcher's own flags come before the script; everything after it is the script's
  const valued = new Set(['-n', '--np', '--hosts', '--mpirun']);
  let at = 0;
  while (at < argv.length && argv[at].startsWith('-')) at += valued.has(argv[at]) ? 2 : 1;
  let v;
  try {
    v = parseArgs({ args: argv.slice(0, at + 1), allowPositionals: true, strict: true, options: {
      np: { type: 'string', short: 'n' }, hosts: { type: 'string' }, mpirun: { type: 'string' },
      'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } });
  } catch (e) {
    throw new UsageError(`launch: ${(e as Error).message}`);
  }
  if (v.values.help) return 'help';
  const [script] = v.positionals;
  const args = argv.slice(at + 1);
  if (script === undefined) throw new UsageError('launch: no script given (neurite launch -n 4 train.mjs)');
  const np = Number(v.values.np);
  if (v.values.np === undefined || !Number.isInteger(np) || np < 1) throw new UsageError(`launch: -n must be a positive integer, got ${v.values.np ?? 'nothing'}`);
  return { np, hosts: v.values.hosts ?? null, mpirun: v.values.mpirun ?? 'mpirun', dryRun: v.values['dry-run'] ?? false, script, args };
}

/** 'openmpi' | 'mpich' from the launcher's --version, or null when there is no launcher. */
export function mpiFlavour(mpirun: string): 'openmpi' | 'mpich' | null {
  const r = spawnSync(mpirun, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const s = `${r.stdout}${r.stderr}`;
  return /Open MPI|OpenRTE/i.test(s) ? 'openmpi' : /HYDRA|MPICH/i.test(s) ? 'mpich' : null;
}

/** The command line and the environment it needs (pure: the tests check it). */
export function launchCommand(c: Omit<LaunchConfig, 'dryRun'>, flavour: 'openmpi' | 'mpich',
  env: { cores: number; root: boolean; node: string; neurite?: string; numThreads?: string; tcpLinksSet?: boolean }):
  { cmd: string; args: string[]; env: Record<string, string> } {
  const args: string[] = [];
  const extra: Record<string, string> = {};
  // compute threads per rank, as torchrun's OMP_NUM_THREADS: the user's setting, else the cores shared out
  extra.NEURITE_NUM_THREADS = env.numThreads ?? String(c.hosts === null ? Math.max(1, Math.floor(env.cores / c.np)) : 1);
  if (flavour === 'openmpi') {
    args.push('-np', String(c.np));
    // across hosts: two TCP connections per peer (btl_tcp_links; one alone carried MPI_Allreduce of 2 ranks at 47% of
    // a shaped 1 Gbit/s link, two at 65%: bench/RESULTS.md "Session 9 re-measure"; 2 ranks use neurite's own exchange,
    // 85% on either, but more ranks use MPI_Allreduce), unless the user chose
    if (c.hosts !== null) args.push('--host', c.hosts, ...(env.tcpLinksSet ? [] : ['--mca', 'btl_tcp_links', '2']));
    args.push('-x', LAUNCH_DIR_ENV, '-x', 'NEURITE_NUM_THREADS');
    const slots = c.hosts === null ? env.cores : c.hosts.split(',').reduce((n, h) => n + (Number(h.split(':')[1]) || 1), 0);
    if (c.np > slots) args.push('--oversubscribe');
    if (env.root) { extra.OMPI_ALLOW_RUN_AS_ROOT = '1'; extra.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1'; }
    extra.OMPI_MCA_btl_vader_single_copy_mechanism = 'none';
  } else {
    args.push('-n', String(c.np));
    if (c.hosts !== null) args.push('-hosts', c.hosts);
  }
  if (c.script === 'train') {
    // neurite's own command: `neurite train --distributed ...` on every rank
    if (!env.neurite) throw new UsageError('launch: cannot find the neurite command to run train with');
    args.push(env.node, env.neurite, 'train', ...(c.args.includes('--distributed') ? [] : ['--distributed']), ...c.args);
  } else args.push(env.node, c.script, ...c.args);
  return { cmd: c.mpirun, args, env: extra };
}

/** The lost rank, from mpirun's report of a rank that died, or null. */
export function lostRank(stderr: string, pidRanks: ReadonlyMap<number, number> = new Map()): { rank: number; how: string } | null {
  const sig = /process rank (\d+) with PID \d+ on node \S+ exited on signal (\d+)/.exec(stderr);
  if (sig) return { rank: Number(sig[1]), how: `signal ${sig[2]}` };
  const ompi = /Process name:\s*\[\[\d+,\d+\],(\d+)\]\s*\n\s*Exit code:\s*(\d+)/.exec(stderr);
  if (ompi) return { rank: Number(ompi[1]), how: `exit code ${ompi[2]}` };
  // MPICH's hydra names the PID only: ranks record theirs in NEURITE_LAUNCH_DIR (distributed.init)
  const hydra = /PID (\d+) RUNNING AT \S+\s*\n=\s*EXIT CODE: (\d+)/.exec(stderr);
  const rank = hydra ? pidRanks.get(Number(hydra[1])) : undefined;
  if (hydra && rank !== undefined) return { rank, how: `exit code ${hydra[2]}` };
  return null;
}

export async function runLaunch(c: LaunchConfig, io: { stdout: ProgressStream; stderr: ProgressStream }): Promise<number> {
  const flavour = mpiFlavour(c.mpirun);
  if (flavour === null) {
    throw new UsageError(`launch: cannot run '${c.mpirun} --version'; install MPI (apt-get install libopenmpi-dev openmpi-bin) or pass --mpirun PATH`);
  }
  const l = launchCommand(c, flavour, { cores: availableParallelism(), root: process.getuid?.() === 0, node: process.execPath, neurite: process.argv[1],
    numThreads: process.env.NEURITE_NUM_THREADS, tcpLinksSet: process.env.OMPI_MCA_btl_tcp_links !== undefined });
  if (c.dryRun) {
    const envs = Object.entries(l.env).map(([k, v]) => `${k}=${v}`);
    io.stdout.write(`${[...envs, l.cmd, ...l.args].join(' ')}\n`);
    return 0;
  }
  // each rank records pid -> rank here (distributed.init), so a lost PID can be named as a rank
  const dir = mkdtempSync(join(tmpdir(), 'neurite-launch-'));
  return new Promise((res, rej) => {
    const child = spawn(l.cmd, l.args, { stdio: ['inherit', 'pipe', 'pipe'], env: { ...process.env, ...l.env, [LAUNCH_DIR_ENV]: dir } });
    // the launcher's report may come on either stream (hydra prints it on stdout): keep the tails
    let err = '';
    const keep = (to: ProgressStream) => (b: Buffer): void => { const s = b.toString(); err += s; if (err.length > 1 << 20) err = err.slice(-65536); to.write(s); };
    child.stdout!.on('data', keep(io.stdout));
    child.stderr!.on('data', keep(io.stderr));
    child.on('error', (e) => rej(new UsageError(`launch: cannot run ${l.cmd}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      const status = code ?? (signal ? 1 : 0);
      if (status !== 0) {
        const pids = new Map<number, number>();
        try { for (const f of readdirSync(dir)) pids.set(Number(f), Number(readFileSync(join(dir, f), 'utf8'))); } catch { /* none recorded */ }
        const lost = lostRank(err, pids);
        io.stderr.write(lost ? `neurite launch: rank ${lost.rank} was lost (${lost.how}); the job was stopped\n`
          : `neurite launch: the job failed (${code !== null ? `exit code ${code}` : `signal ${signal}`})\n`);
      }
      rmSync(dir, { recursive: true, force: true });
      res(status === 0 ? 0 : status);
    });
  });
}
