/**
 * A plain training loop whose every bit is reproducible, for the checkpoint tests (in this
 * process, and in fresh child processes: test/fixtures/resume-child.ts): fixed data, a model
 * with dropout, reshuffling from the global generator at each epoch start.
 */
import { F, Tensor, nn, optim } from '../../lib/index.js';
import { uniform } from '../../lib/random.js';

export const N = 40, B = 8, D = 6, C = 3;

export function makeModel(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(D, 16), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(16, C));
}

/** Fixed data, independent of the generator. */
export const X = new Tensor(Float32Array.from({ length: N * D }, (_, k) => Math.fround(((7 * k + 3) % 23 - 11) / 7)), [N, D]);
export const Y = Int32Array.from({ length: N }, (_, i) => (i * 5) % C);

export interface Cursor { epoch: number; position: number; order: Int32Array | null }

/** A plain loop: reshuffle from the global generator at each epoch start, dropout draws from it too. */
export function steps(model: nn.Module, opt: optim.Optimizer<{ lr: number }>, cur: Cursor, n: number): void {
  model.train();
  for (let s = 0; s < n; s++) {
    if (cur.order === null) {
      cur.order = Int32Array.from({ length: N }, (_, i) => i);
      for (let i = N - 1; i > 0; i--) { const j = Math.floor(uniform() * (i + 1)); [cur.order[i], cur.order[j]] = [cur.order[j], cur.order[i]]; }
    }
    const idx = cur.order.subarray(cur.position, cur.position + B);
    const xb = new Float32Array(idx.length * D);
    idx.forEach((r, k) => xb.set(X.data.subarray(r * D, (r + 1) * D), k * D));
    opt.zeroGrad();
    F.crossEntropy(model.forward(new Tensor(xb, [idx.length, D])), Array.from(idx, (r) => Y[r])).backward();
    opt.step();
    cur.position += B;
    if (cur.position >= N) { cur.epoch++; cur.position = 0; cur.order = null; }
  }
}

export function snapshot(model: nn.Module, opt?: optim.Optimizer<{ lr: number }>): string {
  const w = Object.entries(model.stateDict()).map(([k, t]) => `${k}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64')}`);
  return JSON.stringify([w, opt?.stateDict() ?? null]);
}
