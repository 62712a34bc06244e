/**
 * Loads the optional MPI addon (native/mpi, built by scripts/build-mpi.cjs against the
 * installed MPI) on first use only, so neurite without MPI loses nothing but `distributed`.
 * libmpi is loaded RTLD_GLOBAL: Open MPI's plugins (dlopen'ed by libmpi) resolve their symbols
 * against it, which the default RTLD_LOCAL of require() would hide.
 */
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../backend/native.js';

/** Reduce ops in the addon's order (native/mpi/mpi_addon.cc); 'avg' is a sum scaled here. */
export const REDUCE_IDS = { sum: 0, max: 1, min: 2, product: 3 } as const;

export interface InitInfo {
  rank: number; worldSize: number; localRank: number; localSize: number; threadLevel: string;
  /** Every rank is on this host and the ranks share a memory segment: allReduce of up to 64 KiB goes through it, not MPI. */
  sharedMemory: boolean;
}

/** The addon's raw entries; each checks its arguments (the trust boundary). */
export interface MpiRaw {
  init(): Promise<InitInfo>;
  /**
   * In place, each rank's values first multiplied by `scale`; resolves with the seconds it took. Up to 64 KiB with
   * `sharedMemory`: through the ranks' shared segment, on the calling thread when nothing is queued and the peers
   * arrive within 20 us (then it returns the seconds, a number, not a promise: it is done), else on the communication
   * thread; larger, or without `sharedMemory`: MPI on the communication thread.
   */
  allReduce(buf: Float32Array, op: number, scale: number): Promise<number> | number;
  broadcast(buf: Float32Array, root: number): Promise<number>;
  allGather(input: Float32Array, output: Float32Array): Promise<number>;
  barrier(): Promise<number>;
  /** Collective (every rank, same order, same count): `count` zeros in shared memory, or null where the ranks do not all share one host (or NEURITE_MPI_SHM=off on a rank, or no memory). */
  sharedBuffer(count: number): Promise<Float32Array | null>;
  /**
   * In place over a part of a sharedBuffer() array (the same part on every rank): each rank's values × `scale`, summed
   * in rank order, by the ranks themselves through shared memory (rank r the r-th slice; with NEURITE_MPI_SHM_REDUCE=claim
   * a block at a time by whichever rank is there); the seconds it took, through a promise. Only with block claims and
   * NEURITE_MPI_SHM_FAST=on (measurements): when nothing is queued and the peers are there already (this rank is the
   * last to arrive) it runs on the calling thread and returns a number (it is done).
   */
  allReduceShared(buf: Float32Array, scale: number): Promise<number> | number;
  finalize(): Promise<number>;
  /**
   * `exchanges`: how many large all-reduces ran as the 2-rank pipelined exchange (two hosts, or NEURITE_MPI_EXCHANGE=on) instead of MPI_Allreduce.
   * `small`: how many small all-reduces over shared memory finished on the calling thread, were handed to the communication thread after the spin, or were queued behind other collectives.
   * `shared`: allReduceShared so far: collectives, the blocks they had (the fixed split: one per rank; NEURITE_MPI_SHM_REDUCE=claim: the range's blocks),
   * how many of them this rank reduced, and how many collectives finished on the calling thread, were handed to the communication thread, or were queued
   * (the staged pieces below count as collectives and blocks too, not in fast/handedOff/queued).
   * `staged`: allReduces of more than 16,384 floats through the shared staging (every rank on one host): collectives, the pieces they went in, and the
   * piece size in floats (NEURITE_MPI_SHM_PIECE).
   */
  info(): { library: string; initialized: boolean; sanitized: boolean; exchanges: number; small?: { fast: number; handedOff: number; queued: number };
    shared?: { collectives: number; blocks: number; reduced: number; fast: number; handedOff: number; queued: number };
    staged?: { collectives: number; pieces: number; pieceFloats: number } };
}

export const INSTALL_HINT = 'install MPI (Debian/Ubuntu: apt-get install libopenmpi-dev openmpi-bin; or MPICH: ' +
  'apt-get install libmpich-dev mpich), then build the addon: `npm rebuild neurite` ' +
  '(in a checkout: node scripts/build-mpi.cjs --strict)';

/** The .node file: NEURITE_MPI_ADDON, else build-mpi/neurite_mpi.node in the package. */
export function mpiAddonPath(): string {
  const override = process.env.NEURITE_MPI_ADDON;
  if (override !== undefined && override !== '') return resolve(override);
  const root = packageRoot();
  if (root === null) throw new Error('distributed: cannot find the neurite package root');
  return join(root, 'build-mpi', 'neurite_mpi.node');
}

let cached: MpiRaw | null = null;

/**
 * UCX (under MPICH's ch4:ucx, and Open MPI's pml ucx where it is chosen) intercepts memory
 * events for its RDMA registration cache by patching mmap/munmap's code and hooking malloc at
 * MPI_Init, while V8's and libuv's threads are running; on MPICH here that crashed ranks inside
 * V8 now and then (about 1 run in 60 of a 2-rank test; 0 in 180 with these off). Switched off
 * unless the user set them: shared memory and TCP do not need them, and on InfiniBand UCX then
 * registers memory without its cache (slower, never stale).
 */
export const UCX_DEFAULTS = { UCX_MEM_MMAP_HOOK_MODE: 'none', UCX_MEM_MALLOC_HOOKS: 'no' } as const;

/** The addon, loaded now if it was not (throws an Error saying how to install MPI). */
export function mpiRaw(): MpiRaw {
  if (cached !== null) return cached;
  const file = mpiAddonPath();
  if (!existsSync(file)) {
    throw new Error(`distributed: the MPI addon is not built (no ${file}); ${INSTALL_HINT}`);
  }
  for (const [k, v] of Object.entries(UCX_DEFAULTS)) if (process.env[k] === undefined) process.env[k] = v;
  const mod = { exports: {} as MpiRaw };
  try {
    process.dlopen(mod, file, constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_GLOBAL);
  } catch (e) {
    throw new Error(`distributed: the MPI addon at ${file} does not load (${(e as Error).message}); ${INSTALL_HINT}`);
  }
  cached = mod.exports;
  return cached;
}
