/** Small inline-SVG charts (no scripts, no network): bars, histograms and line charts. */

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
export const color = (i: number): string => PALETTE[i % PALETTE.length];

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-2 || a >= 1e4 ? x.toExponential(1) : Number(x.toPrecision(3)).toString();
}

export interface Series { name: string; points: [number, number][] }

export interface LineChartOptions {
  title: string;
  width?: number;
  height?: number;
  logY?: boolean;
  xLabel?: string;
  yRange?: [number, number];
  /** Horizontal reference lines, e.g. y = 0. */
  refs?: number[];
}

/** Lines over a shared x axis, with a legend; log y drops values <= 0. */
export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const W = o.width ?? 420, H = o.height ?? 240, L = 52, R = 10, T = 24, Bm = 34;
  const legendH = 14 * Math.ceil(series.length / 3);
  const ty = (v: number): number => (o.logY ? Math.log10(v) : v);
  const pts = series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logY || y > 0)));
  const xs = pts.flat().map((p) => p[0]), ys = pts.flat().map((p) => ty(p[1]));
  if (xs.length === 0) return `<svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg"><text x="10" y="20" font-size="12">${esc(o.title)}: no data</text></svg>`;
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = o.yRange ? [ty(o.yRange[0]), ty(o.yRange[1])] : [Math.min(...ys), Math.max(...ys)];
  if (o.logY) { y0 = Math.floor(y0); y1 = Math.ceil(y1); } // whole decades
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= o.logY ? 1 : Math.abs(y0) * 0.1 + 0.5; y1 += o.logY ? 1 : Math.abs(y1) * 0.1 + 0.5; }
  const ph = H - T - Bm;
  const sx = (x: number): number => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number): number => T + (1 - (y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [`<svg width="${W}" height="${H + legendH}" viewBox="0 0 ${W} ${H + legendH}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">`,
    `<text x="${W / 2}" y="15" font-size="13" text-anchor="middle">${esc(o.title)}</text>`,
    `<rect x="${L}" y="${T}" width="${W - L - R}" height="${ph}" fill="none" stroke="#bbb"/>`];
  const decades = o.logY ? y1 - y0 : 4;
  const stepY = o.logY ? Math.max(1, Math.ceil(decades / 6)) : (y1 - y0) / 4;
  for (let y = y0; y <= y1 + 1e-9; y += stepY) {
    const py = sy(y);
    const label = o.logY ? `1e${Math.round(y)}` : fmt(y);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py}" y2="${py}" stroke="#eee"/><text x="${L - 4}" y="${py + 4}" font-size="10" text-anchor="end">${label}</text>`);
  }
  for (let k = 0; k <= 4; k++) {
    const x = x0 + (k / 4) * (x1 - x0);
    parts.push(`<text x="${sx(x)}" y="${T + ph + 14}" font-size="10" text-anchor="middle">${fmt(x)}</text>`);
  }
  for (const r of o.refs ?? []) if (ty(r) >= y0 && ty(r) <= y1) parts.push(`<line x1="${L}" x2="${W - R}" y1="${sy(ty(r))}" y2="${sy(ty(r))}" stroke="#888" stroke-dasharray="3,3"/>`);
  if (o.xLabel) parts.push(`<text x="${(L + W - R) / 2}" y="${T + ph + 28}" font-size="11" text-anchor="middle">${esc(o.xLabel)}</text>`);
  pts.forEach((p, i) => {
    if (p.length === 0) return;
    const d = p.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(ty(y)).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color(i)}" stroke-width="1.8"/>`);
    if (p.length === 1) parts.push(`<circle cx="${sx(p[0][0])}" cy="${sy(ty(p[0][1]))}" r="3" fill="${color(i)}"/>`);
  });
  series.forEach((s, i) => {
    const lx = 8 + (i % 3) * ((W - 16) / 3), ly = H + 10 + 14 * Math.floor(i / 3);
    parts.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${color(i)}"/><text x="${lx + 14}" y="${ly - 3}" font-size="10">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A histogram of counts over [min, max], with notes printed under the title. */
export function histogramChart(h: { min: number; max: number; counts: number[] }, title: string, note: string, fill = '#1f77b4'): string {
  const W = 260, H = 130, L = 8, R = 8, T = 32, Bm = 18;
  const peak = Math.max(1, ...h.counts);
  const bw = (W - L - R) / Math.max(1, h.counts.length);
  const bars = h.counts.map((c, i) => {
    const bh = (c / peak) * (H - T - Bm);
    return `<rect x="${(L + i * bw).toFixed(1)}" y="${(H - Bm - bh).toFixed(1)}" width="${Math.max(0.5, bw - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${fill}"/>`;
  }).join('');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">` +
    `<text x="${L}" y="13" font-size="12" font-weight="bold">${esc(title)}</text><text x="${L}" y="26" font-size="10" fill="#555">${esc(note)}</text>` +
    `${bars}<line x1="${L}" x2="${W - R}" y1="${H - Bm}" y2="${H - Bm}" stroke="#999"/>` +
    `<text x="${L}" y="${H - 4}" font-size="10">${fmt(h.min)}</text><text x="${W - R}" y="${H - 4}" font-size="10" text-anchor="end">${fmt(h.max)}</text></svg>`;
}

export interface Bar { label: string; values: number[] }

/** Horizontal grouped bars (one colour per value index); log scale when asked. */
export function barChart(bars: readonly Bar[], legend: readonly string[], o: { title: string; logX?: boolean; max?: number }): string {
  const W = 520, rowH = 8 + 10 * legend.length, T = 24, L = 120, R = 60;
  const H = T + bars.length * rowH + 34;
  const all = bars.flatMap((b) => b.values).filter((v) => Number.isFinite(v) && (!o.logX || v > 0));
  const tx = (v: number): number => (o.logX ? Math.log10(v) : v);
  let lo = o.logX ? Math.floor(Math.min(...all.map(tx), 0)) : 0;
  let hi = o.max !== undefined ? tx(o.max) : Math.max(...all.map(tx), o.logX ? lo + 1 : 1e-12);
  if (o.logX) hi = Math.ceil(hi);
  if (!(hi > lo)) { lo = o.logX ? lo - 1 : 0; hi = lo + 1; }
  const sx = (v: number): number => L + ((Math.max(tx(v), lo) - lo) / (hi - lo)) * (W - L - R);
  const parts = [`<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">`,
    `<text x="${W / 2}" y="15" font-size="13" text-anchor="middle">${esc(o.title)}</text>`];
  bars.forEach((b, i) => {
    const y = T + i * rowH;
    parts.push(`<text x="${L - 6}" y="${y + rowH / 2 + 3}" font-size="11" text-anchor="end">${esc(b.label)}</text>`);
    b.values.forEach((v, k) => {
      const ok = Number.isFinite(v) && (!o.logX || v > 0);
      const w = ok ? sx(v) - L : 0;
      parts.push(`<rect x="${L}" y="${y + 4 + 10 * k}" width="${Math.max(0, w).toFixed(1)}" height="8" fill="${color(k)}"/>` +
        `<text x="${L + Math.max(0, w) + 3}" y="${y + 11 + 10 * k}" font-size="9">${ok || !Number.isFinite(v) ? fmt(v) : '0'}</text>`);
    });
  });
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - 34}" stroke="#999"/>`);
  parts.push(`<text x="${L}" y="${H - 22}" font-size="10">${o.logX ? `1e${lo}` : '0'}</text><text x="${W - R}" y="${H - 22}" font-size="10" text-anchor="end">${o.logX ? `1e${hi}` : fmt(hi)}</text>`);
  legend.forEach((n, k) => parts.push(`<rect x="${L + 90 * k}" y="${H - 12}" width="10" height="8" fill="${color(k)}"/><text x="${L + 14 + 90 * k}" y="${H - 5}" font-size="10">${esc(n)}</text>`));
  parts.push('</svg>');
  return parts.join('');
}
