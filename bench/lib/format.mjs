// Plain-text / markdown tables of the figures.
import { caseById } from './cases.mjs';

const sig = (v) => (v >= 1000 ? v.toFixed(0) : v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v >= 1 ? v.toFixed(3) : v.toPrecision(3));

/** "median (min–max)" of a result, in the case's unit; min/max are of the figure, not the time. */
export function cell(id, r) {
  if (!r) return '–';
  const c = caseById(id);
  const a = c.figure(r.median), lo = c.figure(r.max), hi = c.figure(r.min);
  const [x, y] = lo < hi ? [lo, hi] : [hi, lo];
  return `${sig(a)} (${sig(x)}–${sig(y)})`;
}

export function mdTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export { sig };
