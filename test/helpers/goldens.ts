/**
 * The PyTorch reference values of test/fixtures/goldens/goldens.json (see PROVENANCE.md there), and
 * the ways tests compare against them: ulp distance on float32 bits, rel/abs closeness, and the
 * integer formulas the goldens use to build weights and inputs without an RNG.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The folder of the PyTorch goldens inside the repository (goldens.json, *.safetensors, goldens.py). */
export const GOLDENS_DIR = fileURLToPath(new URL('../fixtures/goldens/', import.meta.url));
export const GOLDENS_PATH = `${GOLDENS_DIR}goldens.json`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
let cache: Json | null = null;
export function goldens(): Json {
  if (cache === null) cache = JSON.parse(readFileSync(GOLDENS_PATH, 'utf8'));
  return cache;
}

type Nested = number | string | Nested[];
/** Flatten nested JSON numbers (non-finite stored as strings) to plain numbers. */
export function flat(v: Nested): number[] {
  const out: number[] = [];
  const walk = (x: Nested): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'string') out.push(x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : -Infinity);
    else out.push(x);
  };
  walk(v);
  return out;
}

/** t[k] = ((a*k + b) % m - c) / d for flat index k, rounded to float32 as goldens.py does. */
export function formulaData(shape: readonly number[], a: number, b: number, m: number, c: number, d: number): Float32Array {
  const n = shape.reduce((p, q) => p * q, 1);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = Math.fround((((a * k + b) % m) - c) / d);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}
export function fromBits(hex: string): number {
  u32[0] = parseInt(hex, 16);
  return f32[0];
}

/** Distance in float32 ulps (order-preserving integer mapping; -0 and +0 are 0 apart). */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const key = (x: number): number => {
    const u = bitsOf(x);
    return u & 0x80000000 ? -(u & 0x7fffffff) : u;
  };
  return Math.abs(key(a) - key(b));
}

/** Every element within `ulps` float32 ulps of the expected bits. */
export function expectUlps(actual: ArrayLike<number>, expectedBits: readonly string[], ulps: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expectedBits.length);
  const bad: string[] = [];
  for (let i = 0; i < expectedBits.length; i++) {
    const e = fromBits(expectedBits[i]);
    const d = ulpDistance(actual[i], e);
    if (d > ulps) bad.push(`[${i}] got ${actual[i]} want ${e} (${d} ulp)`);
  }
  expect(bad, `${what}: elements more than ${ulps} ulp away`).toEqual([]);
}

/** |a - e| <= abs + rel·|e| elementwise (NaN matches NaN, infinities must be equal). */
export function expectClose(actual: ArrayLike<number>, expected: Nested | ArrayLike<number>, what: string,
  tol: { rel?: number; abs?: number } = {}): void {
  const rel = tol.rel ?? 1e-5, abs = tol.abs ?? 1e-6;
  const exp = Array.isArray(expected) || typeof expected === 'number' || typeof expected === 'string'
    ? flat(expected as Nested) : Array.from(expected as ArrayLike<number>);
  expect(actual.length, `${what}: length`).toBe(exp.length);
  const bad: string[] = [];
  for (let i = 0; i < exp.length; i++) {
    const a = actual[i], e = exp[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= abs + rel * Math.abs(e);
    if (!ok) bad.push(`[${i}] got ${a} want ${e}`);
  }
  expect(bad, `${what}: elements outside rel ${rel} / abs ${abs}`).toEqual([]);
}
