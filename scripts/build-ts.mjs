// Compiles lib/ to dist/esm (ESM + types) and dist/cjs (CommonJS), marking the CJS folder as such.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// no wholesale delete of dist/ in a checkout: tsc overwrites, and concurrent builds must not race on a
// missing folder; but `npm pack`/`npm publish` (which run `prepare`) start clean so that no file of a
// deleted source ships in the tarball.
if (process.env.npm_command === 'pack' || process.env.npm_command === 'publish') rmSync('dist', { recursive: true, force: true });
for (const cfg of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', cfg], { stdio: 'inherit' });
}
mkdirSync('dist/cjs', { recursive: true });
writeFileSync('dist/cjs/package.json', '{"type":"commonjs"}\n');
