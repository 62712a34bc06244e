/**
 * The training progress display on stderr: one bar redrawn in place on a terminal, one plain
 * line per epoch otherwise (logs and pipes get no control characters).
 */
export interface ProgressInfo {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number | null;
  loss: number;
  accuracy: number | null;
  samplesPerSec: number;
  epochEnd: boolean;
  /** Validation loss and accuracy at this epoch's end, when the run holds rows out for it. */
  val?: { loss: number; accuracy: number } | null;
}

export interface ProgressStream { isTTY?: boolean; columns?: number; write(s: string): unknown }

export class ProgressBar {
  private drawn = false;
  constructor(private readonly out: ProgressStream, private readonly enabled = true) {}

  update(p: ProgressInfo): void {
    if (!this.enabled) return;
    const val = p.val ? `  val_loss ${p.val.loss.toFixed(4)}  val_acc ${(100 * p.val.accuracy).toFixed(1)}%` : '';
    const stats = `loss ${p.loss.toFixed(4)}${p.accuracy === null ? '' : `  acc ${(100 * p.accuracy).toFixed(1)}%`}${val}  ${fmtRate(p.samplesPerSec)} samples/s`;
    const ep = `epoch ${String(p.epoch).padStart(String(p.epochs).length)}/${p.epochs}`;
    if (this.out.isTTY) {
      const frac = p.stepsPerEpoch !== null && p.stepsPerEpoch > 0 ? Math.min(1, p.step / p.stepsPerEpoch) : 1;
      const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - ep.length - stats.length - 6));
      const fill = Math.round(frac * width);
      this.out.write(`\r\x1b[2K${ep} [${'='.repeat(fill)}${' '.repeat(width - fill)}] ${stats}`);
      this.drawn = true;
      if (p.epochEnd && p.epoch === p.epochs) this.done();
    } else if (p.epochEnd) {
      this.out.write(`${ep}  ${stats}\n`);
    }
  }

  /** End the redrawn line so what follows starts on its own. */
  done(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

function fmtRate(r: number): string {
  if (!Number.isFinite(r)) return '-';
  return r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1);
}
