import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io, Tensor } from '../lib/index.js';

const DATA = resolve(__dirname, '..', 'data');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-csv-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadCsv', () => {
  it('loads the bundled digits (gzip) as 1797 x 64 pixels and labels 0..9', async () => {
    const { x, y, header } = await io.loadCsv(join(DATA, 'digits.csv.gz'));
    expect(x.shape).toEqual([1797, 64]);
    expect(y).toBeInstanceOf(Int32Array);
    expect((y as Int32Array).length).toBe(1797);
    expect(new Set(y as Int32Array)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(Array.from(x.data.subarray(0, 8))).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(Math.max(...x.data)).toBe(16);
    expect(header).toBeNull();
  });

  it('skips the sklearn header line of breast_cancer.csv (569 x 30, classes 0/1)', () => {
    const { x, y, header } = io.loadCsvSync(join(DATA, 'breast_cancer.csv'));
    expect(header).toEqual(['569', '30', 'malignant', 'benign']);
    expect(x.shape).toEqual([569, 30]);
    expect(x.data[0]).toBe(Math.fround(17.99));
    expect(new Set(y as Int32Array)).toEqual(new Set([0, 1]));
  });

  it('handles CRLF, blank lines, a BOM, quotes, other label columns, and real-valued targets', () => {
    const p = file('a.csv', '\ufeffa,b,c\r\n1,"2.5",0\r\n\r\n-3e2, 4 ,1\r\n');
    const last = io.loadCsvSync(p);
    expect(last.x.shape).toEqual([2, 2]);
    expect(Array.from(last.x.data)).toEqual([1, 2.5, -300, 4]);
    expect(Array.from(last.y as Int32Array)).toEqual([0, 1]);
    const first = io.loadCsvSync(p, { labelColumn: 'first' });
    expect(Array.from(first.x.data)).toEqual([2.5, 0, 4, 1]);
    expect(first.y).toBeInstanceOf(Tensor);
    expect(Array.from((first.y as Tensor).data)).toEqual([1, -300]);
    const none = io.loadCsvSync(p, { labelColumn: 'none' });
    expect(none.x.shape).toEqual([2, 3]);
    expect(none.y).toBeNull();
    expect(io.loadCsvSync(p, { labelColumn: 1 }).x.shape).toEqual([2, 2]);
  });

  it('reads cells strictly as decimal numbers, with the values Number() gives them', () => {
    const ok = io.parseCsv(' 1.5 ,"2",+.5,5.,-1e-3,007,1e999,0\n', { labelColumn: 'none', header: false });
    expect(Array.from(ok.x.data)).toEqual([1.5, 2, 0.5, 5, Math.fround(-1e-3), 7, Infinity, 0]);
    for (const bad of ['0x10', '0b1', '0o7', '-Infinity', '+Infinity', 'Infinity', '1_0', '1 2', '.', '-', '1e', '0X1F']) {
      expect(() => io.parseCsv(`1,${bad},0\n`, { header: false }), bad).toThrow(/column 2 is not a number/);
    }
  });

  it('detects gzip from the bytes, whatever the name', () => {
    const p = file('zipped.csv', gzipSync('1,2,1\n3,4,0\n'));
    expect(Array.from(io.loadCsvSync(p).x.data)).toEqual([1, 2, 3, 4]);
  });

  const bad: [string, string | Buffer, RegExp][] = [
    ['a ragged row', '1,2,0\n3,4,1\n5,1\n', /ragged\.csv:3: expected 3 columns \(as line 1\), got 2/],
    ['a non-numeric cell', 'x,y,label\n1,2,0\n3,abc,1\n', /nonnum\.csv:3: column 2 is not a number: 'abc'/],
    ['an empty cell', '1,2,0\n,4,1\n', /empty\.csv:2: column 1 is not a number: an empty cell/],
    ['NaN written out', '1,2,0\n3,NaN,1\n', /nan\.csv:2: column 2 is not a number: 'NaN'/],
    ['no rows', 'a,b,c\n', /norows\.csv: no data rows/],
    ['one column', '1\n2\n', /onecol\.csv: 1 column\(s\) leave no feature column/],
    ['corrupt gzip', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), /badgz\.csv: the gzip data is corrupt/],
  ];
  it.each(bad)('reports %s with file, line and column', (_n, text, msg) => {
    const name = String(msg.source.match(/^(\w+)\\\.csv/)?.[1]) + '.csv';
    const p = file(name, text);
    expect(() => io.loadCsvSync(p)).toThrow(msg);
  });

  it('names a missing file', async () => {
    await expect(io.loadCsv(join(dir, 'nope.csv'))).rejects.toThrow(/loadCsv: .*nope\.csv: no such file/);
    expect(() => io.loadCsvSync(join(dir, 'a.csv'), { labelColumn: 7 })).toThrow(/labelColumn 7 is outside the 3 columns/);
  });
});
