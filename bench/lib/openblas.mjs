// OpenBLAS / BLIS SGEMM beside neurite's C++ GEMM: the SGEMM engineer's harness
// (bench/native/build.sh builds it with g++ and runs it with OPENBLAS_CORETYPE=SkylakeX set for
// that process only). Returns its table as text, or why it is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function runNativeHarness({ quick, threads }) {
  if (!existsSync('bench/native/build.sh')) return { missing: 'bench/native/build.sh not found' };
  if (!existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h')) {
    return { missing: 'OpenBLAS headers not found (install: apt-get install -y libopenblas-dev)' };
  }
  const a = ['bench/native/build.sh', 'bench', '--threads', threads.join(','), '--reps', quick ? '3' : '7'];
  if (quick) a.push('--filter', 'W6', '--ms', '20');
  const r = spawnSync('bash', a, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 30 * 60 * 1000 });
  if (r.status !== 0) return { missing: `bench/native/build.sh bench failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}` };
  const rows = [];
  for (const m of r.stdout.matchAll(/^(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) \|\s+([\d.]+) \[\s*([\d.]+)\]\s+([\d.]+) \[\s*([\d.]+)\]\s+(?:([\d.]+) \[\s*([\d.]+)\]|-)/gm)) {
    rows.push({ shape: m[1].trim(), threads: +m[2], M: +m[3], N: +m[4], K: +m[5], neurite: +m[6], openblas: +m[8], blis: m[10] ? +m[10] : null });
  }
  const mismatches = r.stdout.split('\n').filter((l) => l.startsWith('!!'));
  return { text: r.stdout, rows, mismatches };
}
