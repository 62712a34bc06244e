/**
 * Atomic file replacement: write a temporary file in the same directory, fsync it, rename it
 * over the target, fsync the directory. A process killed at any point leaves either the old
 * file or the new one (rename is atomic within a file system), never a torn mix.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsError } from './fsutil.js';

let counter = 0;

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
}

/** Temporary files of earlier writers that died mid-write (their process is gone). */
function staleTemps(path: string): string[] {
  const dir = dirname(path);
  const re = new RegExp(`^\\.${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.\\d+\\.tmp$`);
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  return names.filter((n) => {
    const m = re.exec(n);
    if (!m || Number(m[1]) === process.pid) return false;
    try { process.kill(Number(m[1]), 0); return false; } catch (e) { return (e as NodeJS.ErrnoException).code === 'ESRCH'; }
  }).map((n) => join(dir, n));
}

function syncDir(dir: string): void {
  // Directories cannot be opened for fsync on every platform (Windows); the rename still holds.
  let fd = -1;
  try { fd = fs.openSync(dir, 'r'); fs.fsyncSync(fd); } catch { /* best effort */ } finally { if (fd >= 0) fs.closeSync(fd); }
}

/**
 * writeFileAtomic, synchronously.
 * @example
 * ```js
 * import { readFileSync } from 'node:fs';
 * import { io } from 'neurite';
 * io.writeFileAtomicSync('out.txt', Buffer.from('hello'));
 * console.log(readFileSync('out.txt', 'utf8')); // hello
 * ```
 */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  for (const t of staleTemps(path)) fs.rmSync(t, { force: true });
  const tmp = tempName(path);
  let fd = -1;
  try {
    fd = fs.openSync(tmp, 'w', 0o644);
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw fsError('write', path, e);
  }
  syncDir(dirname(path));
}

/**
 * Write bytes to path atomically: a temporary file, fsync, rename over the old one, fsync the directory.
 * @example
 * ```js
 * import { readFileSync } from 'node:fs';
 * import { io } from 'neurite';
 * await io.writeFileAtomic('out.bin', new Uint8Array([1, 2, 3])); // temp file + fsync + rename: never half-written
 * console.log([...readFileSync('out.bin')]); // [ 1, 2, 3 ]
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  for (const t of staleTemps(path)) await fs.promises.rm(t, { force: true });
  const tmp = tempName(path);
  let fh: fs.promises.FileHandle | null = null;
  try {
    fh = await fs.promises.open(tmp, 'w', 0o644);
    let off = 0;
    while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
    await fh.sync();
    await fh.close();
    fh = null;
    await fs.promises.rename(tmp, path);
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw fsError('write', path, e);
  }
  let dh: fs.promises.FileHandle | null = null;
  try { dh = await fs.promises.open(dirname(path), 'r'); await dh.sync(); } catch { /* best effort, as above */ } finally { await dh?.close(); }
}
