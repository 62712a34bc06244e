// The benchmark cases: one id per measured thing, its workload, and how a time becomes the
// figure WORKLOADS.md asks for.
import { W5_N, W6_SHAPES } from './data.mjs';

export const ACTS = ['relu', 'leaky_relu', 'gelu', 'gelu_tanh', 'sigmoid', 'tanh', 'elu'];

/**
 * unit: the figure's unit; figure(sec): seconds per call -> figure; higher: whether more is
 * better; heavy: skipped by --quick on the js backend (seconds per call there).
 */
export const CASES = [
  { id: 'W1', title: 'W1 seed MLP forward, batch 32', unit: 'µs/forward', figure: (s) => s * 1e6, higher: false },
  { id: 'W2', title: 'W2 Transformer FFN forward (8,64,512)', unit: 'ms/forward', figure: (s) => s * 1e3, higher: false,
    gflop: 2.147483648, heavy: true },
  { id: 'W3_sgd', title: 'W3 train step 784-512-512-10 b128, SGD', unit: 'steps/s', figure: (s) => 1 / s, higher: true },
  { id: 'W3_adam', title: 'W3 train step 784-512-512-10 b128, Adam', unit: 'steps/s', figure: (s) => 1 / s, higher: true },
  { id: 'W4', title: 'W4 train step seed MLP b32, MSE, SGD', unit: 'steps/s', figure: (s) => 1 / s, higher: true },
  ...ACTS.flatMap((a) => ['fwd', 'fwdbwd'].map((m) => ({
    id: `W5_${a}_${m}`, title: `W5 ${a} ${m === 'fwd' ? 'forward' : 'forward+backward'}`, unit: 'ns/elem',
    figure: (s) => (s * 1e9) / W5_N, higher: false, act: a, mode: m,
  }))),
  ...W6_SHAPES.map((q) => ({
    id: q.id, title: `W6 SGEMM ${q.M}x${q.K}·${q.K}x${q.N}`, unit: 'GFLOP/s', figure: (s) => (2 * q.M * q.N * q.K) / s / 1e9,
    higher: true, shape: q, heavy: q.M * q.N * q.K >= 512 * 512 * 2048, gflop: (2 * q.M * q.N * q.K) / 1e9,
  })),
];

// bf16 rows (issue 13): the same workload at matmul precision 'medium' on neurite, next to
// PyTorch's bf16 autocast (W2, W3) and its bf16 matmul on bf16 tensors (W6: no conversion on
// PyTorch's side, neurite's figure includes fp32 -> bf16 conversion and packing). Heavy on js.
const BF16_OF = ['W2', 'W3_sgd', 'W6_512', 'W6_1024', 'W6_128x784x512', 'W6_512x512x2048'];
for (const base of BF16_OF) {
  const c = CASES.find((x) => x.id === base);
  CASES.push({ ...c, id: `${base}_bf16`, title: `${c.title}, bf16 (medium / autocast)`, bf16: true, base, heavy: true });
}

export const caseById = (id) => {
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new RangeError(`unknown case '${id}'`);
  return c;
};

export const workloadOf = (id) => id.slice(0, 2);
