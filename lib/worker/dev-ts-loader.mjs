// Module hooks for worker threads started from the TypeScript sources (vitest runs lib/*.ts
// directly; the shipped build never uses this file): './x.js' imports resolve to './x.ts'
// when only the .ts exists, and .ts files load as the JavaScript the spawning thread already
// made of them (passed in `data`, so each worker does not start its own compiler), or are
// stripped of types with esbuild (vitest's own dependency) when not given.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let sources = {};
export function initialize(data) {
  sources = data?.sources ?? {};
}

export async function resolve(spec, ctx, next) {
  if (ctx.parentURL?.endsWith('.ts') && /^\.{1,2}\//.test(spec) && spec.endsWith('.js')) {
    const js = new URL(spec, ctx.parentURL);
    if (!existsSync(fileURLToPath(js))) {
      return { url: new URL(spec.slice(0, -3) + '.ts', ctx.parentURL).href, format: 'module', shortCircuit: true };
    }
  }
  return next(spec, ctx);
}

export async function load(url, ctx, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    let source = sources[url];
    if (source === undefined) {
      const { transformSync } = await import('esbuild');
      const file = fileURLToPath(url);
      source = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', sourcefile: file, target: 'es2022' }).code;
    }
    return { format: 'module', source, shortCircuit: true };
  }
  return next(url, ctx);
}
