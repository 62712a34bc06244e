// onnxruntime-node as a comparison side for inference (W1, W2): `node bench/peers/ort.mjs THREADS`.
// The models come from make_onnx.py (run by the parent before the first setup).
import { join } from 'node:path';
import { serve } from './serve.mjs';

const threads = Number(process.argv[2] || 1);
const ort = await import('onnxruntime-node');
const pkg = (await import('onnxruntime-node/package.json', { with: { type: 'json' } })).default;

serve(() => ({ name: 'onnxruntime-node', version: pkg.version, threads }), async (id, d, dir) => {
  if (id !== 'W1' && id !== 'W2') return { skip: 'inference only (W1, W2)' };
  const session = await ort.InferenceSession.create(join(process.env.NEURITE_BENCH_DATA, `${id}.onnx`), {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const x = new ort.Tensor('float32', d.x, id === 'W1' ? [32, 10] : [8, 64, 512]);
  const out = session.outputNames[0];
  const fn = () => session.run({ x });
  return { fn, async: true, result: async () => (await fn())[out].data.slice() };
});
