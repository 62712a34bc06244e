/**
 * The HTML report: one self-contained page (inline SVG and CSS, no scripts, no network) with
 * the table, per-layer activation histograms, dead/saturated fractions, gradient norms, watch
 * curves, and the seed's chart of the activation functions and their derivatives.
 */
import { B } from '../backend/index.js';
import { ACTIVATIONS, type ActivationName } from '../ops/activations.js';
import { actNeedsPre } from '../backend/types.js';
import type { ActivationRow } from './capture.js';
import type { ParamRow } from './gradients.js';
import type { Report } from './report.js';
import type { WatchRecord } from './watch.js';
import { barChart, esc, fmt, histogramChart, lineChart, type Series } from './svg.js';

export interface HtmlOptions {
  title?: string;
  /** Include the chart of activation functions and derivatives (true). */
  activationChart?: boolean;
}

export interface HtmlInput extends HtmlOptions {
  report?: Report;
  history?: readonly WatchRecord[];
}

/** f(x) and f'(x) on [-4, 4] for every activation of the table, computed by the active backend's kernels. */
export function activationCurves(names: readonly ActivationName[] = ['relu', 'leakyRelu', 'gelu', 'sigmoid', 'tanh', 'elu'], n = 161):
  { name: ActivationName; x: number[]; f: number[]; df: number[] }[] {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = -4 + (8 * i) / (n - 1);
  return names.map((name) => {
    const a = ACTIVATIONS[name];
    const param = name === 'leakyRelu' ? 0.1 : a.defaultParam; // slope 0.1 so the leak shows on the chart
    const y = new Float32Array(n), gx = new Float32Array(n), ones = new Float32Array(n).fill(1);
    B().actForward(a.id, param, x, y, n);
    B().actBackward(a.id, param, actNeedsPre(a.id, param) ? x : null, y, ones, gx, n);
    return { name, x: Array.from(x), f: Array.from(y), df: Array.from(gx) };
  });
}

