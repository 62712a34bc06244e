/** runInfo(): where this process computes (backend, ISA, matmul precision, CPU, threads), for reports and logs. */
import { cpus } from 'node:os';
import { backend } from '../backend/index.js';
import { nativeInfo } from '../backend/native.js';
import { getFloat32MatmulPrecision } from '../precision.js';
import type { RunInfo } from './types.js';

/**
 * The backend in use, its instruction set and thread count, the CPU model and the Node version.
 * @example
 * ```js
 * import { diagnostics } from 'neurite';
 * const info = diagnostics.runInfo();
 * console.log(info.backend, info.precision, info.threads > 0); // e.g. native highest true
 * ```
 */
export function runInfo(): RunInfo {
  const b = backend();
  const info = b === 'native' ? nativeInfo() : null;
  return {
    backend: b,
    isa: info ? `${info.gemmIsa === info.isa ? info.isa : `${info.isa}, GEMM ${info.gemmIsa}`}, bf16 GEMM ${info.bf16Isa}` : 'js',
    precision: getFloat32MatmulPrecision(),
    threads: info ? info.threads : 1,
    cpu: cpus()[0]?.model?.trim() || 'unknown CPU',
    node: process.versions.node,
  };
}
