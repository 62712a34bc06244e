/**
 * watch(model, {every, optimizer}): statistics during training, every N steps. Between samples
 * the model runs untouched but for one wrapper on its forward (and on optimizer.step); on a
 * sampled step the full instrumentation of diagnose() is installed for that one forward, a
 * gradient hook reads that step's gradients (and the loss, the root of the backward), and the
 * optimizer wrapper measures the update-to-weight ratio. stop() removes all of it.
 */
import { addGradHook } from '../autograd.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import { capture, wrapMethod, type ActivationRow, type CaptureResult } from './capture.js';
import { paramGroups, paramRows, type ParamRow } from './gradients.js';
import { htmlOptions, renderHtml, type HtmlOptions } from './html.js';
import { options } from '../options.js';
import type { WatchRecord } from './types.js';
import { diffSquares } from './stats.js';
import { thresholdsFrom, activationWarnings, gradientWarnings, type Thresholds, type Warning } from './warnings.js';

/** What watch needs of an optimizer: its parameters and its step. */
export interface Steppable { step(): void; readonly params?: readonly Tensor[] }

/** watch's options: every (sampling period in steps), optimizer (steps counted at optimizer.step()), and the keys below. */
export interface WatchOptions {
  /** Sample every N steps. Steps are optimizer.step() calls, else training-mode forwards. @defaultValue 100 */
  every?: number;
  /** With it: steps are counted by optimizer.step(), and update-to-weight ratios are measured. @defaultValue none (count forwards) */
  optimizer?: Steppable;
  /** Histogram bins kept per activation and record (0: none; the watch charts do not use them). @defaultValue 0 */
  bins?: number;
  /** Overrides of the warning thresholds. @defaultValue DEFAULT_THRESHOLDS */
  thresholds?: Partial<Thresholds>;
}

export type { WatchRecord } from './types.js';

interface Pending { step: number; cap: CaptureResult; loss: number | null; grads: Map<Tensor, Float32Array>; sawBackward: boolean }

/**
 * A running watch (from diagnostics.watch): `history`, `stop()`, `toHTML()`.
 * @example
 * ```js
 * import { diagnostics, nn } from 'neurite';
 * const w = diagnostics.watch(new nn.Linear(2, 1), { every: 1 });
 * console.log(w instanceof diagnostics.Watch, w.toJSON().steps); // true 0: what watch() returns; toHTML() renders its history
 * w.stop();
 * ```
 */
export class Watch {
  private readonly records: WatchRecord[] = [];
  private readonly undo: (() => void)[] = [];
  private pending: Pending | null = null;
  private unhookGrad: (() => void) | null = null;
  private stepCount = 0;
  private lastSampled = -1;
  private inSample = false;
  private stopped = false;
  readonly every: number;
  private readonly thresholds: Thresholds;

  constructor(private readonly model: Module, private readonly opts: WatchOptions = {}) {
    options('watch', opts, ['every', 'optimizer', 'bins', 'thresholds']);
    if (opts.bins !== undefined && !(Number.isInteger(opts.bins) && opts.bins >= 0 && opts.bins <= 10000)) throw new RangeError(`watch: bins must be an integer in [0, 10000], got ${String(opts.bins)}`);
    if (opts.optimizer !== undefined && (opts.optimizer === null || typeof opts.optimizer.step !== 'function')) throw new TypeError('watch: optimizer must have a step() method (an optim optimizer)');
    const every = opts.every ?? 100;
    if (!Number.isInteger(every) || every < 1) throw new RangeError(`watch: every must be a positive integer, got ${every}`);
    this.every = every;
    this.thresholds = thresholdsFrom('watch', opts.thresholds);
    const self = this;
    this.undo.push(wrapMethod(model, 'forward', (orig) => function (this: Module, ...args: unknown[]) {
      return self.onForward(this, orig, args);
    }));
    const opt = opts.optimizer;
    if (opt) {
      if (typeof opt.step !== 'function') throw new TypeError('watch: optimizer must have a step() method');
      this.undo.push(wrapMethod(opt, 'step', (orig) => function (this: unknown, ...args: unknown[]) {
        return self.onStep(this, orig, args);
      }));
    }
  }

  /** Steps seen so far. */
  get steps(): number { return this.stepCount; }

  /** One record per sampled step, oldest first. */
  get history(): readonly WatchRecord[] {
    if (this.pending && this.pending.sawBackward && !this.opts.optimizer) this.finalize(null);
    return this.records;
  }