function activationChart(): string {
  const curves = activationCurves();
  const toSeries = (k: 'f' | 'df'): Series[] => curves.map((c) => ({
    name: c.name === 'leakyRelu' ? 'leakyRelu(0.1)' : c.name, points: c.x.map((x, i) => [x, c[k][i]] as [number, number]) }));
  return `<h2>Activation functions and their derivatives</h2><p class="note">Computed by the active backend's activation kernels. ` +
    `Sigmoid's derivative never exceeds 0.25: ten sigmoid layers scale gradients by at most 0.25¹⁰ ≈ 10⁻⁶. ReLU's is 0 for x &lt; 0: a unit ` +
    `whose input is negative for every sample is dead.</p><div class="row">` +
    lineChart(toSeries('f'), { title: 'f(x)', xLabel: 'x', refs: [0], yRange: [-1.5, 4] }) +
    lineChart(toSeries('df'), { title: "f'(x)", xLabel: 'x', refs: [0, 0.25], yRange: [-0.2, 1.2] }) + '</div>';
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function tableHtml(r: Report): string {
  const head = ['layer', 'kind', 'units', 'dead', 'zero', 'saturated', 'pre mean ± std', 'post mean ± std', '‖grad‖', 'grad / weight', 'NaN/Inf'];
  const flagged = new Set(r.warnings.map((w) => w.layer));
  const rows = r.layers.map((l) => {
    const cells = l.type === 'activation'
      ? [l.name + (l.source === 'functional' ? ' <span class="tag">F</span>' : ''), l.kind + (l.fused ? ' <span class="tag">fused</span>' : ''),
        String(l.units), String(l.deadUnits), pct(l.zeroFraction), l.kind === 'sigmoid' || l.kind === 'tanh' ? pct(l.saturatedFraction) : '',
        `${fmt(l.preMean)} ± ${fmt(l.preStd)}`, `${fmt(l.postMean)} ± ${fmt(l.postStd)}`, '', '', l.nonFinite ? String(l.nonFinite) : '']
      : [esc(l.name || '(model)'), l.kind, '', '', '', '', '', '', l.gradNorm === null ? '' : fmt(l.gradNorm),
        l.gradToWeight === null ? '' : fmt(l.gradToWeight), l.nonFiniteGrad + l.nonFiniteWeight ? String(l.nonFiniteGrad + l.nonFiniteWeight) : ''];
    return `<tr${flagged.has(l.name) ? ' class="warn"' : ''}>${cells.map((c, i) => `<td${i > 1 ? ' class="n"' : ''}>${i === 0 && l.type === 'params' ? c : i < 2 ? c.replace(/^([^<]*)/, (m) => esc(m)) : c}</td>`).join('')}</tr>`;
  });
  return `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

function reportSections(r: Report): string {
  const acts = r.activations, grads = r.gradients;
  const out: string[] = [];
  out.push(`<p>Input [${r.inputShape.join(', ')}] → output [${r.outputShape.join(', ')}], ${r.training ? 'training' : 'eval'} mode` +
    (r.loss !== null ? `, ${esc(r.lossKind ?? '')} loss ${fmt(r.loss)}` : '') + '.</p>');
  out.push(r.warnings.length === 0 ? '<p class="ok">No warnings.</p>'
    : `<ul class="warnings">${r.warnings.map((w) => `<li><code>${w.code}</code> ${esc(w.message)}</li>`).join('')}</ul>`);
  out.push(tableHtml(r));
  if (acts.length) {
    out.push('<h2>Activation histograms (post-activation, this batch)</h2><div class="row">');
    for (const a of acts) {
      const note = `${a.kind}: dead ${a.deadUnits}/${a.units}, zero ${pct(a.zeroFraction)}` +
        (a.kind === 'sigmoid' || a.kind === 'tanh' ? `, saturated ${pct(a.saturatedFraction)}` : '');
      const bad = a.deadFraction > 0.1 || a.saturatedFraction > 0.1;
      out.push(histogramChart(a.histogram, a.name, note, bad ? '#d62728' : '#1f77b4'));
    }
    out.push('</div>');
    out.push(barChart(acts.map((a) => ({ label: a.name, values: [a.deadFraction, a.zeroFraction, a.saturatedFraction] })),
      ['dead units', 'zeros', 'saturated'], { title: 'Dead units, zero and saturated fractions per activation', max: 1 }));
  }
  const g = grads.filter((x): x is ParamRow & { gradNorm: number } => x.gradNorm !== null);
  if (g.length) {
    out.push(barChart(g.map((x) => ({ label: x.name || '(model)', values: [x.gradNorm, x.gradToWeight ?? 0] })), ['‖grad‖', 'grad/weight'],
      { title: 'Gradient L2 norm per layer (log scale), forward order', logX: true }));
  }
  return out.join('\n');
}

function watchSections(h: readonly WatchRecord[]): string {
  if (h.length === 0) return '<p>No watch records yet.</p>';
  const actNames = [...new Set(h.flatMap((r) => r.activations.map((a) => a.name)))];
  const layerNames = [...new Set(h.flatMap((r) => r.params.map((p) => p.name)))];
  const actSeries = (f: (a: ActivationRow) => number): Series[] => actNames.map((n) => ({ name: n,
    points: h.flatMap((r) => r.activations.filter((a) => a.name === n).map((a) => [r.step, f(a)] as [number, number])) }));
  const parSeries = (f: (p: ParamRow) => number | null | undefined): Series[] => layerNames.map((n) => ({ name: n || '(model)',
    points: h.flatMap((r) => r.params.filter((p) => p.name === n && f(p) != null).map((p) => [r.step, f(p) as number] as [number, number])) }));
  const parts = ['<h2>Over training (watch)</h2><div class="row">'];
  const losses = h.filter((r) => r.loss !== null).map((r) => [r.step, r.loss as number] as [number, number]);
  if (losses.length) parts.push(lineChart([{ name: 'loss', points: losses }], { title: 'loss', xLabel: 'step' }));
  parts.push(lineChart(actSeries((a) => a.deadFraction), { title: 'dead-unit fraction', xLabel: 'step', yRange: [0, 1] }));
  if (h.some((r) => r.activations.some((a) => a.kind === 'sigmoid' || a.kind === 'tanh'))) {
    parts.push(lineChart(actSeries((a) => a.saturatedFraction), { title: 'saturated fraction', xLabel: 'step', yRange: [0, 1] }));
  }
  parts.push(lineChart(actSeries((a) => a.zeroFraction), { title: 'zero fraction', xLabel: 'step', yRange: [0, 1] }));
  parts.push(lineChart(parSeries((p) => p.gradNorm), { title: '‖grad‖ per layer (log)', xLabel: 'step', logY: true }));
  if (h.some((r) => r.params.some((p) => p.updateToWeight != null))) {
    parts.push(lineChart(parSeries((p) => p.updateToWeight), { title: 'update / weight ratio (log; ~1e-3 is healthy)', xLabel: 'step', logY: true, refs: [1e-3] }));
  }
  parts.push('</div>');
  return parts.join('\n');
}

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:12px;margin:12px 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.warn td{background:#fff1f0}.tag{font-size:9px;background:#eee;border-radius:3px;padding:0 3px}.row{display:flex;flex-wrap:wrap;gap:12px}
ul.warnings li{margin:4px 0;font-size:13px}code{background:#fde2e1;padding:1px 4px;border-radius:3px}.ok{color:#2a7}.note{font-size:12px;color:#555}`;

export function renderHtml(input: HtmlInput): string {
  const title = input.title ?? 'neurite diagnostics';
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  if (input.report) body.push(reportSections(input.report));
  if (input.history) body.push(watchSections(input.history));
  if (input.activationChart !== false) body.push(activationChart());
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`;
}

export function renderReportHtml(input: HtmlInput & { report: Report }): string {
  return renderHtml(input);
}
