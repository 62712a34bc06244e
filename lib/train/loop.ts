/**
 * The training loop as steps, each one synchronous and complete (forward, backward, optimizer
 * update) on one batch, plus evaluation batches at epoch ends. The worker thread and the
 * calling thread run this same code on the same batches in the same order, so a seed gives
 * the same weights and history wherever the steps ran. The run has its own generator state
 * (dropout), swapped in for each step, so other code drawing random numbers changes nothing.
 */
import { Tensor } from '../tensor.js';
import { backward, noGrad } from '../autograd.js';
import { getRngState, manualSeed, setRngState } from '../random.js';
import type { Module } from '../nn/module.js';
import { setTrainingFlags, trainingFlags } from '../worker/spec.js';
import { clipGradNorm_ } from '../nn/utils.js';
import { type AccuracyKind, type LossName, accuracyKind } from './losses.js';
import type { EpochStats } from './types.js';
import { mark } from './trace.js';

/** A batch as plain arrays (transferable between threads): x [rows, ...], y class indices (yShape null) or targets. */
export interface WireBatch {
  x: Float32Array;
  xShape: number[];
  y: Int32Array | Float32Array;
  yShape: number[] | null;
}

export interface LoopOptions {
  seed: number;
  /** The built-in loss's name, null for a function of your own. */
  loss: LossName | null;
  /** Clip the gradients' total 2-norm to this before each optimizer step (nn.utils.clipGradNorm_). */
  clipGradNorm?: number;
  /** Continue a run (fit's resumeFrom): epochs and steps done, the run's generator state. */
  resume?: { epoch: number; globalStep: number; rng: number[] };
}

/** Called after every optimizer step (its loss) and at every epoch end (fit's scheduler). */
export interface StepHooks {
  batch(loss: number): void;
  epoch(stats: EpochStats): void;
}

export type LossCall = (out: Tensor, target: Int32Array | Tensor) => Tensor;

/** Running sums of one epoch (training) or one evaluation. */
class Sums {
  loss = 0;
  correct = 0;
  seen = 0;
  steps = 0;
}

export class Trainer {
  epoch = 0; // 0-based index of the epoch in progress
  globalStep = 0;
  /** Accuracy kind, fixed by the first batch's targets (class indices or not). */
  accuracy: AccuracyKind | undefined;
  private rng: number[];
  private train = new Sums();
  private val = new Sums();
  private epochStart = 0;

  constructor(private readonly model: Module, private readonly params: Tensor[], private readonly optimizerStep: () => void,
    private readonly loss: LossCall, private readonly o: LoopOptions, private readonly hooks?: StepHooks) {
    const saved = getRngState();
    manualSeed(o.seed);
    this.rng = getRngState();
    setRngState(saved);
    if (o.resume) {
      this.epoch = o.resume.epoch;
      this.globalStep = o.resume.globalStep;
      this.rng = o.resume.rng.slice();
    }
  }

  /** The run's generator state (dropout), for checkpoints. */
  rngState(): number[] {
    return this.rng.slice();
  }

  get stepInEpoch(): number {
    return this.train.steps;
  }

  beginEpoch(): void {
    this.train = new Sums();
    this.val = new Sums();
    this.epochStart = performance.now();
  }

  private inputs(b: WireBatch): [Tensor, Int32Array | Tensor] {
    const x = new Tensor(b.x, b.xShape);
    const target = b.yShape === null ? (b.y as Int32Array) : new Tensor(b.y as Float32Array, b.yShape);
    if (this.accuracy === undefined) this.accuracy = accuracyKind(this.o.loss, b.yShape === null);
    return [x, target];
  }

  private lossOf(out: Tensor, target: Int32Array | Tensor): Tensor {
    const l = this.loss(out, target);
    if (!(l instanceof Tensor) || l.size !== 1) {
      throw new TypeError(`fit: the loss must return a one-element Tensor, got ${l instanceof Tensor ? `shape [${l.shape.join(',')}]` : typeof l}`);
    }
    return l;
  }

  private count(s: Sums, l: Tensor, out: Tensor, target: Int32Array | Tensor, b: number): void {
    s.loss += l.data[0] * b;
    s.seen += b;
    s.steps++;
    if (this.accuracy) s.correct += countCorrect(this.accuracy, out, target);
  }

