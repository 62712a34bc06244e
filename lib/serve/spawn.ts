/**
 * Start a worker thread running one of the library's worker entry files. From the compiled
 * build the entry is a plain .js file; from the TypeScript sources (tests) the worker first
 * registers dev-ts-loader.mjs so it can import .ts files.
 */
import { Worker } from 'node:worker_threads';
import { libFileUrl, libRoot } from './locate.js';

export type WorkerEntry = 'train/train-worker' | 'serve/infer-worker';

export function spawnLibWorker(entry: WorkerEntry): Worker {
  const url = libFileUrl(entry);
  if (libRoot().ext === '.js') return new Worker(url);
  const loader = libFileUrl('serve/dev-ts-loader').href.replace(/\.ts$/, '.mjs');
  const code = `require('node:module').register(${JSON.stringify(loader)});\n` +
    `import(${JSON.stringify(url.href)}).catch((e) => { process.nextTick(() => { throw e; }); });`;
  return new Worker(code, { eval: true });
}
