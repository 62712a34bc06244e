// npm run test:sanitize: builds the kernels, their C++ tests and the addon with
// -fsanitize=address,undefined into build-sanitize/ (CMake, no cmake-js needed), runs the C++
// tests (ctest), then the vitest suite (but for bench.test.ts and docs.test.ts) against that addon (NEURITE_ADDON_PATH) with
// libasan preloaded into node. Any sanitizer report aborts the process and fails the run.
// `npm run test:sanitize -- --mpi`: instead, the MPI addon built with the same flags into
// build-sanitize/mpi/<impl> (Open MPI and MPICH, where installed) and the multi-process suite
// (test/mpi, every rank preloaded) against it; not in CI's sanitizer step (a minute more).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'build-sanitize');
const run = (cmd, args, env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: env ?? process.env });
  if (r.status !== 0) {
    console.error(`test:sanitize: ${cmd} ${args.join(' ')} failed (${r.signal ?? `exit ${r.status}`})`);
    process.exit(1);
  }
};

const mpi = process.argv.includes('--mpi');
const jobs = String(require('os').availableParallelism?.() ?? 2);
run('cmake', ['-S', root, '-B', dir, '-DNEURITE_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
run('cmake', ['--build', dir, '-j', jobs]);

const san = { ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
// bf16_test's sweep of all 2^32 float patterns takes a minute unsanitized (ctest runs it in the
// plain build); here it runs with --quick (every kernel and rounding case, not the sweep)
if (!mpi) {
  run('ctest', ['--test-dir', dir, '--output-on-failure', '-E', '^bf16_test$'], { ...process.env, ...san });
  run(path.join(dir, 'bf16_test'), ['--quick'], { ...process.env, ...san });
}

const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const env = {
  ...process.env,
  ...san,
  // node itself is not instrumented: preload the runtime, and skip leak checks (V8 keeps heaps
  // alive at exit by design)
  LD_PRELOAD: libasan,
  NEURITE_ADDON_PATH: path.join(dir, 'Release', 'neurite.node'),
  NEURITE_BACKEND: 'native',
};
run(process.execPath, ['-e', `if (!require(process.env.NEURITE_ADDON_PATH).info().sanitized) { console.error('the addon is not the sanitizer build'); process.exit(1); }`], env);
const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
if (mpi) {
  const mpiDir = path.join(dir, 'mpi');
  const built = [];
  for (const impl of ['openmpi', 'mpich']) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'build-mpi.cjs'), '--strict', '--impl', impl],
      { cwd: root, stdio: 'inherit', env: { ...process.env, NEURITE_MPI_SANITIZE: '1', NEURITE_MPI_OUT: mpiDir } });
    if (r.status === 0) built.push(impl);
  }
  if (built.length === 0) { console.error('test:sanitize --mpi: no MPI addon built (apt-get install libopenmpi-dev openmpi-bin)'); process.exit(1); }
  for (const impl of built) {
    run(process.execPath, ['-e', `if (!require(${JSON.stringify(path.join(mpiDir, impl, 'neurite_mpi.node'))}).info().sanitized) { console.error('the ${impl} MPI addon is not the sanitizer build'); process.exit(1); }`], env);
  }
  run(process.execPath, [vitest, 'run', '--config', 'test/mpi/vitest.config.ts', ...process.argv.slice(2).filter((a) => a !== '--mpi')], { ...env, NEURITE_MPI_ADDON_DIR: mpiDir });
  console.log(`test:sanitize --mpi: clean (${built.join(', ')})`);
  process.exit(0);
}
// without the files that only run child processes over the same kernels (the benchmarks' smoke runs, the guides'
// code blocks): their native paths are the in-process suites', and they cost CI about half a minute under ASan
// (CI's budget is 25 minutes on 2 cores); named test files on the command line run as given
const args = process.argv.slice(2);
const skip = args.some((x) => !x.startsWith('-')) ? [] : ['--exclude', 'test/bench.test.ts', '--exclude', 'test/docs.test.ts'];
run(process.execPath, [vitest, 'run', ...skip, ...args], env);
console.log('test:sanitize: clean');