  /** The newest record, if any. */
  get latest(): WatchRecord | undefined {
    const h = this.history;
    return h[h.length - 1];
  }

  /** Remove every wrapper and hook; history stays readable. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.pending && this.pending.sawBackward) this.finalize(null);
    this.pending = null;
    this.dropGradHook();
    for (const u of this.undo.reverse()) u();
    this.undo.length = 0;
  }

  toHTML(opts?: HtmlOptions): string {
    return renderHtml({ history: this.history, title: 'neurite watch', ...htmlOptions('Watch.toHTML', opts) });
  }

  toJSON(): { every: number; steps: number; history: readonly WatchRecord[] } {
    return { every: this.every, steps: this.stepCount, history: this.history };
  }

  private onForward(target: Module, orig: (...a: unknown[]) => unknown, args: unknown[]): unknown {
    if (this.inSample) return orig.apply(target, args);
    const counting = !this.opts.optimizer && this.model.training;
    if (this.pending && !this.opts.optimizer) this.finalize(null);
    const s = this.stepCount;
    let out: unknown;
    if (this.model.training && s % this.every === 0 && this.lastSampled !== s) {
      this.lastSampled = s;
      const cap = capture(this.model, { bins: this.opts.bins ?? 0 });
      this.inSample = true;
      let res: CaptureResult;
      try {
        out = (this.model as unknown as { forward: (...a: unknown[]) => unknown }).forward(...args);
      } finally {
        this.inSample = false;
        res = cap.finish();
      }
      this.pending = { step: s, cap: res, loss: null, grads: new Map(), sawBackward: false };
      this.hookGrads();
    } else {
      out = orig.apply(target, args);
    }
    if (counting) this.stepCount++;
    return out;
  }

  private onStep(target: unknown, orig: (...a: unknown[]) => unknown, args: unknown[]): unknown {
    const p = this.pending;
    let out: unknown;
    if (p && p.step === this.stepCount) {
      const rows = paramRows(this.model, p.cap.layerOrder);
      const groups = paramGroups(this.model, p.cap.layerOrder);
      const before = groups.map(([, ps]) => ps.map(([, t]) => t.data.slice()));
      out = orig.apply(target, args);
      for (let i = 0; i < groups.length; i++) {
        const [path, ps] = groups[i];
        let dss = 0, wss = 0;
        for (let k = 0; k < ps.length; k++) {
          const d = diffSquares(before[i][k], ps[k][1].data);
          dss += d.dss; wss += d.wss;
        }
        const row = rows.find((r) => r.name === path);
        if (row) row.updateToWeight = wss > 0 ? Math.sqrt(dss / wss) : null;
      }
      this.finalize(rows);
    } else {
      out = orig.apply(target, args);
    }
    this.stepCount++;
    return out;
  }

  private hookGrads(): void {
    this.dropGradHook();
    const params = new Set<Tensor>(this.model.parameters());
    let first = true;
    this.unhookGrad = addGradHook((t, g) => {
      const p = this.pending;
      if (!p) return;
      if (first) { first = false; p.sawBackward = true; if (t.size === 1 && !params.has(t)) p.loss = t.data[0]; }
      if (!this.opts.optimizer && params.has(t)) p.grads.set(t, g.slice());
    });
  }

  private dropGradHook(): void {
    if (this.unhookGrad) { this.unhookGrad(); this.unhookGrad = null; }
  }

  private finalize(rows: ParamRow[] | null): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    this.dropGradHook();
    const params = rows ?? paramRows(this.model, p.cap.layerOrder, p.grads);
    this.records.push({ step: p.step, loss: p.loss, activations: p.cap.activations, params,
      warnings: [...activationWarnings(p.cap.activations, this.thresholds), ...gradientWarnings(params, this.thresholds)] });
  }
}

/**
 * Sample diagnostics every `every` steps of a training run; `stop()` removes every wrapper, `history` and `toHTML()` show the run.
 * @example
 * ```js
 * import { diagnostics, F, nn, optim, randn } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
 * const w = diagnostics.watch(model, { every: 5, optimizer: opt }); // samples every 5th optimizer step
 * for (let i = 0; i < 20; i++) {
 *   opt.zeroGrad();
 *   F.mseLoss(model.forward(randn(16, 4)), randn(16, 1)).backward();
 *   opt.step();
 * }
 * w.stop();
 * console.log(w.steps, w.history.length); // 20 4
 * ```
 */
export function watch(model: Module, opts: WatchOptions = {}): Watch {
  return new Watch(model, opts);
}
