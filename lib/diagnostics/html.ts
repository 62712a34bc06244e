/**
 * The HTML report: one self-contained page (inline SVG and CSS, no scripts, no network) with
 * where the run ran (backend, ISA, precision, CPU, threads), the training curves per epoch
 * (loss on a log scale, accuracy, learning rate, training and validation), the table,
 * per-layer activation histograms, dead/saturated fractions, gradient norms, watch curves with
 * each warning's first step, and the seed's chart of the activation functions and their
 * derivatives. It reads plain data (types.ts) only.
 */
import { B } from '../backend/index.js';
import { ACTIVATIONS, type ActivationName } from '../ops/activations.js';
import { actNeedsPre } from '../backend/types.js';
import type { ActivationRow } from './capture.js';
import type { ParamRow } from './gradients.js';
import type { EpochRow, ReportData, RunInfo, WatchRecord } from './types.js';
import { barChart, esc, fmt, histogramChart, lineChart, type Series } from './svg.js';
import { runInfo } from './run-info.js';
import { options } from '../options.js';

/** The page's title and whether it includes the activation-function chart (default true). */
export interface HtmlOptions {
  /** The page's title. @defaultValue 'neurite diagnostics' */
  title?: string;
  /** Include the chart of activation functions and derivatives. @defaultValue true */
  activationChart?: boolean;
}

/** What renderHtml draws: a report, a watch history and/or per-epoch curves, with HtmlOptions. */
export interface HtmlInput extends HtmlOptions {
  /** A diagnose() result (a Report or its toJSON()). */
  report?: ReportData;
  /** watch() records. */
  history?: readonly WatchRecord[];
  /** A training run's epochs (fit's history.epochs): loss, accuracy, validation, learning rate. */
  epochs?: readonly EpochRow[];
  /** Where the run ran; defaults to this process's runInfo() when epochs or history are given. */
  run?: RunInfo;
}

/**
 * f(x) and f'(x) on [-4, 4] for every activation of the table, computed by the active backend's kernels.
 * @example
 * ```js
 * import { diagnostics } from 'neurite';
 * const curves = diagnostics.activationCurves(['relu'], 5); // f and f' on [-4, 4], by the active backend's kernels
 * console.log(curves.length ?? Object.keys(curves)); // one curve per activation
 * ```
 */
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