  /** One optimizer step on a batch (the model must be in training mode). */
  trainBatch(batch: WireBatch): void {
    const s = this.gradients(batch);
    mark('grad');
    this.finishStep(s);
    mark('finish');
  }

  /**
   * One optimizer step whose gradients are synchronised between backward and the update
   * (distributed training: `sync` awaits DistributedDataParallel's all-reduce).
   */
  async trainBatchSynced(batch: WireBatch, sync: () => Promise<void>, within: <T>(f: () => T) => T = (f) => f()): Promise<void> {
    const s = within(() => this.gradients(batch));
    mark('grad');
    await sync();
    mark('sync');
    within(() => this.finishStep(s));
    mark('finish');
  }

  /** Forward and backward of a step, under the run's generator. */
  private gradients(batch: WireBatch): { l: Tensor; out: Tensor; target: Int32Array | Tensor; rows: number } {
    const [x, target] = this.inputs(batch);
    const saved = getRngState();
    setRngState(this.rng);
    try {
      const out = this.model.forward(x);
      const l = this.lossOf(out, target);
      for (const p of this.params) p.grad = null;
      backward(l);
      return { l, out, target, rows: x.shape[0] };
    } finally {
      this.rng = getRngState();
      setRngState(saved);
    }
  }

  /** Clipping, the optimizer's update and the step's statistics. */
  private finishStep(s: { l: Tensor; out: Tensor; target: Int32Array | Tensor; rows: number }): void {
    if (this.o.clipGradNorm !== undefined) clipGradNorm_(this.params, this.o.clipGradNorm);
    this.optimizerStep();
    this.count(this.train, s.l, s.out, s.target, s.rows);
    this.hooks?.batch(s.l.data[0]);
    this.globalStep++;
  }

  /** Loss and accuracy of a validation batch, in eval mode, under noGrad. */
  evalBatch(batch: WireBatch): void {
    const [x, target] = this.inputs(batch);
    const flags = trainingFlags(this.model);
    this.model.eval();
    try {
      noGrad(() => {
        const out = this.model.forward(x);
        this.count(this.val, this.lossOf(out, target), out, target, x.shape[0]);
      });
    } finally {
      setTrainingFlags(this.model, flags);
    }
  }

  /**
   * This epoch's running sums as numbers: train loss×rows, correct, rows, steps, then the same
   * for validation, then the epoch's milliseconds so far (what ranks combine at an epoch end).
   */
  epochSums(): number[] {
    const t = this.train, v = this.val;
    return [t.loss, t.correct, t.seen, t.steps, v.loss, v.correct, v.seen, v.steps, performance.now() - this.epochStart];
  }

  /**
   * The epoch's statistics (validation fields when validation batches ran); `combined`: the
   * sums of epochSums() over every rank (the milliseconds: the slowest rank's), used instead of
   * this rank's own.
   */
  endEpoch(combined?: number[]): EpochStats {
    let t = this.train, v = this.val;
    let durationMs = performance.now() - this.epochStart;
    if (combined) {
      const [tl, tc, ts, tn, vl, vc, vs, vn, ms] = combined;
      t = Object.assign(new Sums(), { loss: tl, correct: tc, seen: ts, steps: tn });
      v = Object.assign(new Sums(), { loss: vl, correct: vc, seen: vs, steps: vn });
      durationMs = ms;
    }
    if (t.seen === 0) throw new RangeError(`fit: epoch ${this.epoch + 1} had no batches`);
    const stats: EpochStats = {
      epoch: this.epoch + 1, loss: t.loss / t.seen, accuracy: this.accuracy ? t.correct / t.seen : null,
      valLoss: v.seen ? v.loss / v.seen : null, valAccuracy: v.seen && this.accuracy ? v.correct / v.seen : null,
      samples: t.seen, durationMs, samplesPerSec: t.seen / (durationMs / 1000),
    };
    this.epoch++;
    this.hooks?.epoch(stats);
    return stats;
  }

  /** This epoch so far: steps, loss, accuracy, speed. */
  running(): { step: number; loss: number; accuracy: number | null; samplesPerSec: number } {
    const t = this.train;
    const ms = performance.now() - this.epochStart;
    return {
      step: t.steps, loss: t.seen ? t.loss / t.seen : NaN, accuracy: t.seen && this.accuracy ? t.correct / t.seen : null,
      samplesPerSec: t.seen ? t.seen / (ms / 1000) : 0,
    };
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
