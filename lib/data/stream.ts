/**
 * Streaming datasets: files larger than memory read block by block (CsvDataset through the
 * one CSV parser of io/csv, JsonlDataset for newline-delimited JSON). Each pass re-reads the
 * file; memory holds one read buffer and one block of rows. Iterate them through a DataLoader,
 * which rebatches (and shuffles with a bounded buffer); iterated directly they yield blocks.
 */
import { Tensor, fmtShape } from '../tensor.js';
import { options } from '../options.js';
import { readLines } from '../io/lines.js';
import { type CsvLayout, type CsvOptions, csvLayout, csvOptions, isCsvHeader, parseCsvRow } from '../io/csv.js';
import type { Batch } from './dataset.js';

/** CsvDataset's options: loadCsv's (header, labelColumn, delimiter) plus blockRows (rows per read, default 4096). */
export interface CsvDatasetOptions extends CsvOptions {
  /** Rows per block read (each block is one `[x, y]` item of the stream). @defaultValue 4096 */
  blockRows?: number;
}

function blockRowsOf(fn: string, v: unknown): number {
  const n = v ?? 4096;
  if (!Number.isInteger(n) || (n as number) <= 0) throw new RangeError(`${fn}: blockRows must be a positive integer, got ${String(v)}`);
  return n as number;
}

