/**
 * The one random number generator: every random function and every default initialisation
 * draws from it, so `manualSeed(n)` makes a whole run reproducible. xoshiro128** for uniforms,
 * Box-Muller (both values used) for normals.
 */
let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
let spare: number | null = null;

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Seed the generator (any finite number; equal seeds give equal streams). */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: seed must be a finite number, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) | 0;
  const sm = splitmix32((seed | 0) ^ Math.imul(hi, 0x27d4eb2d));
  s0 = sm(); s1 = sm(); s2 = sm(); s3 = sm();
  spare = null;
}

function next(): number {
  const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
  return result >>> 0;
}
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform in [0, 1) with 32 random bits. */
export function uniform(): number {
  return next() / 4294967296;
}

/** Standard normal. */
export function normal(): number {
  if (spare !== null) { const v = spare; spare = null; return v; }
  let u = 0;
  while (u === 0) u = uniform();
  const v = uniform();
  const r = Math.sqrt(-2 * Math.log(u));
  spare = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** The generator's state, for checkpoints that resume bit for bit. */
export function getRngState(): number[] {
  return [s0, s1, s2, s3, spare === null ? NaN : spare];
}
export function setRngState(st: readonly number[]): void {
  if (st.length !== 5) throw new RangeError('setRngState: expected 5 numbers');
  [s0, s1, s2, s3] = st.map((x) => x | 0);
  spare = Number.isNaN(st[4]) ? null : st[4];
}

manualSeed(Date.now());
