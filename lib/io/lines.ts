/**
 * Text files read line by line in bounded memory (plain or gzip-compressed, detected from the
 * first bytes): the reader under the streaming CSV and newline-delimited JSON datasets.
 */
import * as fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import { StringDecoder } from 'node:string_decoder';
import { fsError } from './fsutil.js';

/** The lines of one chunk of the file, and the 1-based number of the first of them. */
export interface LineChunk { lines: string[]; firstLine: number }

function isGzip(path: string, op: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fsError(op, path, e);
  }
  try {
    const head = Buffer.alloc(2);
    const n = fs.readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (e) {
    throw fsError(op, path, e);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The file's lines (without their '\n' or '\r\n', a leading BOM removed), a chunk at a time:
 * memory holds one read buffer (highWaterMark bytes) and its lines, never the file.
 */
export async function* readLines(path: string, op: string, highWaterMark = 1 << 20): AsyncGenerator<LineChunk> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: expected a file path, got ${JSON.stringify(path)}`);
  const gz = isGzip(path, op);
  const file = fs.createReadStream(path, { highWaterMark });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: 1 << 16 })) : file;
  if (gz) file.on('error', (e) => stream.destroy(e));
  const dec = new StringDecoder('utf8');
  let rest = '';
  let line = 1;
  let first = true;
  try {
    for await (const buf of stream as AsyncIterable<Buffer>) {
      let text = rest + dec.write(buf);
      if (first && text.length > 0) { if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); first = false; }
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
      if (lines.length > 0) { yield { lines, firstLine: line }; line += lines.length; }
    }
  } catch (e) {
    const code = String((e as NodeJS.ErrnoException).code ?? '');
    if (code.startsWith('Z_')) throw new RangeError(`${op}: ${path}: the gzip data is corrupt (${(e as Error).message})`);
    throw fsError(op, path, e);
  } finally {
    stream.destroy();
    file.destroy();
  }
  rest += dec.end();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest.length > 0) yield { lines: [rest], firstLine: line };
}
