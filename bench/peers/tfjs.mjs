// TensorFlow.js as a comparison side: `node bench/peers/tfjs.mjs cpu|wasm`. Models are written
// as a tfjs user would for speed: fused matMul + bias + activation (what tf.layers.dense runs),
// kernels stored [in, out] as tfjs keeps them.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serve } from './serve.mjs';
import { MLPS } from '../lib/data.mjs';
import { caseById } from '../lib/cases.mjs';

const which = process.argv[2] || 'cpu';
const require = createRequire(import.meta.url);
const log = console.log;
console.log = () => {}; // tfjs greets on stdout
const tf = await import('@tensorflow/tfjs');
if (which === 'wasm') {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
}
await tf.setBackend(which);
await tf.ready();
console.log = log;

/** Linear weight [out, in] (PyTorch layout) -> tfjs kernel [in, out]. */
function kernel(w, out, inp) {
  const k = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) k[i * out + o] = w[o * inp + i];
  return tf.variable(tf.tensor2d(k, [inp, out]));
}

function mlpVars(sizes, d) {
  const L = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    L.push({ k: kernel(d[`w${l + 1}`], sizes[l + 1], sizes[l]), b: tf.variable(tf.tensor1d(d[`b${l + 1}`])) });
  }
  return L;
}

const forward = (L, x, act = 'relu') => L.reduce((h, { k, b }, i) =>
  tf.fused.matMul({ a: h, b: k, bias: b, activation: i + 1 < L.length ? act : 'linear' }), x);

const gelu = (x) => tf.tidy(() => x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5));

function trainer(id, d) {
  const w3 = id.startsWith('W3');
  const L = mlpVars(w3 ? MLPS.w3 : MLPS.seed, d);
  const x = tf.tensor2d(d.x, w3 ? [128, 784] : [32, 10]);
  const y = w3 ? tf.oneHot(tf.tensor1d(Int32Array.from(d.y), 'int32'), 10) : tf.tensor2d(d.y, [32, 1]);
  // epsilon 1e-8 as PyTorch, so the numerics check compares like with like
  const opt = id === 'W3_adam' ? tf.train.adam(1e-3, 0.9, 0.999, 1e-8) : tf.train.sgd(0.01);
  const lossFn = () => {
    const out = forward(L, x);
    return w3 ? tf.losses.softmaxCrossEntropy(y, out) : tf.losses.meanSquaredError(y, out);
  };
  const step = () => { const l = opt.minimize(lossFn, true); const v = l.dataSync()[0]; l.dispose(); return v; };
  return { L, step };
}

serve(() => ({ name: `tfjs-${which}`, version: tf.version.tfjs }), (id, d) => {
  const c = caseById(id);
  if (id === 'W1' || id === 'W2') {
    const L = id === 'W1' ? mlpVars(MLPS.seed, d) : mlpVars([512, 2048, 512], d);
    const x = id === 'W1' ? tf.tensor2d(d.x, [32, 10]) : tf.tensor2d(d.x, [512, 512]);
    const run = id === 'W1' ? () => forward(L, x)
      : () => tf.fused.matMul({ a: gelu(tf.fused.matMul({ a: x, b: L[0].k, bias: L[0].b })), b: L[1].k, bias: L[1].b });
    const fn = () => { const y = tf.tidy(run); y.dataSync(); y.dispose(); };
    return { fn, result: () => { const y = tf.tidy(run); const r = y.dataSync().slice(); y.dispose(); return r; } };
  }
  if (id.startsWith('W3') || id === 'W4') {
    const { step } = trainer(id, d);
    return { fn: step, result: () => {
      const t = trainer(id, d);
      const last = t.L[t.L.length - 1];
      const w0 = last.k.dataSync().slice(), b0 = last.b.dataSync().slice();
      const l0 = t.step(), l1 = t.step();
      const w1 = last.k.dataSync(), b1 = last.b.dataSync();
      const [inp, out] = last.k.shape;
      const r = [l0, l1];
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) r.push(w1[i * out + o] - w0[i * out + o]);
      for (let o = 0; o < out; o++) r.push(b1[o] - b0[o]);
      return Float32Array.from(r);
    } };
  }
  if (c.shape) {
    const { M, N, K } = c.shape;
    const a = tf.tensor2d(d.a, [M, K]), b = tf.tensor2d(d.b, [K, N]);
    const fn = () => { const y = tf.matMul(a, b); y.dataSync(); y.dispose(); };
    return { fn, result: () => { const y = tf.matMul(a, b); const r = y.dataSync().slice(); y.dispose(); return r; } };
  }
  return { skip: 'not measured for tfjs' };
});
