/** `neurite info` and `neurite bench`. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { backend, availableBackends, nativeError } from '../backend/index.js';
import * as native from '../backend/native.js';
import { UsageError } from './errors.js';
import type { ProgressStream } from './progress.js';

export function packageVersion(root: string): string {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

interface NativeInfoLike { version?: string; isa?: string; gemmIsa?: string; bf16Isa?: string; bf16High?: string; amxPermission?: boolean; cpuModel?: string; threads?: number; napiVersion?: number; malloc?: string;
  gemmBlocking?: { mr: number; nr: number; mc: number; kc: number; nc: number; source: string }; caches?: { l1d: number; l2: number; l3: number; l3SharedBy: number; l3SharedBySource?: string; source: string } }

/** Version, backend, CPU features the kernels use, thread count. */
export function runInfo(root: string, out: ProgressStream): void {
  const getInfo = (native as { nativeInfo?: () => NativeInfoLike | null }).nativeInfo;
  const info = availableBackends().includes('native') ? getInfo?.() ?? null : null;
  const lines = [
    `neurite ${packageVersion(root)}`,
    `node ${process.versions.node} (${process.platform}-${process.arch})`,
    `backend: ${backend()} (available: ${availableBackends().join(', ')})`,
  ];
  if (info) {
    lines.push(`native addon: ${info.version ?? '?'}, N-API ${info.napiVersion ?? '?'}`);
    lines.push(`cpu: ${info.cpuModel || '?'}`);
    lines.push(`cpu features in use: elementwise ${info.isa ?? '?'}, gemm ${info.gemmIsa ?? '?'}, bf16 gemm ${info.bf16Isa ?? '?'}, 'high' runs ${info.bf16High ?? '?'} (AMX permission: ${info.amxPermission ? 'granted' : 'no'})`);
    const b = info.gemmBlocking, c = info.caches;
    if (b && c) {
      const kb = (n: number): string => (n === 0 ? '?' : n >= 1 << 20 ? `${+(n / (1 << 20)).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);
      lines.push(`fp32 gemm blocking: tile ${b.mr}x${b.nr}, MC ${b.mc}, KC ${b.kc}, NC ${b.nc} (${b.source}; caches from ${c.source}: L1d ${kb(c.l1d)}, L2 ${kb(c.l2)}, L3 ${kb(c.l3)} shared by ${c.l3SharedBy}${c.l3SharedBySource?.startsWith('assumed') ? ` (${c.l3SharedBySource})` : ''})`);
    }
    lines.push(`threads: ${info.threads ?? '?'} (NEURITE_NUM_THREADS=${process.env.NEURITE_NUM_THREADS ?? 'unset'})`);
    lines.push(`malloc: ${info.malloc ?? '?'} (NEURITE_MALLOC=${process.env.NEURITE_MALLOC ?? 'unset'})`);
  } else {
    lines.push(`native addon: not loaded (${nativeError() ?? 'not selected'})`);
    lines.push('cpu features in use: none (plain JavaScript kernels)');
    lines.push(`threads: 1 for kernels (${availableParallelism()} cores available)`);
  }
  out.write(`${lines.join('\n')}\n`);
}

/** Run the benchmark suite (`npm run bench` in the package), passing its exit code on. */
export function runBench(root: string, args: string[]): Promise<number> {
  if (!existsSync(join(root, 'bench'))) throw new UsageError(`no benchmark suite at ${join(root, 'bench')} (bench/ ships in the source repository, not the npm package)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((res, rej) => {
    const child = spawn(npm, ['run', 'bench', ...(args.length ? ['--', ...args] : [])], { cwd: root, stdio: 'inherit' });
    child.on('error', (e) => rej(new UsageError(`cannot run npm: ${e.message}`)));
    child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}
