/**
 * Start a worker thread running one of the library's worker entry files. From the compiled
 * build the entry is a plain .js file; from the TypeScript sources (tests) the worker first
 * registers dev-ts-loader.mjs so it can import .ts files, handing it the library already
 * transpiled once per process (a compiler per worker would cost about a second each).
 */
import { Worker } from 'node:worker_threads';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { libFileUrl, libRoot } from './locate.js';

export type WorkerEntry = 'train/train-worker' | 'serve/infer-worker';

let devSources: Record<string, string> | null = null;

function transpiledLibrary(): Record<string, string> {
  if (devSources) return devSources;
  const { dir } = libRoot();
  const esbuild = createRequire(join(dir, 'index.ts'))('esbuild') as {
    transformSync(src: string, o: object): { code: string };
  };
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        out[pathToFileURL(p).href] = esbuild.transformSync(readFileSync(p, 'utf8'), { loader: 'ts', format: 'esm', sourcefile: p, target: 'es2022' }).code;
      }
    }
  };
  walk(dir);
  return (devSources = out);
}

/** Why the entry file cannot start (the library was bundled into one file), or null. */
const unavailable = new Map<WorkerEntry, string | null>();
export function workerUnavailable(entry: WorkerEntry): string | null {
  let why = unavailable.get(entry);
  if (why === undefined) {
    const file = fileURLToPath(libFileUrl(entry));
    why = existsSync(file) ? null : `the worker entry ${file} does not exist (was neurite bundled into one file?)`;
    unavailable.set(entry, why);
  }
  return why;
}

/**
 * The Node options a worker inherits, without --input-type: it applies to the main thread's string input
 * (`node --input-type=module -e ...`, stdin) and a worker given it refuses to load its entry file
 * (ERR_INPUT_TYPE_NOT_ALLOWED, thrown where nothing can catch it).
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--input-type=')) continue;
    if (argv[i] === '--input-type') { i++; continue; }
    out.push(argv[i]);
  }
  return out;
}

export function spawnLibWorker(entry: WorkerEntry): Worker {
  const url = libFileUrl(entry);
  if (libRoot().ext === '.js') return new Worker(url, { execArgv: workerExecArgv() });
  const loader = libFileUrl('worker/dev-ts-loader').href.replace(/\.ts$/, '.mjs');
  const code = `const { workerData } = require('node:worker_threads');\n` +
    `require('node:module').register(${JSON.stringify(loader)}, { data: { sources: workerData.devSources } });\n` +
    `import(${JSON.stringify(url.href)}).catch((e) => { process.nextTick(() => { throw e; }); });`;
  return new Worker(code, { eval: true, execArgv: workerExecArgv(), workerData: { devSources: transpiledLibrary() } });
}
