/**
 * The training loop as a sequence of steps, each one synchronous and complete (forward,
 * backward, optimizer update): the worker thread runs them back to back, the main-thread
 * mode runs a few per event-loop turn. Both run this same code, so a seed gives the same
 * weights wherever the steps ran. The run has its own generator state, swapped in for each
 * step, so other code drawing random numbers meanwhile changes nothing.
 */
import { Tensor } from '../tensor.js';
import { backward } from '../autograd.js';
import { getRngState, manualSeed, setRngState, uniform } from '../random.js';
import type { Module } from '../nn/module.js';
import { clipGradNorm_ } from '../nn/utils.js';
import type { AccuracyKind } from './losses.js';
import type { EpochStats, FitProgress } from './types.js';

/** The training set as plain arrays (transferable between threads). */
export interface TrainArrays {
  x: Float32Array;
  xShape: number[];
  /** Class indices (Int32Array) or targets (Float32Array, shape yShape). */
  y: Int32Array | Float32Array;
  yShape: number[] | null;
}

export interface LoopOptions {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  accuracy: AccuracyKind;
  /** Clip the gradients' total 2-norm to this before each optimizer step (nn.utils.clipGradNorm_). */
  clipGradNorm?: number;
}

export type LossCall = (out: Tensor, target: Int32Array | Tensor) => Tensor;

export class Trainer {
  readonly N: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  epoch = 0; // 0-based index of the epoch in progress
  stepInEpoch = 0;
  globalStep = 0;
  readonly history: EpochStats[] = [];
  private rng: number[];
  private order: Int32Array;
  private lossSum = 0;
  private lastLoss = NaN;
  private correct = 0;
  private seen = 0;
  private epochStart = 0;
  private readonly xRow: number;
  private readonly yRow: number;

  constructor(private readonly model: Module, private readonly params: Tensor[], private readonly optimizerStep: () => void,
    private readonly loss: LossCall, private readonly data: TrainArrays, private readonly o: LoopOptions,
    /** Called after each optimizer step, with the epoch's statistics when the step closed one (fit's scheduler). */
    private readonly afterStep?: (stats: EpochStats | null, batchLoss: number) => void) {
    this.N = data.xShape[0];
    this.xRow = data.xShape.slice(1).reduce((a, b) => a * b, 1);
    this.yRow = data.yShape ? data.yShape.slice(1).reduce((a, b) => a * b, 1) : 1;
    this.stepsPerEpoch = Math.ceil(this.N / o.batchSize);
    this.totalSteps = this.stepsPerEpoch * o.epochs;
    this.order = new Int32Array(this.N);
    const saved = getRngState();
    manualSeed(o.seed);
    this.rng = getRngState();
    setRngState(saved);
  }

  get done(): boolean {
    return this.globalStep >= this.totalSteps;
  }

  /** One optimizer step; returns the epoch's statistics when this step closed an epoch. */
  step(): EpochStats | null {
    if (this.done) return null;
    const saved = getRngState();
    setRngState(this.rng);
    try {
      if (this.stepInEpoch === 0) this.beginEpoch();
      this.runBatch();
    } finally {
      this.rng = getRngState();
      setRngState(saved);
    }
    this.stepInEpoch++;
    this.globalStep++;
    if (this.stepInEpoch < this.stepsPerEpoch) { this.afterStep?.(null, this.lastLoss); return null; }
    const durationMs = performance.now() - this.epochStart;
    const stats: EpochStats = {
      epoch: this.epoch + 1, loss: this.lossSum / this.seen, accuracy: this.o.accuracy ? this.correct / this.seen : null,
      samples: this.seen, durationMs, samplesPerSec: this.seen / (durationMs / 1000),
    };
    this.history.push(stats);
    this.epoch++;
    this.stepInEpoch = 0;
    this.afterStep?.(stats, this.lastLoss);
    return stats;
  }

  progress(epochEnd: boolean): FitProgress {
    const last = this.history[this.history.length - 1];
    const inEpoch = !epochEnd && this.seen > 0 && this.stepInEpoch > 0;
    const ms = performance.now() - this.epochStart;
    return {
      epoch: epochEnd ? last.epoch : this.epoch + 1, epochs: this.o.epochs,
      step: epochEnd ? this.stepsPerEpoch : this.stepInEpoch, stepsPerEpoch: this.stepsPerEpoch,
      globalStep: this.globalStep, totalSteps: this.totalSteps,
      loss: epochEnd ? last.loss : inEpoch ? this.lossSum / this.seen : NaN,
      accuracy: epochEnd ? last.accuracy : inEpoch && this.o.accuracy ? this.correct / this.seen : null,
      samplesPerSec: epochEnd ? last.samplesPerSec : inEpoch ? this.seen / (ms / 1000) : 0,
      epochEnd,
    };
  }

  private beginEpoch(): void {
    const ord = this.order;
    for (let i = 0; i < this.N; i++) ord[i] = i;
    if (this.o.shuffle) {
      for (let i = this.N - 1; i > 0; i--) {
        const j = Math.floor(uniform() * (i + 1));
        const t = ord[i]; ord[i] = ord[j]; ord[j] = t;
      }
    }
    this.lossSum = 0;
    this.correct = 0;
    this.seen = 0;
    this.epochStart = performance.now();
  }

  private runBatch(): void {
    const { x, xShape, y, yShape } = this.data;
    const start = this.stepInEpoch * this.o.batchSize;
    const b = Math.min(this.o.batchSize, this.N - start);
    const xb = new Float32Array(b * this.xRow);
    const yb = yShape ? new Float32Array(b * this.yRow) : new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const r = this.order[start + i];
      xb.set(x.subarray(r * this.xRow, (r + 1) * this.xRow), i * this.xRow);
      if (yShape) yb.set(y.subarray(r * this.yRow, (r + 1) * this.yRow), i * this.yRow);
      else yb[i] = y[r];
    }
    const target = yShape ? new Tensor(yb as Float32Array, [b, ...yShape.slice(1)]) : (yb as Int32Array);
    const out = this.model.forward(new Tensor(xb, [b, ...xShape.slice(1)]));
    const l = this.loss(out, target);
    if (!(l instanceof Tensor) || l.size !== 1) {
      throw new TypeError(`fit: the loss must return a one-element Tensor, got ${l instanceof Tensor ? `shape [${l.shape.join(',')}]` : typeof l}`);
    }
    for (const p of this.params) p.grad = null;
    backward(l);
    if (this.o.clipGradNorm !== undefined) clipGradNorm_(this.params, this.o.clipGradNorm);
    this.optimizerStep();
    this.lastLoss = l.data[0];
    this.lossSum += l.data[0] * b;
    this.seen += b;
    if (this.o.accuracy) this.correct += countCorrect(this.o.accuracy, out, target);
  }
}

function countCorrect(kind: AccuracyKind, out: Tensor, target: Int32Array | Tensor): number {
  const o = out.data;
  let n = 0;
  if (kind === 'argmax' && target instanceof Int32Array) {
    const C = o.length / target.length;
    for (let i = 0; i < target.length; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (o[i * C + c] > o[i * C + best]) best = c;
      if (best === target[i]) n++;
    }
    return n;
  }
  if (kind === 'binary' && target instanceof Tensor) {
    const t = target.data;
    for (let i = 0; i < t.length; i++) if ((o[i] > 0) === (t[i] >= 0.5)) n++;
    return n * (target.shape[0] / t.length); // per-sample share when a sample has several outputs
  }
  return 0;
}
