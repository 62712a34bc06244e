/**
 * Loader for the native backend (the Node-API addon in native/addon). The addon's raw functions
 * take the Backend methods' arguments as they are and check them again (the trust boundary),
 * so most methods are the raw functions themselves: no JS wrapper frame on the hot path.
 *
 * Where the addon comes from: NEURITE_ADDON_PATH (a .node file, e.g. the sanitizer build),
 * else node-gyp-build from the package root (prebuilds/, build/Release), else the cmake-js
 * build in build-cmake/Release.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BinaryId, F32 } from './types.js';

export interface NativeLoad {
  backend: Backend | null;
  /** Why the addon did not load (shown once on stderr, and in the error of NEURITE_BACKEND=native). */
  error: string | null;
}

/** What the addon reports about itself. */
export interface NativeInfo {
  version: string;
  napiVersion: number;
  /** ISA of the activation / elementwise kernels: 'avx512' | 'avx2' | 'portable'. */
  isa: string;
  /** ISA of the fp32 GEMM microkernels: 'avx512' | 'avx2' | 'portable'. */
  gemmIsa: string;
  /** Kernel of the bf16 products (matmul precision 'medium' / 'high'): 'amx' | 'avx512bf16' | 'portable'. */
  bf16Isa: string;
  /** What precision 'high' runs: 'bf16x3' (AMX, or a forced bf16 kernel) | 'fp32' (where bf16x3 loses to fp32). */
  bf16High: string;
  /** The ISA level in use: 'amx' | 'avx512bf16' | 'avx512' | 'avx2' | 'portable' (NEURITE_ISA caps it). */
  isaLevel: string;
  /** The best level this machine runs (what NEURITE_ISA may ask for at most). */
  isaDetected: string;
  /** Whether NEURITE_ISA forced that level. */
  isaForced: boolean;
  /** Whether the kernel granted the AMX tile permission (arch_prctl; false without AMX). */
  amxPermission: boolean;
  /** The CPU's brand string (cpuid), '' when absent. */
  cpuModel: string;
  threads: number;
  sanitized: boolean;
  /**
   * 'tuned, huge pages (THP <mode>)' when the addon raised glibc's mmap and trim thresholds at
   * load and advises fresh heap memory for transparent huge pages (native/addon/hugepages.h),
   * 'tuned, no huge pages (why)' without the huge pages, else 'default (why)'.
   */
  malloc: string;
  /** madvise(MADV_HUGEPAGE) calls the addon made so far (0 steady state; tests, bench). */
  hugePageAdvises: number;
  /** The data caches the fp32 GEMM's blocks were sized from. */
  caches: CpuCaches;
  /** The fp32 GEMM's tile and blocks on this CPU. */
  gemmBlocking: GemmBlocking;
}

/** The CPU's data caches as the native addon detected them (bytes; 0 when unknown). */
export interface CpuCaches {
  l1d: number;
  l2: number;
  l3: number;
  /** Logical CPUs sharing the L3 (each core's share is l3 / l3SharedBy). */
  l3SharedBy: number;
  /** Where l3SharedBy came from: 'cpuid', 'sysfs', 'assumed: all online CPUs' (no source said), or '' (no L3 known). */
  l3SharedBySource: string;
  /** Where the sizes came from: 'cpuid leaf 4' (Intel), 'cpuid 0x8000001D' (AMD), 'cpuid 0x80000005/6' (AMD without topology extensions), 'sysfs', 'sysconf' or 'unknown'. */
  source: string;
}

/**
 * The fp32 GEMM's blocking: the microkernel tile (mr × nr, per ISA) and the K, M, N blocks.
 * kc is fixed per ISA (it sets the rounding: partial sums of kc-deep blocks are added into the
 * output); mc and nc are sized from the caches (they do not change results), or all three come
 * from NEURITE_GEMM_BLOCKING=mc,kc,nc. See docs/backends.md.
 */
export interface GemmBlocking {
  mr: number;
  nr: number;
  mc: number;
  kc: number;
  nc: number;
  /** Loop order: 'A micro-panel in L1' (packed B in L2) or 'B micro-panel in L1' (packed A in L2). */
  order: string;
  /** 'cpu caches' | 'NEURITE_GEMM_BLOCKING' | 'isa defaults (cache sizes unknown)'. */
  source: string;
}

type Raw = Omit<Backend, 'name' | 'binary' | 'linearChain' | 'stridedCopy'> & {
  linearChain(X: F32, M: number, spec: Float64Array, Y: F32, S: F32, ...wb: (F32 | null)[]): void;
  binary(op: BinaryId, a: F32, b: F32, out: F32, dims: Float64Array, rank: number): void;
  stridedCopy(src: F32, srcOffset: number, dst: F32, dstOffset: number, dims: Float64Array, rank: number): void;
  info(): NativeInfo;
};

/**
 * This module's own file. `import.meta` cannot appear in the CommonJS build, so the path comes
 * from the call site V8 records (a file: URL under ESM, a path under CommonJS and vitest).
 */
function thisFile(): string | null {
  const prev = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_e, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const f = sites?.[0]?.getFileName?.() ?? null;
    if (f === null) return null;
    return f.startsWith('file:') ? fileURLToPath(f) : f;
  } catch {
    return null;
  } finally {
    Error.prepareStackTrace = prev;
  }
}

