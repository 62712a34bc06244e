/**
 * Backend selection. `backend()` names the active backend, `setBackend(name)` switches it, and
 * `NEURITE_BACKEND=js|native` forces one at start-up. Everything above calls `B()`, never a
 * backend module directly, so a switch takes effect for the next op.
 */
import type { Backend, MatmulPrecisionId } from './types.js';
import { jsBackend } from './js.js';
import { loadNative, nativeInfo, type NativeLoad, type CpuCaches, type GemmBlocking } from './native.js';
import { cpus } from 'node:os';

/** The compute backends: `'native'` (C++ SIMD kernels, the addon) or `'js'` (TypeScript fallback). */
export type BackendName = 'js' | 'native';

let nativeLoad: NativeLoad | null = null;
let warned = false;

let precisionId: MatmulPrecisionId = 0;

function native(): NativeLoad {
  if (nativeLoad === null) {
    nativeLoad = loadNative();
    if (precisionId !== 0) nativeLoad.backend?.setMatmulPrecision(precisionId);
  }
  return nativeLoad;
}

/** The matmul precision of both backends on this thread (lib/precision.ts holds the API). */
export function setMatmulPrecisionId(p: MatmulPrecisionId): void {
  jsBackend.setMatmulPrecision(p);
  nativeLoad?.backend?.setMatmulPrecision(p);
  precisionId = p;
}

/** The native backend (loaded now if it was not yet; the packed-weight cache lives there), or null when the addon cannot load. */
export function nativeBackend(): Backend | null {
  return native().backend;
}

function pickDefault(): Backend {
  const forced = process.env.NEURITE_BACKEND;
  if (forced === 'js') return jsBackend;
  if (forced === 'native') {
    const n = native();
    if (n.backend === null) throw new Error(`NEURITE_BACKEND=native, but the native addon cannot load: ${n.error}`);
    return n.backend;
  }
  for (const knob of ['NEURITE_ISA', 'NEURITE_GEMM_BLOCKING']) {
    const v = process.env[knob];
    if (v !== undefined && v !== '' && forced !== 'js') {
      // a forced ISA or blocking must not silently run the js kernels instead
      const n = native();
      if (n.backend === null) throw new Error(`${knob}=${v}, but the native addon cannot load: ${n.error}`);
    }
  }
  if (forced !== undefined && forced !== '') {
    throw new RangeError(`NEURITE_BACKEND must be 'js' or 'native', got '${forced}'`);
  }
  const n = native();
  if (n.backend !== null) return n.backend;
  if (!warned && n.error !== null && !/not built yet/.test(n.error)) {
    warned = true;
    process.stderr.write(`neurite: native backend unavailable (${n.error}); using the js backend\n`);
  }
  return jsBackend;
}

let current: Backend | null = null;

/** The active backend's kernels. */
export function B(): Backend {
  if (current === null) current = pickDefault();
  return current;
}

/**
 * The active backend's name: 'native' when the addon loaded, else 'js'.
 * @example
 * ```js
 * import { backend } from 'neurite';
 * console.log(backend()); // 'native' when the addon loaded, else 'js'
 * ```
 */
export function backend(): BackendName {
  return B().name;
}

/**
 * Switch backend; 'native' throws (with the reason) when the addon cannot load.
 * @example
 * ```js
 * import { backend, setBackend } from 'neurite';
 * const prev = backend();
 * setBackend('js'); // the portable TypeScript kernels
 * console.log(backend()); // 'js'
 * setBackend(prev);
 * ```
 */
export function setBackend(name: BackendName): void {
  if (name === 'js') { current = jsBackend; return; }
  if (name === 'native') {
    const n = native();
    if (n.backend === null) throw new Error(`setBackend('native'): the native addon cannot load: ${n.error}`);
    current = n.backend;
    return;
  }
  throw new RangeError(`setBackend: unknown backend '${String(name)}' (expected 'js' or 'native')`);
}

