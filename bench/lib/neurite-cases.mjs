// neurite's side of every case: set up from the workload's data, return the call to time and
// the result that the comparison checks against the peers'. Uses the built package (dist/), as
// a user would; run `npm run build` first (npm run bench does).
import * as nt from '../../dist/esm/index.js';
import { getBackend } from '../../dist/esm/backend/index.js';
import { MLPS } from './data.mjs';
import { caseById } from './cases.mjs';

const { nn, F, optim, tensor, noGrad } = nt;

const ACT_FN = {
  relu: (x) => F.relu(x),
  leaky_relu: (x) => F.leakyRelu(x, 0.01),
  gelu: (x) => F.gelu(x),
  gelu_tanh: (x) => F.gelu(x, { approximate: 'tanh' }),
  sigmoid: (x) => F.sigmoid(x),
  tanh: (x) => F.tanh(x),
  elu: (x) => F.elu(x),
};

/** Sequential(Linear, act, Linear, act, ..., Linear) with the workload's weights. */
function mlp(sizes, d, Act = nn.ReLU) {
  const mods = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const lin = new nn.Linear(sizes[l], sizes[l + 1]);
    lin.weight.data.set(d[`w${l + 1}`]);
    lin.bias.data.set(d[`b${l + 1}`]);
    mods.push(lin);
    if (l + 2 < sizes.length) mods.push(new Act());
  }
  return new nn.Sequential(...mods);
}

function trainer(id, d) {
  const w3 = id.startsWith('W3');
  const model = mlp(w3 ? MLPS.w3 : MLPS.seed, d);
  const x = tensor(d.x, w3 ? [128, 784] : [32, 10]);
  const target = w3 ? Int32Array.from(d.y) : tensor(d.y, [32, 1]);
  const params = model.parameters();
  const opt = id === 'W3_adam' ? new optim.Adam(params, { lr: 1e-3 }) : new optim.SGD(params, { lr: 0.01 });
  const step = () => {
    opt.zeroGrad();
    const out = model.forward(x);
    const loss = w3 ? F.crossEntropy(out, target) : F.mseLoss(out, target);
    loss.backward();
    opt.step();
    return loss;
  };
  return { model, step };
}

/** Two steps from the workload's weights: [loss0, loss1, Δ(last weight), Δ(last bias)]. */
function trainCheck(id, d) {
  const { model, step } = trainer(id, d);
  const ps = model.parameters();
  const wl = ps[ps.length - 2], bl = ps[ps.length - 1];
  const w0 = wl.data.slice(), b0 = bl.data.slice();
  const l0 = step().item(), l1 = step().item();
  const out = [l0, l1];
  for (let i = 0; i < w0.length; i++) out.push(wl.data[i] - w0[i]);
  for (let i = 0; i < b0.length; i++) out.push(bl.data[i] - b0[i]);
  return Float32Array.from(out);
}

/** Set up case `id` on the active backend: { fn, result() }. */
export function setupCase(id, d) {
  const c = caseById(id);
  if (c.bf16) {  // the base case at matmul precision 'medium'
    const base = nt.withFloat32MatmulPrecision('medium', () => setupCase(c.base, d));
    return {
      fn: () => nt.withFloat32MatmulPrecision('medium', base.fn),
      result: () => nt.withFloat32MatmulPrecision('medium', base.result),
    };
  }
  if (id === 'W1') {
    const model = mlp(MLPS.seed, d);
    model.eval();
    const x = tensor(d.x, [32, 10]);
    const fn = () => noGrad(() => model.forward(x));
    return { fn, result: () => fn().data.slice() };
  }
  if (id === 'W2') {
    const model = mlp([512, 2048, 512], d, nn.GELU);
    model.eval();
    const x = tensor(d.x, [8, 64, 512]);
    const fn = () => noGrad(() => model.forward(x));
    return { fn, result: () => fn().data.slice() };
  }
  if (id.startsWith('W3') || id === 'W4') {
    const { step } = trainer(id, d);
    return { fn: step, result: () => trainCheck(id, d) };
  }
  if (c.act) {
    const act = ACT_FN[c.act];
    if (c.mode === 'fwd') {
      const x = tensor(d.x);
      const fn = () => act(x);
      return { fn, result: () => fn().data.slice(0, 65536) };
    }
    const x = tensor(d.x, undefined, { requiresGrad: true });
    const g = new Float32Array(d.x.length).fill(1);
    const fn = () => { x.grad = null; act(x).backward(g); };
    return { fn, result: () => { fn(); return x.grad.data.slice(0, 65536); } };
  }
  if (c.shape) {
    const { M, N, K } = c.shape;
    const be = getBackend(nt.backend());
    const C = new Float32Array(M * N);
    const fn = () => be.gemm(false, false, M, N, K, 1, d.a, d.b, 0, C);
    return { fn, result: () => { fn(); return C.slice(); } };
  }
  throw new RangeError(`setupCase: no neurite setup for '${id}'`);
}

export { nt };
