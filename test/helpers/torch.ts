/**
 * The bridge to PyTorch for differential tests: one python3 subprocess per test file runs a
 * batch of cases (test/helpers/torch_driver.py) and returns PyTorch's results. Float arrays
 * cross as base64 of float32 bytes (exact bits: -0, NaN, ±Inf included). Without python3 and
 * torch, `torchAvailable()` is false and the suites skip.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ulpDistance } from './goldens.js';

const DRIVER = fileURLToPath(new URL('./torch_driver.py', import.meta.url));
// the first python that imports torch: $NEURITE_PYTHON, then PATH's (may be a venv), then the system's
const CANDIDATES = [process.env.NEURITE_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);

let python: string | null | undefined;
function findPython(): string | null {
  if (python === undefined) {
    python = CANDIDATES.find((p) => spawnSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore', timeout: 60_000, env: foreignEnv() }).status === 0) ?? null;
  }
  return python;
}

/**
 * The environment for a child that is not node (python, chromium): without the ASan runtime
 * that `npm run test:sanitize` preloads into node, which such children do not need and which
 * aborts them (C++ exceptions in torch, chromium's own allocator).
 */
export function foreignEnv(): NodeJS.ProcessEnv {
  const { LD_PRELOAD: _drop, ...env } = process.env;
  return env;
}

/** Whether a python3 with torch (and numpy) is installed here. */
export function torchAvailable(): boolean {
  return findPython() !== null;
}

/** The python3 that imports torch and numpy ($NEURITE_PYTHON first), or null. */
export function torchPython(): string | null {
  return findPython();
}

/** Why the PyTorch suites cannot run here (null when they can). */
export function torchMissing(): string | null {
  return findPython() !== null ? null
    : `no python3 that imports torch and numpy (tried ${CANDIDATES.join(', ')}; Debian: apt-get install python3-torch, or set NEURITE_PYTHON)`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TorchResult = Record<string, any>;

/** Run every case through PyTorch in one subprocess; results in case order. */
export function runTorch(cases: object[]): { version: string; results: TorchResult[] } {
  const r = spawnSync(findPython() ?? 'python3', [DRIVER], { env: foreignEnv(),
    input: JSON.stringify({ cases }), maxBuffer: 1 << 30, timeout: 120_000, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`torch driver failed (${r.status ?? r.signal}): ${r.stderr || r.error}`);
  const out = JSON.parse(r.stdout) as { torch: string; results: TorchResult[] };
  if (out.results.length !== cases.length) throw new Error('torch driver: result count differs from case count');
  return { version: out.torch, results: out.results };
}

/** Float32 values as base64 of their little-endian bytes. */
export function enc(a: ArrayLike<number>): string {
  const f = a instanceof Float32Array ? a : Float32Array.from(a);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}
export function dec(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/**
 * How close neurite must be: `ulps` (float32 ulps, for elementwise kernels), or
 * |a - e| <= rel·|e| + abs·max(1, scale) with scale the magnitude of the computation
 * (default: the largest finite |e| of the array); `absEach[i]` adds an absolute allowance per
 * element (an ulp of an O(1) intermediate that cancels). NaN must meet NaN, ±Inf the same
 * infinity, and with `signedZero` a zero must carry PyTorch's sign.
 */
export interface Tol {
  ulps?: number; rel?: number; abs?: number; scale?: number; signedZero?: boolean; absEach?: ArrayLike<number>;
  /**
   * PyTorch's result computed in float64: an element outside the tolerance still passes when it
   * is no further from this than twice PyTorch's own float32 result is (an ill-conditioned
   * computation, where both libraries' rounding is magnified alike).
   */
  ref64?: ArrayLike<number>;
}
export const ACT_TOL: Tol = { ulps: 2 };
export const EXACT: Tol = { ulps: 0 };
export const COMPOSITE: Tol = { rel: 1e-5, abs: 1e-6 };

function close(a: number, e: number, tol: Tol, absTol: number, i: number): boolean {
  let ok: boolean;
  if (Number.isNaN(e) || !Number.isFinite(e)) ok = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
  else if (tol.ulps !== undefined) ok = ulpDistance(a, e) <= tol.ulps;
  else ok = Math.abs(a - e) <= (tol.rel ?? 0) * Math.abs(e) + absTol;
  if (!ok && tol.absEach && Number.isFinite(e)) ok = Math.abs(a - e) <= tol.absEach[i];
  if (!ok && tol.ref64 && Number.isFinite(e)) { const r = tol.ref64[i]; ok = Math.abs(a - r) <= 2 * Math.abs(e - r) + absTol; }
  if (ok && tol.signedZero && e === 0 && !Object.is(a, e)) ok = false;
  return ok;
}

const show = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/**
 * Elements of `actual` outside `tol` of `expected` (or of every one of several alternative
 * expectations, e.g. PyTorch's SIMD and scalar paths), described; empty when all agree.
 */
export function mismatches(actual: ArrayLike<number>, expected: ArrayLike<number> | ArrayLike<number>[], tol: Tol, max = 8): string[] {
  const alts = isAlternatives(expected) ? expected : [expected];
  for (const e of alts) if (actual.length !== e.length) return [`length ${actual.length}, PyTorch ${e.length}`];
  const absTols = alts.map((e) => {
    let scale = tol.scale;
    if (scale === undefined) {
      scale = 0;
      for (let i = 0; i < e.length; i++) if (Number.isFinite(e[i])) scale = Math.max(scale, Math.abs(e[i]));
    }
    return (tol.abs ?? 0) * Math.max(1, scale);
  });
  const bad: string[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    if (alts.some((e, k) => close(a, e[i], tol, absTols[k], i))) continue;
    const wants = alts.map((e) => {
      const d = Number.isFinite(a) && Number.isFinite(e[i]) ? ` (${ulpDistance(a, e[i])} ulp)` : '';
      return `${show(e[i])}${d}`;
    });
    bad.push(`[${i}] got ${show(a)} want ${wants.join(' or ')}`);
    if (bad.length >= max) { bad.push('...'); break; }
  }
  return bad;
}

function isAlternatives(e: ArrayLike<number> | ArrayLike<number>[]): e is ArrayLike<number>[] {
  return Array.isArray(e) && e.length > 0 && typeof e[0] === 'object';
}

/** Assert every named output of neurite against PyTorch's (one expectation, or alternatives). */
export function expectLikeTorch(what: string, got: Record<string, ArrayLike<number>>,
  want: Record<string, ArrayLike<number> | ArrayLike<number>[]>, tol: Record<string, Tol> | Tol): void {
  const problems: string[] = [];
  for (const [k, e] of Object.entries(want)) {
    const a = got[k];
    if (a === undefined) { problems.push(`${k}: neurite produced nothing`); continue; }
    const t: Tol = isTol(tol) ? tol : tol[k] ?? tol.default ?? COMPOSITE;
    const bad = mismatches(a, e, t);
    if (bad.length) problems.push(`${k}: ${bad.join('; ')}`);
  }
  expect(problems.join('\n'), what).toBe('');
}

function isTol(t: Record<string, Tol> | Tol): t is Tol {
  return ['ulps', 'rel', 'abs', 'scale', 'signedZero', 'absEach', 'ref64'].some((k) => k in t);
}