/**
 * The backends that load on this machine, for tests and benchmarks.
 * @example
 * ```js
 * import { availableBackends } from 'neurite';
 * console.log(availableBackends()); // [ 'js', 'native' ] (or [ 'js' ] without the addon)
 * ```
 */
export function availableBackends(): BackendName[] {
  return native().backend !== null ? ['js', 'native'] : ['js'];
}

/** Why the native backend did not load, or null when it did. */
export function nativeError(): string | null {
  return native().error;
}

/** The backend object by name (for benchmarks that compare them). */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return jsBackend;
  const n = native();
  if (n.backend === null) throw new Error(`the native addon cannot load: ${n.error}`);
  return n.backend;
}

/** What runs the kernels: see `backendInfo()`. */
export interface BackendInfo {
  backend: BackendName;
  /** The CPU's model name (cpuid brand string on the native backend, else os.cpus()). */
  cpuModel: string;
  /**
   * The kernels' ISA: fp32 products and elementwise, and the bf16 products ('medium'/'high');
   * `high` is what precision 'high' runs: 'bf16x3' (the three bf16 products: AMX, a forced bf16
   * kernel, the js backend) or 'fp32' (the 'highest' product, where bf16x3 would be slower than
   * fp32, as PyTorch does: docs/precision.md).
   */
  isa: { fp32: string; bf16: string; high: string; elementwise: string; level: string; detected: string; forced: boolean };
  /** Whether the kernel granted the AMX tile permission (false without AMX or on js). */
  amxPermission: boolean;
  /** Threads of the kernels' pool (1 on js). */
  threads: number;
  /**
   * How large fresh outputs are allocated: 'tuned, huge pages (THP <mode>)' when the native
   * addon raised glibc's mmap and trim thresholds at load (freed outputs are reused instead of
   * returned to the OS and faulted in again) and advises the heap's fresh memory for transparent
   * huge pages (one page fault per 2 MB at first touch); 'tuned, no huge pages (why)':
   * NEURITE_MALLOC=no-thp, the kernel's THP setting 'never', not Linux; else 'default (why)':
   * the js backend, NEURITE_MALLOC=default, glibc malloc tunables set by the environment, or not
   * glibc. See docs/backends.md.
   */
  malloc: string;
  /**
   * The fp32 GEMM's tile and blocks on this CPU (MC/NC sized from its caches, KC fixed per ISA;
   * NEURITE_GEMM_BLOCKING=mc,kc,nc overrides them), and the caches they came from; null on js.
   */
  gemmBlocking: (GemmBlocking & { caches: CpuCaches }) | null;
}

/**
 * The active backend, the CPU, the ISA chosen for each kernel family (NEURITE_ISA=amx|
 * avx512bf16|avx512|avx2|portable caps it), AMX permission and threads.
 * @example
 * ```js
 * import { backendInfo } from 'neurite';
 * const info = backendInfo();
 * console.log(info.backend, info.cpuModel, info.isa.fp32, info.threads);
 * ```
 */
export function backendInfo(): BackendInfo {
  const name = backend();
  const info = name === 'native' ? nativeInfo() : null;
  if (info !== null) {
    return {
      backend: name,
      cpuModel: info.cpuModel.trim() || (cpus()[0]?.model ?? ''),
      isa: { fp32: info.gemmIsa, bf16: info.bf16Isa, high: info.bf16High, elementwise: info.isa, level: info.isaLevel, detected: info.isaDetected, forced: info.isaForced },
      amxPermission: info.amxPermission,
      threads: info.threads,
      malloc: info.malloc,
      gemmBlocking: { ...info.gemmBlocking, caches: info.caches },
    };
  }
  return {
    backend: name,
    cpuModel: cpus()[0]?.model ?? '',
    isa: { fp32: 'js', bf16: 'js', high: 'bf16x3', elementwise: 'js', level: 'js', detected: 'js', forced: false },
    amxPermission: false,
    threads: 1,
    malloc: 'default (js backend)',
    gemmBlocking: null,
  };
}
