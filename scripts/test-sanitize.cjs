// npm run test:sanitize: builds the kernels, their C++ tests and the addon with
// -fsanitize=address,undefined into build-sanitize/ (CMake, no cmake-js needed), runs the C++
// tests (ctest), then the whole vitest suite against that addon (NEURITE_ADDON_PATH) with
// libasan preloaded into node. Any sanitizer report aborts the process and fails the run.
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

const jobs = String(require('os').availableParallelism?.() ?? 2);
run('cmake', ['-S', root, '-B', dir, '-DNEURITE_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
run('cmake', ['--build', dir, '-j', jobs]);

const san = { ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
// bf16_test's sweep of all 2^32 float patterns takes a minute unsanitized (ctest runs it in the
// plain build); here it runs with --quick (every kernel and rounding case, not the sweep)
run('ctest', ['--test-dir', dir, '--output-on-failure', '-E', '^bf16_test$'], { ...process.env, ...san });
run(path.join(dir, 'bf16_test'), ['--quick'], { ...process.env, ...san });

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
run(process.execPath, [vitest, 'run', ...process.argv.slice(2)], env);
console.log('test:sanitize: clean');
