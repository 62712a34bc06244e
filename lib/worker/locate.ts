/**
 * Where this library's files are, in every form it runs in: compiled ESM (dist/esm), compiled
 * CommonJS (dist/cjs) and the TypeScript sources (vitest). `import.meta.url` cannot appear in
 * the CommonJS build and `__filename` does not exist in ESM, so the location comes from the
 * V8 call site of this function, which names the file that is actually running.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

function thisFile(): string {
  const prev = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_e, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    const name = sites[0]?.getFileName();
    if (!name) throw new Error('neurite: cannot locate its own files on disk (no file name in the call site)');
    return name.startsWith('file:') ? fileURLToPath(name) : name;
  } finally {
    Error.prepareStackTrace = prev;
  }
}

/** The library root (the folder holding serve/, train/, nn/ ...) and the source extension. */
export function libRoot(): { dir: string; ext: '.js' | '.ts' } {
  const f = thisFile();
  return { dir: dirname(dirname(f)), ext: f.endsWith('.ts') ? '.ts' : '.js' };
}

/** file: URL of a library file given its path under the root without extension ('train/train-worker'). */
export function libFileUrl(rel: string): URL {
  const { dir, ext } = libRoot();
  return pathToFileURL(join(dir, rel + ext));
}
