// The workloads' inputs and weights (WORKLOADS.md), made by one seeded generator so that every
// side of a comparison (neurite, PyTorch, TensorFlow.js, onnxruntime) computes on the same
// numbers, and its result can be checked against neurite's.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32 + Box-Muller: tiny, deterministic, and the same in every process. */
/** The seeded streams both sides of a benchmark draw from (mulberry32): u() uniform, n() normal (Box-Muller). */
export function rng(seed) {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const n = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { u, n };
}

const normal = (r, len) => { const a = new Float32Array(len); for (let i = 0; i < len; i++) a[i] = r.n(); return a; };
/** PyTorch's default Linear init range, U(±1/√fan_in), for weight and bias alike. */
const uinit = (r, len, fanIn) => {
  const a = new Float32Array(len), b = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < len; i++) a[i] = (2 * r.u() - 1) * b;
  return a;
};

/** Layer sizes of the MLP workloads. */
export const MLPS = {
  seed: [10, 64, 64, 1],
  w3: [784, 512, 512, 10],
};

function mlpWeights(r, sizes) {
  const out = {};
  for (let l = 0; l + 1 < sizes.length; l++) {
    out[`w${l + 1}`] = uinit(r, sizes[l + 1] * sizes[l], sizes[l]);
    out[`b${l + 1}`] = uinit(r, sizes[l + 1], sizes[l]);
  }
  return out;
}

export const W5_N = 4194304;
export const W6_SHAPES = [
  ...[64, 128, 256, 512, 1024, 2048].map((n) => ({ id: `W6_${n}`, M: n, N: n, K: n })),
  { id: 'W6_128x784x512', M: 128, K: 784, N: 512 },
  { id: 'W6_512x512x2048', M: 512, K: 512, N: 2048 },
  { id: 'W6_32x10x64', M: 32, K: 10, N: 64 },
];

/** The named Float32Arrays of one workload (the case id's prefix picks it). */
export function makeData(caseId) {
  const key = dataKey(caseId);
  if (caseId.endsWith('_bf16')) caseId = caseId.slice(0, -5);  // the base case's data
  let h = 1234;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  const r = rng(h);
  if (caseId === 'W1') return { x: normal(r, 32 * 10), ...mlpWeights(r, MLPS.seed) };
  if (caseId === 'W4') return { x: normal(r, 32 * 10), y: normal(r, 32), ...mlpWeights(r, MLPS.seed) };
  if (caseId === 'W2') {
    return { x: normal(r, 8 * 64 * 512), w1: uinit(r, 2048 * 512, 512), b1: uinit(r, 2048, 512),
      w2: uinit(r, 512 * 2048, 2048), b2: uinit(r, 512, 2048) };
  }
  if (caseId.startsWith('W3')) {
    const y = new Float32Array(128);
    for (let i = 0; i < 128; i++) y[i] = Math.floor(r.u() * 10);
    return { x: normal(r, 128 * 784), y, ...mlpWeights(r, MLPS.w3) };
  }
  if (caseId.startsWith('W5')) return { x: normal(r, W5_N).map((v) => 3 * v) };
  const s = W6_SHAPES.find((q) => q.id === caseId);
  if (s) return { a: normal(r, s.M * s.K), b: normal(r, s.K * s.N) };
  throw new RangeError(`makeData: unknown workload '${caseId}'`);
}

/** Cases that share inputs share a key (W3_sgd and W3_adam; all of W5). */
export function dataKey(caseId) {
  if (caseId.endsWith('_bf16')) caseId = caseId.slice(0, -5);  // bf16 rows: the base case's data
  return caseId.startsWith('W3') ? 'W3' : caseId.startsWith('W5') ? 'W5' : caseId;
}

/** Write a workload's arrays as raw little-endian float32 files `<dir>/<case>.<name>.f32`. */
export function writeData(dir, caseId) {
  mkdirSync(dir, { recursive: true });
  const d = makeData(caseId);
  for (const [k, v] of Object.entries(d)) writeFileSync(join(dir, `${dataKey(caseId)}.${k}.f32`), new Uint8Array(v.buffer));
  return Object.keys(d);
}

export function readF32(path) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function loadData(dir, caseId, names) {
  const out = {};
  for (const k of names) out[k] = readF32(join(dir, `${dataKey(caseId)}.${k}.f32`));
  return out;
}
