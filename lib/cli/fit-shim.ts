/**
 * TEMPORARY: the smallest loop with the interface of `fit` (lib/train, being written in
 * parallel); the CLI switches to the real `fit` when it lands, and this file goes.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Tensor } from '../tensor.js';
import { crossEntropy } from '../ops/loss.js';
import { uniform } from '../random.js';
import { backward } from '../autograd.js';
import type { ProgressInfo } from './progress.js';

export interface ShimOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer<{ lr: number }>;
  onProgress?: (p: ProgressInfo) => void;
}

export async function fit(model: Module, data: { x: Tensor; y: Int32Array }, o: ShimOptions): Promise<{ steps: number }> {
  const n = data.x.shape[0], d = data.x.shape[1];
  const steps = Math.ceil(n / o.batchSize);
  let global = 0;
  model.train();
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(uniform() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    let lossSum = 0, correct = 0, seen = 0;
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const idx = order.subarray(s * o.batchSize, Math.min(n, (s + 1) * o.batchSize));
      const xb = new Float32Array(idx.length * d);
      const yb = new Int32Array(idx.length);
      idx.forEach((r, k) => { xb.set(data.x.data.subarray(r * d, (r + 1) * d), k * d); yb[k] = data.y[r]; });
      o.optimizer.zeroGrad();
      const out = model.forward(new Tensor(xb, [idx.length, d]));
      const loss = crossEntropy(out, yb);
      backward(loss);
      o.optimizer.step();
      global++;
      const C = out.shape[1];
      for (let k = 0; k < idx.length; k++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (out.data[k * C + c] > out.data[k * C + best]) best = c;
        if (best === yb[k]) correct++;
      }
      lossSum += loss.item() * idx.length;
      seen += idx.length;
      o.onProgress?.({ epoch, epochs: o.epochs, step: s + 1, stepsPerEpoch: steps, loss: lossSum / seen, accuracy: correct / seen,
        samplesPerSec: seen / Math.max(1e-9, (performance.now() - t0) / 1000), epochEnd: s === steps - 1 });
    }
    await new Promise((r) => setImmediate(r));
  }
  return { steps: global };
}
