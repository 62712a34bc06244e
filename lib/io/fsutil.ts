/** File reads whose errors name the file and the reason in words, not an errno dump. */
import * as fs from 'node:fs';

/** Turn a Node fs error into one readable line naming the operation and the path. */
export function fsError(op: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code === 'ENOENT' ? 'no such file'
    : code === 'EISDIR' ? 'is a directory, not a file'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'ENOSPC' ? 'no space left on the device'
          : (e as Error)?.message ?? String(e);
  const err = new Error(`${op}: ${path}: ${why}`);
  (err as NodeJS.ErrnoException).code = code;
  return err;
}

export function readFileSync(path: string, op: string): Buffer {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: expected a file path, got ${JSON.stringify(path)}`);
  try {
    return fs.readFileSync(path);
  } catch (e) {
    throw fsError(op, path, e);
  }
}

export async function readFile(path: string, op: string): Promise<Buffer> {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: expected a file path, got ${JSON.stringify(path)}`);
  try {
    return await fs.promises.readFile(path);
  } catch (e) {
    throw fsError(op, path, e);
  }
}
