// Builds the optional MPI addon (native/mpi/mpi_addon.cc) against the MPI installed here, with
// the flags its compiler wrapper reports (Open MPI: mpicc --showme:*, MPICH: mpicc -compile-info)
// or, failing that, pkg-config. Never fails `npm install`: without MPI there is no addon and
// `distributed.init()` says how to install MPI. Output: build-mpi/<impl>/neurite_mpi.node (outside build/, which node-gyp rebuild wipes), and
// build-mpi/neurite_mpi.node for the default implementation (the one `mpicc` is).
//   node scripts/build-mpi.cjs [--strict] [--impl openmpi|mpich|default]
'use strict';
const { spawnSync } = require('child_process');
const path = require('path');
const fs = require('fs');

const root = path.join(__dirname, '..');
const strict = process.argv.includes('--strict');
const implArg = process.argv.includes('--impl') ? process.argv[process.argv.indexOf('--impl') + 1] : 'default';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
const split = (s) => s.split(/\s+/).filter(Boolean);

/** Compile and link flags of one MPI implementation, or null when it is not installed. */
function mpiFlags(impl) {
  const wrapper = impl === 'default' ? 'mpicc' : `mpicc.${impl}`;
  // Open MPI's wrapper
  const c = run(wrapper, ['--showme:compile']);
  const l = run(wrapper, ['--showme:link']);
  if (c !== null && l !== null) return { wrapper, cflags: split(c), libs: split(l) };
  // MPICH's wrapper: `-compile-info` / `-link-info` print the whole compiler line
  const ci = run(wrapper, ['-compile-info']);
  const li = run(wrapper, ['-link-info']);
  if (ci !== null && li !== null) {
    const keep = (s) => split(s).slice(1).filter((f) => /^-(I|L|l|Wl|D|pthread)/.test(f));
    return { wrapper, cflags: keep(ci), libs: keep(li) };
  }
  const pc = { openmpi: 'ompi', mpich: 'mpich', default: 'ompi' }[impl];
  const pcc = run('pkg-config', ['--cflags', pc]);
  const pcl = run('pkg-config', ['--libs', pc]);
  if (pcc !== null && pcl !== null) return { wrapper: `pkg-config ${pc}`, cflags: split(pcc), libs: split(pcl) };
  return null;
}

function nodeInclude() {
  const prefix = process.config.variables.node_prefix;
  const dirs = [process.env.npm_config_nodedir, prefix, path.dirname(path.dirname(process.execPath)), '/usr', '/usr/local'];
  const d = dirs.find((x) => x && fs.existsSync(path.join(x, 'include', 'node', 'node_api.h')));
  return d ? path.join(d, 'include', 'node') : null;
}

function fail(msg) {
  if (strict) { console.error(`neurite: MPI addon: ${msg}`); process.exit(1); }
  // quiet on machines without MPI: the addon is optional
  if (process.env.NEURITE_MPI_VERBOSE) console.log(`neurite: MPI addon not built: ${msg}`);
  process.exit(0);
}

if (process.env.NEURITE_SKIP_NATIVE === '1' || process.env.NEURITE_SKIP_MPI === '1') process.exit(0);
const flags = mpiFlags(implArg);
if (flags === null) fail(`no MPI found (${implArg === 'default' ? 'mpicc' : `mpicc.${implArg}`}, pkg-config); install Open MPI: apt-get install libopenmpi-dev openmpi-bin`);
const inc = nodeInclude();
if (inc === null) fail('no local Node headers (include/node/node_api.h)');
const cxx = process.env.CXX || 'g++';
const version = run(flags.wrapper.split(' ')[0], flags.wrapper.startsWith('pkg-config') ? ['--modversion', 'ompi'] : ['--version']) ?? '';
const impl = implArg !== 'default' ? implArg : /Open MPI|openmpi/i.test(flags.libs.join(' ') + version) ? 'openmpi' : 'mpich';
// NEURITE_MPI_OUT: another output root (test:sanitize builds its instrumented copy into build-sanitize/mpi)
const outRoot = process.env.NEURITE_MPI_OUT || path.join(root, 'build-mpi');
const outDir = path.join(outRoot, impl);
fs.mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, 'neurite_mpi.node');
const rpath = flags.libs.filter((f) => f.startsWith('-L')).map((f) => `-Wl,-rpath,${f.slice(2)}`);
const args = ['-O2', '-std=c++17', '-shared', '-fPIC', '-fexceptions', '-DNAPI_VERSION=8', `-I${inc}`, ...flags.cflags,
  path.join(root, 'native', 'mpi', 'mpi_addon.cc'), '-o', out, ...flags.libs, ...rpath, '-lpthread'];
if (process.env.NEURITE_MPI_SANITIZE === '1') args.unshift('-fsanitize=address,undefined', '-fno-omit-frame-pointer');
const r = spawnSync(cxx, args, { cwd: root, encoding: 'utf8' });
if (r.status !== 0) fail(`${cxx} failed:\n${r.stderr || r.error}`);
if (implArg === 'default') fs.copyFileSync(out, path.join(outRoot, 'neurite_mpi.node'));
if (strict || process.env.NEURITE_MPI_VERBOSE) console.log(`neurite: MPI addon built against ${impl} (${flags.wrapper}): ${out}`);
