/**
 * Numeric CSV files (plain or gzip-compressed) as a feature matrix and labels. Every cell is
 * checked, and an error names the file, line and column of the first bad one.
 */
import { gunzipSync } from 'node:zlib';
import { Tensor } from '../tensor.js';
import { readFile, readFileSync } from './fsutil.js';
import { options } from '../options.js';

export interface CsvOptions {
  /** Skip the first line: true, false, or 'auto' (default: skip it when any cell is not a number). */
  header?: boolean | 'auto';
  /** The column holding the labels: 'last' (default), 'first', an index (negative from the end), or 'none'. */
  labelColumn?: 'last' | 'first' | 'none' | number;
  /** Cell separator (default ','). */
  delimiter?: string;
}

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

/** Parse CSV text (already decompressed); `source` names it in errors. */
export function parseCsv(text: string, o?: CsvOptions, source = 'csv'): CsvData {
  const opts = options<CsvOptions>('loadCsv', o, ['header', 'labelColumn', 'delimiter']);
  const delim = opts.delimiter ?? ',';
  if (typeof delim !== 'string' || delim.length === 0 || /[\r\n"]/.test(delim)) {
    throw new TypeError(`loadCsv: delimiter must be a non-empty string without quotes or line breaks, got ${JSON.stringify(delim)}`);
  }
  if (opts.header !== undefined && opts.header !== true && opts.header !== false && opts.header !== 'auto') {
    throw new TypeError(`loadCsv: header must be true, false or 'auto', got ${JSON.stringify(opts.header)}`);
  }
  const lines = text.split(/\r?\n/);
  const rows: { line: number; cells: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '') rows.push({ line: i + 1, cells: lines[i].split(delim) });
  }
  let header: string[] | null = null;
  const hopt = opts.header ?? 'auto';
  if (rows.length > 0 && (hopt === true || (hopt === 'auto' && rows[0].cells.some((c) => Number.isNaN(cellValue(c)))))) {
    header = rows.shift()!.cells.map((c) => c.trim());
  }
  if (rows.length === 0) throw new RangeError(`loadCsv: ${source}: no data rows`);
  const ncol = rows[0].cells.length;
  const lc = opts.labelColumn ?? 'last';
  let label: number;
  if (lc === 'none') label = -1;
  else if (lc === 'last') label = ncol - 1;
  else if (lc === 'first') label = 0;
  else if (Number.isInteger(lc) && lc >= -ncol && lc < ncol) label = lc < 0 ? ncol + lc : lc;
  else throw new RangeError(`loadCsv: ${source}: labelColumn ${String(lc)} is outside the ${ncol} columns`);
  const nfeat = label < 0 ? ncol : ncol - 1;
  if (nfeat < 1) throw new RangeError(`loadCsv: ${source}: ${ncol} column(s) leave no feature column besides the labels`);
  const n = rows.length;
  const x = new Float32Array(n * nfeat);
  const y = new Float64Array(label < 0 ? 0 : n);
  for (let r = 0; r < n; r++) {
    const { line, cells } = rows[r];
    if (cells.length !== ncol) {
      throw new RangeError(`loadCsv: ${source}:${line}: expected ${ncol} columns (as line ${rows[0].line}), got ${cells.length}`);
    }
    let f = r * nfeat;
    for (let c = 0; c < ncol; c++) {
      const v = cellValue(cells[c]);
      if (Number.isNaN(v)) {
        const shown = cells[c].trim() === '' ? 'an empty cell' : `'${cells[c].trim().slice(0, 40)}'`;
        throw new TypeError(`loadCsv: ${source}:${line}: column ${c + 1} is not a number: ${shown}`);
      }
      if (c === label) y[r] = v;
      else x[f++] = v;
    }
  }
  let labels: Int32Array | Tensor | null = null;
  if (label >= 0) {
    labels = y.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31) ? Int32Array.from(y) : new Tensor(Float32Array.from(y), [n]);
  }
  return { x: new Tensor(x, [n, nfeat]), y: labels, header, lines: Int32Array.from(rows, (r) => r.line) };
}

/** Read a CSV file (gzip detected from its first bytes) into features and labels. */
export async function loadCsv(path: string, opts?: CsvOptions): Promise<CsvData> {
  return parseCsv(decode(await readFile(path, 'loadCsv'), path), opts, path);
}

export function loadCsvSync(path: string, opts?: CsvOptions): CsvData {
  return parseCsv(decode(readFileSync(path, 'loadCsv'), path), opts, path);
}
