/**
 * Numeric CSV files (plain or gzip-compressed) as a feature matrix and labels. Every cell is
 * checked, and an error names the file, line and column of the first bad one.
 */
import { gunzipSync } from 'node:zlib';
import { Tensor } from '../tensor.js';
import { readFile, readFileSync } from './fsutil.js';
import { options } from '../options.js';

/** loadCsv's options: header ('auto'), labelColumn ('last'), delimiter (','). */
export interface CsvOptions {
  /** Skip the first line: true, false, or 'auto' (skip it when any cell is not a number). pandas: `header`. @defaultValue 'auto' */
  header?: boolean | 'auto';
  /** The column holding the labels: 'last', 'first', an index (negative from the end), or 'none'. @defaultValue 'last' */
  labelColumn?: 'last' | 'first' | 'none' | number;
  /** Cell separator. pandas: `sep`. @defaultValue ',' */
  delimiter?: string;
}

/** A loaded CSV: features `x` [rows, columns], labels `y`, `header` names and each row's file `lines`. */
export interface CsvData {
  /** Features, [rows, columns]. */
  x: Tensor;
  /** Labels: class indices (Int32Array) when every label is a non-negative integer, else a Tensor [rows]; null for 'none'. */
  y: Int32Array | Tensor | null;
  /** Column names from the header line, when one was skipped. */
  header: string[] | null;
  /** The 1-based file line of each data row (errors about a row name its line). */
  lines: Int32Array;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function cellValue(raw: string): number {
  // fast path: a cell starting like a decimal number (not 0x/0b/0o, which Number would accept)
  // whose Number() is finite is exactly what the pattern accepts, with the same value
  const c0 = raw.charCodeAt(0);
  if ((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46) {
    const c1 = raw.charCodeAt(1) | 32;
    if (c1 !== 120 && c1 !== 98 && c1 !== 111) {
      const v = Number(raw);
      if (Number.isFinite(v)) return v;
    }
  }
  let s = raw.trim();
  if (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"') s = s.slice(1, -1).trim();
  return NUMBER.test(s) ? Number(s) : NaN;
}

function decode(buf: Buffer, source: string): string {
  let bytes = buf;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      bytes = gunzipSync(buf);
    } catch (e) {
      throw new RangeError(`loadCsv: ${source}: the gzip data is corrupt (${(e as Error).message})`);
    }
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Where the label and feature columns are, fixed by the first data row. */
export interface CsvLayout {
  ncol: number;
  /** Label column index, -1 for none. */
  label: number;
  nfeat: number;
  /** Line number of the row that fixed ncol (named in errors). */
  firstLine: number;
}

/** Whether a first line is a header, by the `header` option ('auto': a cell is not a number). */
export function isCsvHeader(cells: readonly string[], opts: CsvOptions): boolean {
  const hopt = opts.header ?? 'auto';
  return hopt === true || (hopt === 'auto' && cells.some((c) => Number.isNaN(cellValue(c))));
}

/** The layout of a file whose first data row (at `line`) has `ncol` cells. */
export function csvLayout(ncol: number, line: number, opts: CsvOptions, source: string): CsvLayout {
  const lc = opts.labelColumn ?? 'last';
  let label: number;
  if (lc === 'none') label = -1;
  else if (lc === 'last') label = ncol - 1;
  else if (lc === 'first') label = 0;
  else if (Number.isInteger(lc) && lc >= -ncol && lc < ncol) label = lc < 0 ? ncol + lc : lc;
  else throw new RangeError(`loadCsv: ${source}: labelColumn ${String(lc)} is outside the ${ncol} columns`);
  const nfeat = label < 0 ? ncol : ncol - 1;
  if (nfeat < 1) throw new RangeError(`loadCsv: ${source}: ${ncol} column(s) leave no feature column besides the labels`);
  return { ncol, label, nfeat, firstLine: line };
}

/** Parse one data row into x (nfeat values at row r) and y[r]; every cell checked. */
export function parseCsvRow(cells: readonly string[], line: number, lay: CsvLayout, x: Float32Array, y: Float32Array | Float64Array,
  r: number, source: string): void {
  if (cells.length !== lay.ncol) {
    throw new RangeError(`loadCsv: ${source}:${line}: expected ${lay.ncol} columns (as line ${lay.firstLine}), got ${cells.length}`);
  }
  let f = r * lay.nfeat;
  for (let c = 0; c < lay.ncol; c++) {
    const v = cellValue(cells[c]);
    if (Number.isNaN(v)) {
      const shown = cells[c].trim() === '' ? 'an empty cell' : `'${cells[c].trim().slice(0, 40)}'`;
      throw new TypeError(`loadCsv: ${source}:${line}: column ${c + 1} is not a number: ${shown}`);
    }
    if (c === lay.label) y[r] = v;
    else x[f++] = v;
  }
}

export const CSV_KEYS = ['header', 'labelColumn', 'delimiter'] as const;

/** Check CSV options (strict keys, header and delimiter values); `fn` names the caller in errors. */
export function csvOptions(fn: string, o: unknown, extra: readonly string[] = []): CsvOptions & Record<string, unknown> {
  const opts = options<CsvOptions & Record<string, unknown>>(fn, o, [...CSV_KEYS, ...extra]);
  const delim = opts.delimiter ?? ',';
  if (typeof delim !== 'string' || delim.length === 0 || /[\r\n"]/.test(delim)) {
    throw new TypeError(`${fn}: delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delim)}`);
  }
  if (opts.header !== undefined && opts.header !== true && opts.header !== false && opts.header !== 'auto') {
    throw new TypeError(`${fn}: header must be true, false or 'auto', got ${JSON.stringify(opts.header)}`);
  }
  return opts;
}

/**
 * Parse CSV text (already decompressed); `source` names it in errors.
 * @example
 * ```js
 * import { io } from 'neurite';
 * const { x, y } = io.parseCsv('1,2,0.5\n3,4,1.5\n'); // labels not all integers: a Tensor
 * console.log(x.shape, y.toArray()); // [ 2, 2 ] [ 0.5, 1.5 ]
 * ```
 */
export function parseCsv(text: string, o?: CsvOptions, source = 'csv'): CsvData {
  const opts = csvOptions('loadCsv', o);
  const delim = opts.delimiter ?? ',';
  const lines = text.split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '') rows.push({ line: i + 1, cells: lines[i].split(delim) });
  }
  let header: string[] | null = null;
  if (rows.length > 0 && isCsvHeader(rows[0].cells, opts)) header = rows.shift()!.cells.map((c) => c.trim());
  if (rows.length === 0) throw new RangeError(`loadCsv: ${source}: no data rows`);
  const lay = csvLayout(rows[0].cells.length, rows[0].line, opts, source);
  const n = rows.length;
  const x = new Float32Array(n * lay.nfeat);
  const y = new Float64Array(lay.label < 0 ? 0 : n);
  for (let r = 0; r < n; r++) parseCsvRow(rows[r].cells, rows[r].line, lay, x, y, r, source);
  let labels: Int32Array | Tensor | null = null;
  if (lay.label >= 0) {
    labels = y.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31) ? Int32Array.from(y) : new Tensor(Float32Array.from(y), [n]);
  }
  return { x: new Tensor(x, [n, lay.nfeat]), y: labels, header, lines: Int32Array.from(rows, (r) => r.line) };
}

/**
 * Read a CSV file (gzip detected from its first bytes) into features and labels.
 * @example
 * ```js
 * import { writeFileSync } from 'node:fs';
 * import { io } from 'neurite';
 * writeFileSync('iris.csv', 'a,b,label\n1,2,0\n3,4,1\n');
 * const { x, y, header } = await io.loadCsv('iris.csv', { labelColumn: 'last' });
 * console.log(x.shape, y, header); // [ 2, 2 ] Int32Array(2) [ 0, 1 ] [ 'a', 'b', 'label' ]
 * ```
 */
export async function loadCsv(path: string, opts?: CsvOptions): Promise<CsvData> {
  return parseCsv(decode(await readFile(path, 'loadCsv'), path), opts, path);
}

/**
 * loadCsv, synchronously: features `x`, labels `y`, `header` of a numeric CSV (gzip recognised).
 * @example
 * ```js
 * import { writeFileSync } from 'node:fs';
 * import { io } from 'neurite';
 * writeFileSync('data.csv', '0.5;1.5\n2.5;3.5\n');
 * const { x, y } = io.loadCsvSync('data.csv', { delimiter: ';', labelColumn: 'none', header: false });
 * console.log(x.toArray(), y); // [ [ 0.5, 1.5 ], [ 2.5, 3.5 ] ] null
 * ```
 */
export function loadCsvSync(path: string, opts?: CsvOptions): CsvData {
  return parseCsv(decode(readFileSync(path, 'loadCsv'), path), opts, path);
}