function checkPath(fn: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${fn}: expected a file path, got ${JSON.stringify(path)}`);
  return path;
}

/**
 * A numeric CSV file as a stream of `[x, y]` blocks: x a Tensor [rows, features], y a Tensor
 * [rows] of the label column (float: a stream cannot know in advance that all labels are
 * integers; fit and the losses read class indices from it), or `[x]` with labelColumn 'none'.
 * Same options and the same checks and errors as io.loadCsv.
 * @example
 * ```js
 * import { writeFileSync } from 'node:fs';
 * import { data } from 'neurite';
 * writeFileSync('big.csv', 'f1,f2,y\n' + Array.from({ length: 10 }, (_, i) => `${i},${i * 2},${i % 2}`).join('\n') + '\n');
 * const rows = [];
 * for await (const [x, y] of new data.CsvDataset('big.csv', { blockRows: 4 })) rows.push(x.shape[0]); // streamed, never all in memory
 * console.log(rows); // [ 4, 4, 2 ]
 * ```
 */
export class CsvDataset implements AsyncIterable<Batch> {
  readonly path: string;
  readonly blockRows: number;
  private readonly opts: CsvOptions;
  /** Column names from the header line, once a pass has read it. */
  header: string[] | null = null;

  constructor(path: string, opts?: CsvDatasetOptions) {
    const o = csvOptions('CsvDataset', opts, ['blockRows']);
    this.path = checkPath('CsvDataset', path);
    this.blockRows = blockRowsOf('CsvDataset', o.blockRows);
    this.opts = { header: o.header, labelColumn: o.labelColumn, delimiter: o.delimiter };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    const { path, blockRows, opts } = this;
    const delim = opts.delimiter ?? ',';
    let lay: CsvLayout | null = null;
    let first = true;
    let x = new Float32Array(0);
    let y = new Float32Array(0);
    let r = 0;
    const block = (n: number): Batch => {
      const xs = n === blockRows ? x : x.slice(0, n * lay!.nfeat);
      const out: Batch = [new Tensor(xs, [n, lay!.nfeat])];
      if (lay!.label >= 0) out.push(new Tensor(n === blockRows ? y : y.slice(0, n), [n]));
      return out;
    };
    for await (const { lines, firstLine } of readLines(path, 'CsvDataset')) {
      for (let i = 0; i < lines.length; i++) {
        const text = lines[i];
        if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) continue;
        const cells = text.split(delim);
        const line = firstLine + i;
        if (first) {
          first = false;
          if (isCsvHeader(cells, opts)) { this.header = cells.map((c) => c.trim()); continue; }
        }
        if (!lay) {
          lay = csvLayout(cells.length, line, opts, path);
          x = new Float32Array(blockRows * lay.nfeat);
          y = new Float32Array(lay.label >= 0 ? blockRows : 0);
        }
        parseCsvRow(cells, line, lay, x, y, r++, path);
        if (r === blockRows) {
          yield block(r);
          x = new Float32Array(blockRows * lay.nfeat);
          y = new Float32Array(lay.label >= 0 ? blockRows : 0);
          r = 0;
        }
      }
    }
    if (!lay) throw new RangeError(`loadCsv: ${path}: no data rows`);
    if (r > 0) yield block(r);
  }
}

/** JsonlDataset's options: xKey ('x'), yKey ('y'; null for none), blockRows (4096). */
export interface JsonlDatasetOptions {
  /** Key of the features in each line's object: a number or a (nested) array of numbers. @defaultValue 'x' */
  xKey?: string;
  /** Key of the target: a number or an array of numbers; null for none. @defaultValue 'y' */
  yKey?: string | null;
  /** Rows per block read (each block is one `[x, y]` item of the stream). @defaultValue 4096 */
  blockRows?: number;
}

/** Flatten a nested array of numbers into out, recording its shape; false when it is not rectangular numbers. */
function flatten(v: unknown, out: number[], shape: number[], depth: number): boolean {
  if (typeof v === 'number') {
    if (depth !== shape.length) return false;
    out.push(v);
    return true;
  }
  if (!Array.isArray(v)) return false;
  if (shape.length === depth) shape.push(v.length);
  else if (shape[depth] !== v.length) return false;
  for (const e of v) if (!flatten(e, out, shape, depth + 1)) return false;
  return true;
}

/**
 * A newline-delimited JSON file (one object per line, e.g. `{"x": [0.1, 2], "y": 1}`) as a
 * stream of `[x, y]` blocks: x a Tensor [rows, ...shape of one x], y a Tensor [rows] (a number
 * per line) or [rows, k] (an array). Every line is checked; errors name file and line.
 * @example
 * ```js
 * import { writeFileSync } from 'node:fs';
 * import { data } from 'neurite';
 * writeFileSync('d.jsonl', '{"x": [1, 2], "y": 0}\n{"x": [3, 4], "y": 1}\n');
 * for await (const [x, y] of new data.JsonlDataset('d.jsonl')) console.log(x.shape, y.toArray()); // [ 2, 2 ] [ 0, 1 ]
 * ```
 */
export class JsonlDataset implements AsyncIterable<Batch> {
  readonly path: string;
  readonly xKey: string;
  readonly yKey: string | null;
  readonly blockRows: number;

  constructor(path: string, opts?: JsonlDatasetOptions) {
    const o = options<JsonlDatasetOptions>('JsonlDataset', opts, ['xKey', 'yKey', 'blockRows']);
    this.path = checkPath('JsonlDataset', path);
    this.xKey = o.xKey ?? 'x';
    this.yKey = o.yKey === undefined ? 'y' : o.yKey;
    if (typeof this.xKey !== 'string') throw new TypeError('JsonlDataset: xKey must be a string');
    if (this.yKey !== null && typeof this.yKey !== 'string') throw new TypeError('JsonlDataset: yKey must be a string or null');
    this.blockRows = blockRowsOf('JsonlDataset', o.blockRows);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Batch> {
    const { path, xKey, yKey, blockRows } = this;
    let xShape: number[] | null = null;
    let yShape: number[] | null = null;
    let xw = 0, yw = 0, r = 0;
    let x = new Float32Array(0), y = new Float32Array(0);
    const vals: number[] = [];
    const block = (n: number): Batch => {
      const out: Batch = [new Tensor(n === blockRows ? x : x.slice(0, n * xw), [n, ...xShape!])];
      if (yKey !== null) out.push(new Tensor(n === blockRows ? y : y.slice(0, n * yw), [n, ...yShape!]));
      return out;
    };
    const field = (obj: Record<string, unknown>, key: string, shape: number[] | null, line: number): { v: number[]; shape: number[] } => {
      if (!(key in obj)) throw new RangeError(`JsonlDataset: ${path}:${line}: no '${key}' field`);
      vals.length = 0;
      const s: number[] = [];
      if (!flatten(obj[key], vals, s, 0) || vals.some((v) => !Number.isFinite(v))) {
        throw new TypeError(`JsonlDataset: ${path}:${line}: '${key}' is not a number or a rectangular array of finite numbers`);
      }
      if (shape && fmtShape(shape) !== fmtShape(s)) throw new RangeError(`JsonlDataset: ${path}:${line}: '${key}' has shape ${fmtShape(s)}, the first line's has ${fmtShape(shape)}`);
      return { v: vals, shape: s };
    };
    for await (const { lines, firstLine } of readLines(path, 'JsonlDataset')) {
      for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() === '') continue;
        const line = firstLine + i;
        let obj: unknown;
        try { obj = JSON.parse(lines[i]); } catch (e) { throw new TypeError(`JsonlDataset: ${path}:${line}: not valid JSON (${(e as Error).message})`); }
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new TypeError(`JsonlDataset: ${path}:${line}: expected a JSON object per line`);
        const fx = field(obj as Record<string, unknown>, xKey, xShape, line);
        if (!xShape) { xShape = fx.shape; xw = Math.max(1, fx.v.length); x = new Float32Array(blockRows * xw); }
        x.set(fx.v, r * xw);
        if (yKey !== null) {
          const fy = field(obj as Record<string, unknown>, yKey, yShape, line);
          if (!yShape) { yShape = fy.shape; yw = Math.max(1, fy.v.length); y = new Float32Array(blockRows * yw); }
          y.set(fy.v, r * yw);
        }
        if (++r === blockRows) {
          yield block(r);
          x = new Float32Array(blockRows * xw);
          if (yKey !== null) y = new Float32Array(blockRows * yw);
          r = 0;
        }
      }
    }
    if (!xShape) throw new RangeError(`JsonlDataset: ${path}: no data lines`);
    if (r > 0) yield block(r);
  }
}
