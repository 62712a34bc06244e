/**
 * The CLI's data preparation: reading the CSV with the user's label column and delimiter, the
 * class-label checks, a seeded train/test split and standardisation with training statistics.
 */
import { Tensor } from '../tensor.js';
import { uniform } from '../random.js';
import { loadCsvSync, type CsvData, type CsvOptions } from '../io/csv.js';
import { UsageError } from './errors.js';

/** `--label-column`: 'last', 'first', 'none', a 1-based column number (negative from the end), or a header name. */
export type LabelColumnFlag = 'last' | 'first' | 'none' | number | { name: string };

/** Read a CSV for the CLI; a loadCsv error (file:line: column ...) becomes a UsageError (exit 2). */
export function readCsv(path: string, shown: string, label: LabelColumnFlag, delimiter: string): CsvData {
  const load = (labelColumn: CsvOptions['labelColumn']): CsvData => {
    try {
      return loadCsvSync(path, { labelColumn, delimiter });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  };
  if (typeof label === 'string') return load(label);
  if (typeof label === 'number') {
    // 1-based as the CLI's messages count columns; loadCsv counts from 0
    return load(label > 0 ? label - 1 : label);
  }
  const peek = load('none');
  const idx = peek.header?.indexOf(label.name) ?? -1;
  if (idx < 0) {
    throw new UsageError(`--label-column ${label.name}: ${shown} has ${peek.header ? `no column named '${label.name}' (columns: ${peek.header.join(', ')})` : 'no header line to look the name up in'}`);
  }
  return load(idx);
}

/** Up to `max` rows as 'line L (label v)', for errors that name rows. */
function nameRows(rows: number[], lines: Int32Array, labels: ArrayLike<number>, max = 5): string {
  const shown = rows.slice(0, max).map((r) => `line ${lines[r]} (${labels[r]})`).join(', ');
  return rows.length > max ? `${shown} and ${rows.length - max} more` : shown;
}

/**
 * The labels as class indices 0..K-1, or a UsageError naming the rows that are not: a float
 * target, labels 1..K (no class 0), a label far above the others (a typo such as 100000 would
 * build a 100001-class model). Smaller gaps (a class with no rows) are a warning.
 */
export function classLabels(csv: CsvData, source: string, warn: (msg: string) => void): { y: Int32Array; classes: number } {
  const y = csv.y;
  if (y === null) throw new UsageError(`${source}: training needs a label column (--label-column none gives none)`);
  if (!(y instanceof Int32Array)) {
    const v = y.data;
    const bad: number[] = [];
    for (let r = 0; r < v.length; r++) if (!(Number.isInteger(v[r]) && v[r] >= 0)) bad.push(r);
    throw new UsageError(`${source}: the label column must hold class indices 0..K-1 (found ${v[bad[0]]}); not class indices: ${nameRows(bad, csv.lines, v)}`);
  }
  const counts = new Map<number, number>();
  for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
  const present = [...counts.keys()].sort((a, b) => a - b);
  const classes = present[present.length - 1] + 1;
  if (present.length < 2) throw new UsageError(`${source}: the labels hold ${present.length} class(es); classification needs at least 2`);
  const empty = classes - present.length;
  if (present[0] === 1 && empty === 1) {
    throw new UsageError(`${source}: the labels are 1..${classes - 1} but classes are numbered from 0 (class 0 has no rows); subtract 1 from the label column`);
  }
  if (empty > present.length) {
    // many empty classes: the few largest labels are outliers (a typo), name their rows
    const limit = present[Math.floor(present.length / 2)] * 2 + 10;
    const rows: number[] = [];
    for (let r = 0; r < y.length; r++) if (y[r] >= limit) rows.push(r);
    throw new UsageError(`${source}: label ${classes - 1} would make ${classes} classes, ${empty} of them with no rows `
      + `(${present.length} distinct labels); check ${rows.length ? nameRows(rows, csv.lines, y) : `the rows labelled ${classes - 1}`}`);
  }
  if (empty > 0) {
    const missing: number[] = [];
    for (let k = 0; k < classes && missing.length < 10; k++) if (!counts.has(k)) missing.push(k);
    warn(`${source}: ${empty} of the ${classes} classes 0..${classes - 1} have no rows (${missing.join(', ')}${empty > missing.length ? ', ...' : ''}); the model still gets an output for each`);
  }
  return { y, classes };
}

export interface Split { xTrain: Tensor; yTrain: Int32Array; xTest: Tensor; yTest: Int32Array }

/** Shuffle rows with the seeded generator, then hold out round(n·fraction) of them. */
export function trainTestSplit(x: Tensor, y: Int32Array, fraction: number): Split {
  const [n, d] = x.shape;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(uniform() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
  const nTest = Math.round(n * fraction);
  const take = (rows: Int32Array): [Tensor, Int32Array] => {
    const xs = new Float32Array(rows.length * d);
    const ys = new Int32Array(rows.length);
    rows.forEach((r, k) => { xs.set(x.data.subarray(r * d, (r + 1) * d), k * d); ys[k] = y[r]; });
    return [new Tensor(xs, [rows.length, d]), ys];
  };
  const [xTest, yTest] = take(order.subarray(0, nTest));
  const [xTrain, yTrain] = take(order.subarray(nTest));
  return { xTrain, yTrain, xTest, yTest };
}

export interface Standardizer { mean: Float32Array; std: Float32Array }

/** Per-column mean and standard deviation (1 for constant columns, so they map to 0, not NaN). */
export function fitStandardizer(x: Tensor): Standardizer {
  const [n, d] = x.shape;
  const mean = new Float64Array(d), sq = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) sq[c] += (x.data[r * d + c] - mean[c]) ** 2;
  const std = Float32Array.from(sq, (s) => { const v = Math.sqrt(s / n); return v > 1e-8 ? v : 1; });
  return { mean: Float32Array.from(mean), std };
}

export function standardize(x: Tensor, s: Standardizer): Tensor {
  const [n, d] = x.shape;
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) out[r * d + c] = (x.data[r * d + c] - s.mean[c]) / s.std[c];
  return new Tensor(out, [n, d]);
}
