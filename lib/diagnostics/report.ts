/** The result of diagnose(): rows in forward order, warnings, a terminal table and plain data. */
import type { ActivationRow } from './capture.js';
import type { ParamRow } from './gradients.js';
import type { Warning } from './warnings.js';
import type { LayerRow, ReportData } from './types.js';
import { htmlOptions, renderHtml, type HtmlOptions } from './html.js';

export type { LayerRow, ReportData } from './types.js';

const num = (x: number | null | undefined, digits = 3): string => {
  if (x === null || x === undefined) return '';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e4 ? x.toExponential(2) : x.toFixed(digits);
};
const pct = (x: number): string => (x === 0 ? '0' : `${(100 * x).toFixed(1)}%`);

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(head), w.map((n) => '─'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The result of diagnose: rows per activation and layer, warnings; `toString()`, `toJSON()`, `toHTML()`.
 * @example
 * ```js
 * import { diagnostics, nn, randn } from 'neurite';
 * const report = diagnostics.diagnose(new nn.Linear(4, 2), randn(8, 4), { target: randn(8, 2) });
 * console.log(report instanceof diagnostics.Report, report.hasWarning('dead-relu')); // true false
 * const html = report.toHTML({ title: 'at init' }); // one self-contained page
 * console.log(html.length > 0); // true
 * ```
 */
export class Report implements ReportData {
  readonly layers: LayerRow[];
  readonly warnings: Warning[];
  readonly loss: number | null;
  readonly lossKind: string | null;
  readonly inputShape: number[];
  readonly outputShape: number[];
  readonly training: boolean;

  constructor(d: ReportData) {
    this.layers = d.layers;
    this.warnings = d.warnings;
    this.loss = d.loss;
    this.lossKind = d.lossKind;
    this.inputShape = d.inputShape;
    this.outputShape = d.outputShape;
    this.training = d.training;
  }

  /** The activation rows only. */
  get activations(): ActivationRow[] {
    return this.layers.filter((r): r is ActivationRow => r.type === 'activation');
  }

  /** The parameterised-layer rows only. */
  get gradients(): ParamRow[] {
    return this.layers.filter((r): r is ParamRow => r.type === 'params');
  }

  /** One row, by name. */
  layer(name: string): LayerRow | undefined {
    return this.layers.find((r) => r.name === name);
  }

  hasWarning(code: Warning['code']): boolean {
    return this.warnings.some((w) => w.code === code);
  }

  toString(): string {
    const head = ['layer', 'kind', 'units', 'dead', 'zero', 'sat', 'pre mean±std', 'post mean±std', '|grad|', 'grad/w', 'nan/inf'];
    const rows = this.layers.map((r): string[] => {
      if (r.type === 'activation') {
        const name = r.source === 'functional' ? `${r.name || r.kind}${r.input ? ` (F, on ${r.input})` : ' (F)'}` : r.name;
        return [name, r.kind + (r.fused ? '*' : ''), String(r.units), r.kind === 'relu' || r.deadUnits > 0 ? String(r.deadUnits) : '',
          pct(r.zeroFraction), r.kind === 'sigmoid' || r.kind === 'tanh' ? pct(r.saturatedFraction) : '',
          `${num(r.preMean, 2)}±${num(r.preStd, 2)}`, `${num(r.postMean, 2)}±${num(r.postStd, 2)}`, '', '', r.nonFinite ? String(r.nonFinite) : ''];
      }
      const bad = r.nonFiniteGrad + r.nonFiniteWeight;
      return [r.name || '(model)', r.kind, '', '', '', '', '', '', num(r.gradNorm), num(r.gradToWeight), bad ? String(bad) : ''];
    });
    const out = [`neurite diagnostics: input [${this.inputShape.join(', ')}] → output [${this.outputShape.join(', ')}], ` +
      `${this.training ? 'training' : 'eval'} mode` + (this.loss !== null ? `, ${this.lossKind} loss ${num(this.loss, 4)}` : '')];
    out.push(table(head, rows));
    if (this.layers.some((r) => r.type === 'activation' && r.fused)) out.push('* fused Linear→activation kernel');
    if (this.gradients.every((r) => r.gradNorm === null)) out.push('(no target given: gradient columns are empty; pass {target} to diagnose a backward pass)');
    out.push(this.warnings.length === 0 ? 'no warnings' : `${this.warnings.length} warning${this.warnings.length > 1 ? 's' : ''}:`);
    for (const w of this.warnings) out.push(`  [${w.code}] ${w.message}`);
    return out.join('\n');
  }

  /** Plain data (JSON-safe: non-finite numbers become strings). */
  toJSON(): ReportData {
    const clean = (v: unknown): unknown => {
      if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
      if (Array.isArray(v)) return v.map(clean);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)]));
      return v;
    };
    return clean({ layers: this.layers, warnings: this.warnings, loss: this.loss, lossKind: this.lossKind,
      inputShape: this.inputShape, outputShape: this.outputShape, training: this.training }) as ReportData;
  }

  /** A self-contained HTML page (inline SVG, no network). */
  toHTML(opts?: HtmlOptions): string {
    return renderHtml({ report: this, ...htmlOptions('Report.toHTML', opts) });
  }
}

/**
 * A few lines for the end of a training run (the CLI prints this).
 * @example
 * ```js
 * import { diagnostics, nn, randn } from 'neurite';
 * const report = diagnostics.diagnose(new nn.Linear(4, 2), randn(8, 4), { target: randn(8, 2) });
 * console.log(diagnostics.summary(report).split('\n')[0]); // 'activations: 0 layers, 0/0 units dead' (no activation layers here)
 * ```
 */
export function summary(report: Report | ReportData): string {
  const acts = report.layers.filter((r): r is ActivationRow => r.type === 'activation');
  const grads = report.layers.filter((r): r is ParamRow => r.type === 'params' && r.gradNorm !== null);
  const lines: string[] = [];
  const dead = acts.reduce((n, r) => n + r.deadUnits, 0), units = acts.reduce((n, r) => n + r.units, 0);
  const worstDead = acts.reduce<ActivationRow | null>((a, r) => (!a || r.deadFraction > a.deadFraction ? r : a), null);
  lines.push(`activations: ${acts.length} layers, ${dead}/${units} units dead` +
    (worstDead && worstDead.deadUnits > 0 ? ` (worst: ${worstDead.name} ${pct(worstDead.deadFraction)})` : ''));
  const sat = acts.filter((r) => r.kind === 'sigmoid' || r.kind === 'tanh');
  if (sat.length) lines.push(`saturation: max ${pct(Math.max(...sat.map((r) => r.saturatedFraction)))} of sigmoid/tanh outputs`);
  if (grads.length) {
    const g = grads.map((r) => r.gradNorm as number);
    lines.push(`gradients: |grad| ${num(g[0])} (${grads[0].name}) … ${num(g[g.length - 1])} (${grads[grads.length - 1].name})`);
  }
  if (report.loss !== null) lines.push(`loss: ${num(report.loss, 4)}`);
  lines.push(report.warnings.length === 0 ? 'health: ok (no warnings)'
    : `health: ${report.warnings.length} warning(s): ${[...new Set(report.warnings.map((w) => w.code))].join(', ')}`);
  for (const w of report.warnings.slice(0, 3)) lines.push(`  - ${w.message.length > 160 ? `${w.message.slice(0, 157)}...` : w.message}`);
  return lines.join('\n');
}
