// W7: this CPU's FMA peak, from the SGEMM engineer's bench/native/peak.cc, compiled with the
// addon's toolchain (g++, no -march: the program picks AVX-512 / AVX2 at run time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

const SRC = 'bench/native/peak.cc';
const BIN = 'build-bench/peak';

/** { avx512: {1: GFLOP/s, 2: ...}, avx2: {...}, wall?: {...}, text } or { missing: why }. */
export function measurePeak() {
  if (!existsSync(SRC)) return { missing: `${SRC} not found (the SGEMM engineer's W7 program)` };
  try {
    mkdirSync('build-bench', { recursive: true });
    const cxx = process.env.CXX || 'g++';
    execFileSync(cxx, ['-std=c++17', '-O2', '-pthread', SRC, '-o', BIN], { stdio: ['ignore', 'ignore', 'pipe'] });
    const text = execFileSync(BIN, { encoding: 'utf8' });
    const out = { text };
    // "avx512 zmm FMA threads=1 [wall X GFLOP/s cpu-time] Y GFLOP/s": the CPU-time figure is the
    // physical limit (what the cores do while they run this program, whatever else runs)
    for (const m of text.matchAll(/^(avx512|avx2)\s+\S+\s+FMA\s+threads=(\d+)\s+(?:wall\s+([\d.]+) GFLOP\/s\s+cpu-time\s+)?([\d.]+) GFLOP\/s/gm)) {
      (out[m[1]] ??= {})[m[2]] = Number(m[4]);
      if (m[3]) ((out.wall ??= {})[m[1]] ??= {})[m[2]] = Number(m[3]);
    }
    return out;
  } catch (e) {
    return { missing: `building or running ${SRC} failed: ${String(e.stderr || e.message).split('\n')[0]}` };
  }
}
