// Which comparison sides exist on this machine, and for each missing one, the command that
// installs it. Nothing is downloaded here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableBackends } from '../../dist/esm/backend/index.js';

const require = createRequire(import.meta.url);
const resolves = (m) => { try { require.resolve(m); return true; } catch { return false; } };

/** A python3 that imports `mod` (Debian's packages live in /usr/bin/python3 even under pyenv). */
export function pythonWith(mod) {
  for (const py of [process.env.NEURITE_BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    const r = spawnSync(py, ['-c', `import ${mod}`], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}

export function discoverSides(threadCounts) {
  const sides = [], missing = [];
  for (const be of availableBackends()) {
    for (const t of be === 'native' ? threadCounts : [1]) {
      sides.push({ name: `neurite-${be}`, threads: t, neurite: true, be, cmd: [process.execPath, 'bench/peers/neurite.mjs'],
        env: { NEURITE_BACKEND: be, NEURITE_NUM_THREADS: String(t) } });
    }
  }
  const py = pythonWith('torch');
  if (py) {
    for (const t of threadCounts) {
      const env = { OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) };
      // as Debian ships it (OpenBLAS picks its kernel for this CPU), and its fastest setting here
      sides.push({ name: 'pytorch', threads: t, cmd: [py, 'bench/peers/torch_peer.py', String(t)], env });
      sides.push({ name: 'pytorch-skx', threads: t, cmd: [py, 'bench/peers/torch_peer.py', String(t)],
        env: { ...env, OPENBLAS_CORETYPE: 'SkylakeX' }, note: 'OPENBLAS_CORETYPE=SkylakeX' });
    }
  } else missing.push({ name: 'pytorch', install: 'apt-get install -y python3-torch' });
  if (resolves('@tensorflow/tfjs')) {
    sides.push({ name: 'tfjs-cpu', threads: 1, cmd: [process.execPath, 'bench/peers/tfjs.mjs', 'cpu'], env: {} });
    if (resolves('@tensorflow/tfjs-backend-wasm')) {
      sides.push({ name: 'tfjs-wasm', threads: 1, cmd: [process.execPath, 'bench/peers/tfjs.mjs', 'wasm'], env: {} });
    } else missing.push({ name: 'tfjs-wasm', install: 'npm install (devDependency @tensorflow/tfjs-backend-wasm)' });
  } else missing.push({ name: 'tfjs', install: 'npm install (devDependencies @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm)' });
  const onnxPy = pythonWith('onnx');
  if (!resolves('onnxruntime-node')) {
    missing.push({ name: 'onnxruntime-node', install: 'ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node' });
  } else if (!onnxPy) {
    missing.push({ name: 'onnxruntime-node (model builder)', install: 'apt-get install -y python3-onnx' });
  } else {
    for (const t of threadCounts) {
      sides.push({ name: 'onnxruntime', threads: t, cmd: [process.execPath, 'bench/peers/ort.mjs', String(t)], env: {}, onnxPy });
    }
  }
  if (!existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h')) {
    missing.push({ name: 'OpenBLAS SGEMM', install: 'apt-get install -y libopenblas-dev' });
  }
  if (!existsSync('/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4') && !existsSync('/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4')) {
    missing.push({ name: 'BLIS SGEMM', install: 'apt-get install -y libblis-dev' });
  }
  return { sides, missing, onnxPy };
}
