#!/usr/bin/env node
// The `neurite` command. Runs the compiled library (dist/); `npm run build` makes it in a checkout.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'esm', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`neurite: error: ${entry} is missing; run 'npm run build' in ${root} first\n`);
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2), { root });
