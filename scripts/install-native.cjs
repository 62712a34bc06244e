// `npm install` hook: use a prebuild or an existing build if one loads, else compile the addon
// with node-gyp against the local Node headers. Never fails the install: without a compiler
// neurite runs on its js backend (lib/backend/index.ts prints the one warning at run time).
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');

function loads() {
  try {
    require('node-gyp-build')(root);
    return true;
  } catch {
    return false;
  }
}

function nodeGyp() {
  // npm exports its bundled node-gyp to scripts; then a local one; then PATH.
  const candidates = [process.env.npm_config_node_gyp];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })); } catch { /* none */ }
  const npmDir = process.env.npm_execpath ? path.dirname(path.dirname(process.env.npm_execpath)) : null;
  if (npmDir) candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  // npm installed next to node (run outside npm): <prefix>/lib/node_modules/npm
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const c of candidates) if (c && fs.existsSync(c)) return [process.execPath, c];
  return ['node-gyp'];
}

if (process.env.NEURITE_SKIP_NATIVE === '1') process.exit(0);
if (!process.argv.includes('--force') && loads()) process.exit(0);

// The local Node headers: npm's nodedir, else the prefix node runs from. Never a download.
function nodeDir() {
  const prefix = process.config.variables.node_prefix;
  const dirs = [process.env.npm_config_nodedir, prefix, path.dirname(path.dirname(process.execPath)), '/usr', '/usr/local'];
  return dirs.find((d) => d && fs.existsSync(path.join(d, 'include', 'node', 'node_api.h'))) ?? null;
}

const dir = nodeDir();
if (dir === null) {
  if (process.argv.includes('--strict')) { console.error('neurite: no local Node headers found'); process.exit(1); }
  process.stdout.write('neurite: no local Node headers (include/node/node_api.h), native addon not built; the js backend will be used\n');
  process.exit(0);
}
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--release', '-j', 'max', `--nodedir=${dir}`];
if (process.argv.includes('--strict')) {
  // npm run build:native: a developer build, loud and failing on error.
  const s = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  process.exit(s.status === 0 && loads() ? 0 : 1);
}
const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
const log = path.join(root, 'build', 'neurite-install.log');
if (r.status === 0 && loads()) {
  fs.rmSync(log, { force: true }); // lib/backend/native.ts reads its presence as "the install-time compile failed"
  process.exit(0);
}

try {
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, `${r.error ? String(r.error) : ''}\n${r.stdout ?? ''}\n${r.stderr ?? ''}`);
} catch { /* the message below is enough */ }
process.stdout.write(`neurite: native addon not built (${r.error ? r.error.message : `node-gyp exit ${r.status}`}; log: ${log}); the js backend will be used\n`);
process.exit(0);