function tableHtml(r: ReportData): string {
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

function reportSections(r: ReportData): string {
  const acts = r.layers.filter((l): l is ActivationRow => l.type === 'activation');
  const grads = r.layers.filter((l): l is ParamRow => l.type === 'params');
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
  if (losses.length) parts.push(lossChart([{ name: 'loss', points: losses }], 'step'));
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
  parts.push(warningsSeen(h));
  return parts.join('\n');
}

/**
 * Every warning the watch raised, once, with the step it first appeared and how often.
 * @example
 * ```js
 * import { diagnostics } from 'neurite';
 * console.log(diagnostics.firstWarnings([])); // [] : from a watch history, each warning code with the step it first appeared
 * ```
 */
export function firstWarnings(h: readonly WatchRecord[]): { code: string; layer: string | null; message: string; firstStep: number; records: number }[] {
  const seen = new Map<string, { code: string; layer: string | null; message: string; firstStep: number; records: number }>();
  for (const r of h) {
    for (const w of r.warnings) {
      const key = `${w.code}\u0000${w.layer}`;
      const s = seen.get(key);
      if (s) s.records++;
      else seen.set(key, { code: w.code, layer: w.layer, message: w.message, firstStep: r.step, records: 1 });
    }
  }
  return [...seen.values()].sort((a, b) => a.firstStep - b.firstStep);
}

function warningsSeen(h: readonly WatchRecord[]): string {
  const ws = firstWarnings(h);
  if (ws.length === 0) return `<p class="ok">No warnings in ${h.length} sampled step${h.length === 1 ? '' : 's'}.</p>`;
  return `<h2>Warnings over training</h2><table><tr><th>first step</th><th>warning</th><th>layer</th><th>in records</th><th>message (first time)</th></tr>` +
    ws.map((w) => `<tr class="warn"><td class="n">${w.firstStep}</td><td><code>${esc(w.code)}</code></td><td>${esc(w.layer || '(model)')}</td>` +
      `<td class="n">${w.records}/${h.length}</td><td>${esc(w.message)}</td></tr>`).join('') + '</table>';
}

/** A loss curve: log scale when every value is positive (one spike then cannot flatten the rest). */
function lossChart(series: Series[], xLabel: string): string {
  const vals = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const logY = vals.length > 0 && vals.every((v) => v > 0);
  const nonFinite = series.reduce((n, s) => n + s.points.filter((p) => !Number.isFinite(p[1])).length, 0);
  return lineChart(series, { title: `loss${logY ? ' (log)' : ''}${nonFinite ? ` (${nonFinite} non-finite not drawn)` : ''}`, xLabel, logY });
}

/** Loss, accuracy and learning rate per epoch, training and validation. */
function epochSections(rows: readonly EpochRow[]): string {
  if (rows.length === 0) return '';
  const pts = (f: (r: EpochRow) => number | null | undefined): [number, number][] =>
    rows.filter((r) => f(r) !== null && f(r) !== undefined).map((r) => [r.epoch, f(r) as number]);
  const named = (pairs: [string, [number, number][]][]): Series[] => pairs.filter(([, p]) => p.length).map(([name, points]) => ({ name, points }));
  const parts = ['<h2>Training curves</h2><div class="row">'];
  parts.push(lossChart(named([['training loss', pts((r) => r.loss)], ['validation loss', pts((r) => r.valLoss)]]), 'epoch'));
  const acc = named([['training accuracy', pts((r) => r.accuracy)], ['validation accuracy', pts((r) => r.valAccuracy)]]);
  if (acc.length) parts.push(lineChart(acc, { title: 'accuracy', xLabel: 'epoch', yRange: [0, 1] }));
  const lr = pts((r) => r.lr);
  if (lr.length) {
    const logY = lr.every((p) => p[1] > 0) && Math.max(...lr.map((p) => p[1])) / Math.min(...lr.map((p) => p[1])) > 20;
    parts.push(lineChart([{ name: 'learning rate', points: lr }], { title: `learning rate${logY ? ' (log)' : ''}`, xLabel: 'epoch', logY }));
  }
  parts.push('</div>');
  const last = rows[rows.length - 1];
  const cell = (v: number | null | undefined, pctv = false): string => (v === null || v === undefined ? '' : pctv ? pct(v) : fmt(v));
  parts.push(`<table><tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th><th>lr</th></tr>` +
    (rows.length > 12 ? [...rows.slice(0, 5), null, ...rows.slice(-5)] : rows).map((r) => (r === null ? '<tr><td>…</td></tr>'
      : `<tr><td class="n">${r.epoch}</td><td class="n">${cell(r.loss)}</td><td class="n">${cell(r.accuracy, true)}</td>` +
        `<td class="n">${cell(r.valLoss)}</td><td class="n">${cell(r.valAccuracy, true)}</td><td class="n">${cell(r.lr)}</td></tr>`)).join('') +
    `</table><p class="note">Last epoch (${last.epoch}): loss ${cell(last.loss)}${last.valLoss != null ? `, validation loss ${cell(last.valLoss)}` : ''}.</p>`);
  return parts.join('\n');
}

function runSection(r: RunInfo): string {
  return `<p class="run">${esc(r.backend)} backend (${esc(r.isa)}), matmul precision ${esc(r.precision)}, ${r.threads} thread${r.threads === 1 ? '' : 's'}, ` +
    `${esc(r.cpu)}, Node ${esc(r.node)}${r.neurite ? `, neurite ${esc(r.neurite)}` : ''}</p>`;
}

const CSS = `body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:12px;margin:12px 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.warn td{background:#fff1f0}.tag{font-size:9px;background:#eee;border-radius:3px;padding:0 3px}.row{display:flex;flex-wrap:wrap;gap:12px}
ul.warnings li{margin:4px 0;font-size:13px}code{background:#fde2e1;padding:1px 4px;border-radius:3px}.ok{color:#2a7}.note{font-size:12px;color:#555}.run{font-size:12px;color:#444;background:#f4f6f8;padding:6px 10px;border-radius:4px}`;

/** A toHTML() options argument, checked (keys and types) in the name of the method. */
export function htmlOptions(fn: string, opts: unknown): HtmlOptions {
  const o = options<HtmlOptions>(fn, opts, ['title', 'activationChart']);
  if (o.title !== undefined && typeof o.title !== 'string') throw new TypeError(`${fn}: title must be a string`);
  if (o.activationChart !== undefined && typeof o.activationChart !== 'boolean') throw new TypeError(`${fn}: activationChart must be a boolean`);
  return o;
}

/**
 * Render a self-contained HTML page (inline SVG, no scripts, no network) from a report and/or a watch history: curves, table, warnings, run facts.
 * @example
 * ```js
 * import { writeFileSync } from 'node:fs';
 * import { diagnostics } from 'neurite';
 * const epochs = [{ epoch: 0, loss: 1.2, lr: 0.1 }, { epoch: 1, loss: 0.7, lr: 0.05 }];
 * const page = diagnostics.html({ epochs, title: 'my run', activationChart: false }); // curves, warnings and the run's backend/CPU/threads
 * writeFileSync('run.html', page);
 * console.log(page.includes('my run')); // true
 * ```
 */
export function renderHtml(input: HtmlInput): string {
  options('html', input, ['title', 'activationChart', 'report', 'history', 'epochs', 'run']);
  if (input === undefined) throw new TypeError('html: expected { report?, history?, epochs?, run?, title?, activationChart? }');
  const bad = (k: string, want: string): never => { throw new TypeError(`html: ${k} must be ${want}`); };
  if (input.title !== undefined && typeof input.title !== 'string') bad('title', 'a string');
  if (input.activationChart !== undefined && typeof input.activationChart !== 'boolean') bad('activationChart', 'a boolean');
  for (const k of ['history', 'epochs'] as const) if (input[k] !== undefined && !Array.isArray(input[k])) bad(k, 'an array');
  for (const k of ['report', 'run'] as const) {
    if (input[k] !== undefined && (input[k] === null || typeof input[k] !== 'object' || Array.isArray(input[k]))) bad(k, 'an object');
  }
  if (input.report !== undefined && (!Array.isArray(input.report.layers) || !Array.isArray(input.report.warnings))) {
    bad('report', 'a diagnose() result (a Report or its toJSON())');
  }
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (input.history?.some((r) => !isObj(r) || typeof r.step !== 'number' || !Array.isArray(r.activations) || !Array.isArray(r.params) || !Array.isArray(r.warnings))) {
    bad('history', 'watch() records (watch.history)');
  }
  if (input.epochs?.some((r) => !isObj(r) || typeof r.epoch !== 'number' || typeof r.loss !== 'number')) bad('epochs', 'rows { epoch, loss, ... } (fit\'s history.epochs)');
  if (input.run !== undefined && (['backend', 'cpu', 'isa', 'precision', 'node'] as const).some((k) => typeof input.run![k] !== 'string')) {
    bad('run', 'a runInfo() object');
  }
  const title = input.title ?? 'neurite diagnostics';
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  const run = input.run ?? (input.epochs || input.history ? runInfo() : undefined);
  if (run) body.push(runSection(run));
  if (input.epochs) body.push(epochSections(input.epochs));
  if (input.report) body.push(reportSections(input.report));
  if (input.history) body.push(watchSections(input.history));
  if (input.activationChart !== false) body.push(activationChart());
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>${CSS}</style></head><body>${body.join('\n')}</body></html>\n`;
}
