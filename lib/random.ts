/**
 * The one random number generator: every random function and every default initialisation
 * draws from it, so `manualSeed(n)` makes a whole run reproducible. xoshiro128** for uniforms,
 * Box-Muller (both values used) for normals.
 */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * One xoshiro128** stream. The global generator is one of these; samplers and shuffle buffers
 * make their own from a seed, so their order depends on nothing else that draws numbers.
 */
export class RandomStream {
  s0 = 0; s1 = 0; s2 = 0; s3 = 0;
  spare: number | null = null;

  constructor(seed: number) {
    this.seed(seed);
  }

  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new RangeError(`manualSeed: seed must be a finite number, got ${seed}`);
    const hi = Math.floor(seed / 2 ** 32) | 0;
    const sm = splitmix32((seed | 0) ^ Math.imul(hi, 0x27d4eb2d));
    this.s0 = sm(); this.s1 = sm(); this.s2 = sm(); this.s3 = sm();
    this.spare = null;
  }

  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3; this.s2 ^= t; this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.next() / 4294967296;
  }
}

const g = new RandomStream(0);

/**
 * Seed the generator (any finite number; equal seeds give equal streams).
 * @example
 * ```js
 * import { manualSeed, randn } from 'neurite';
 * manualSeed(42);
 * const a = randn(3);
 * manualSeed(42);
 * console.log(randn(3).toArray().join() === a.toArray().join()); // true  (torch.manual_seed(42))
 * ```
 */
export function manualSeed(seed: number): void {
  g.seed(seed);
}

function next(): number {
  return g.next();
}

/**
 * A random permutation of 0..n-1 (Fisher-Yates) from its own stream seeded by (seed, epoch):
 * the same arguments give the same order whatever else draws random numbers.
 */
export function permutation(n: number, seed: number, epoch = 0): Int32Array {
  const r = new RandomStream(seed + epoch * 2654435761);
  return fillPermutation(new Int32Array(n), () => r.uniform());
}

/** Fill `out` with a random permutation of 0..out.length-1 (Fisher-Yates), drawing from `draw` (default: the global generator). */
export function fillPermutation<A extends Int32Array | Float32Array>(out: A, draw: () => number = uniform): A {
  const n = out.length;
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    const t = out[i]; out[i] = out[j]; out[j] = t;
  }
  return out;
}

/** Uniform in [0, 1) with 32 random bits. */
export function uniform(): number {
  return next() / 4294967296;
}

/** Standard normal. */
export function normal(): number {
  if (g.spare !== null) { const v = g.spare; g.spare = null; return v; }
  let u = 0;
  while (u === 0) u = uniform();
  const v = uniform();
  const r = Math.sqrt(-2 * Math.log(u));
  g.spare = r * Math.sin(2 * Math.PI * v);
  return r * Math.cos(2 * Math.PI * v);
}

/** The generator's state, for checkpoints that resume bit for bit. */
export function getRngState(): number[] {
  return [g.s0, g.s1, g.s2, g.s3, g.spare === null ? NaN : g.spare];
}
export function setRngState(st: readonly number[]): void {
  if (st.length !== 5) throw new RangeError('setRngState: expected 5 numbers');
  [g.s0, g.s1, g.s2, g.s3] = st.map((x) => x | 0);
  g.spare = Number.isNaN(st[4]) ? null : st[4];
}

manualSeed(Date.now());
