#!/usr/bin/env node
// The `neurite` command. Runs the compiled library (dist/): the package ships it, `npm run build` makes it in a checkout.
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'esm', 'cli', 'main.js');
if (!existsSync(entry)) {
  const fix = root.split(sep).includes('node_modules')
    ? 'the installed package is incomplete; reinstall it (npm install neurite, or your tarball / git URL again)'
    : `run 'npm run build' in ${root} first`;
  process.stderr.write(`neurite: error: ${entry} is missing; ${fix}\n`);
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2), { root });