/** The package root: the nearest directory above this file whose package.json names neurite. */
export function packageRoot(): string | null {
  const start = thisFile() ?? (typeof __filename === 'string' ? __filename : null);
  let dir = start !== null ? dirname(start) : process.cwd();
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'neurite') return dir;
      } catch { /* keep walking */ }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** The .node file the loader uses (throws when there is none). */
export function nativeAddonPath(): string {
  const override = process.env.NEURITE_ADDON_PATH;
  if (override !== undefined && override !== '') return resolve(override);
  const root = packageRoot();
  if (root === null) throw new Error('cannot find the neurite package root');
  const req = createRequire(join(root, 'package.json'));
  try {
    const gypBuild = req('node-gyp-build') as { path(dir: string): string };
    return gypBuild.path(root);
  } catch (e) {
    const cmake = join(root, 'build-cmake', 'Release', 'neurite.node');
    if (existsSync(cmake)) return cmake;
    throw e;
  }
}

function loadRaw(): Raw {
  const file = nativeAddonPath();
  return createRequire(file)(file) as Raw;
}

const MAX_PACKED_RANK = 8;

function wrap(raw: Raw): Backend {
  // Shapes travel as one Float64Array (a ++ b ++ out), reused across calls: no allocation.
  const packed = new Float64Array(3 * MAX_PACKED_RANK);
  return {
    name: 'native',
    gemm: raw.gemm,
    linearForward: raw.linearForward,
    linearBackward: raw.linearBackward,
    linearChain(X, M, spec, Y, S, wb) {
      raw.linearChain(X, M, spec, Y, S, ...wb);
    },
    setMatmulPrecision: raw.setMatmulPrecision,
    packCacheId: raw.packCacheId,
    packCacheDrop: raw.packCacheDrop,
    packCacheLimit: raw.packCacheLimit,
    packCacheStats: raw.packCacheStats,
    actForward: raw.actForward,
    actBackward: raw.actBackward,
    unary: raw.unary,
    binary(op, a, aShape, b, bShape, out, outShape) {
      const rank = Math.max(outShape.length, aShape.length, bShape.length, 1);
      const dims = rank <= MAX_PACKED_RANK ? packed : new Float64Array(3 * rank);
      // right-align: missing leading dims are 1
      for (let i = 0; i < rank; i++) {
        dims[i] = aShape[i - rank + aShape.length] ?? 1;
        dims[rank + i] = bShape[i - rank + bShape.length] ?? 1;
        dims[2 * rank + i] = outShape[i - rank + outShape.length] ?? 1;
      }
      raw.binary(op, a, b, out, dims, rank);
    },
    stridedCopy(shape, src, srcOffset, srcStrides, dst, dstOffset, dstStrides) {
      const rank = shape.length;
      const dims = rank <= MAX_PACKED_RANK ? packed : new Float64Array(3 * rank);
      for (let i = 0; i < rank; i++) { dims[i] = shape[i]; dims[rank + i] = srcStrides[i]; dims[2 * rank + i] = dstStrides[i]; }
      raw.stridedCopy(src, srcOffset, dst, dstOffset, dims, rank);
    },
    axpy: raw.axpy,
    sumAxis: raw.sumAxis,
    maxAxis: raw.maxAxis,
    softmax: raw.softmax,
    softmaxBackward: raw.softmaxBackward,
    crossEntropy: raw.crossEntropy,
    crossEntropyEx: raw.crossEntropyEx,
    sgdStep: raw.sgdStep,
    adamStep: raw.adamStep,
    rmspropStep: raw.rmspropStep,
    adagradStep: raw.adagradStep,
    indexSelect: raw.indexSelect,
    indexAdd: raw.indexAdd,
    gather: raw.gather,
    scatter: raw.scatter,
  };
}

let rawCache: Raw | null = null;

/** The addon's raw functions (for tests of the trust boundary and for benchmarks). */
export function nativeRaw(): Raw {
  if (rawCache === null) rawCache = loadRaw();
  return rawCache;
}

/** ISA, threads and version of the loaded addon, or null when it does not load. */
export function nativeInfo(): NativeInfo | null {
  try {
    return nativeRaw().info();
  } catch {
    return null;
  }
}

/** How to build the addon here: `npm rebuild neurite` in a project that depends on neurite, `npm run build:native` in a checkout. */
export function rebuildAdvice(): string {
  const root = packageRoot();
  const installed = root !== null && root.split(sep).includes('node_modules');
  return installed
    ? 'with a C++17 compiler, python3 and make installed, build it with `npm rebuild neurite`'
    : 'with a C++17 compiler, python3 and make installed, build it with `npm run build:native`';
}

/** Why the addon is missing and how to get it (the install-time build's log when it left one). */
function installHint(): string {
  if (process.env.NEURITE_ADDON_PATH) return '';
  const root = packageRoot();
  const log = root === null ? null : join(root, 'build', 'neurite-install.log');
  const failed = log !== null && existsSync(log) ? `the install-time compile failed (log: ${log}); ` : '';
  return `; ${failed}${rebuildAdvice()}`;
}

export function loadNative(): NativeLoad {
  try {
    return { backend: wrap(nativeRaw()), error: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { backend: null, error: msg + installHint() };
  }
}
