/**
 * collapseLinear(model): an equivalent copy in which each run of Linear layers with no
 * nonlinearity between them (inside Sequential containers, at any depth) is one Linear:
 * W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂). Products are accumulated in float64, so the
 * folded model matches the original within float32 rounding. The original is not modified.
 */
import { Tensor } from '../tensor.js';
import { getRngState, setRngState } from '../random.js';
import { Identity, Linear, Sequential } from './layers.js';
import { Module, Parameter } from './module.js';

/** One Linear equal to applying `run` in order. */
function fold(run: readonly Linear[]): Linear {
  const first = run[0], last = run[run.length - 1];
  for (let i = 1; i < run.length; i++) {
    if (run[i].inFeatures !== run[i - 1].outFeatures) {
      throw new RangeError(`collapseLinear: Linear(${run[i - 1].inFeatures}, ${run[i - 1].outFeatures}) cannot feed Linear(${run[i].inFeatures}, ${run[i].outFeatures})`);
    }
  }
  let K = first.inFeatures, N = first.outFeatures;
  let W = Float64Array.from(first.weight.data); // [N, K]
  let b = first.bias ? Float64Array.from(first.bias.data) : new Float64Array(N);
  for (const l of run.slice(1)) {
    const N2 = l.outFeatures, w2 = l.weight.data;
    const W2 = new Float64Array(N2 * K), b2 = new Float64Array(N2);
    for (let i = 0; i < N2; i++) {
      let bi = l.bias ? l.bias.data[i] : 0;
      for (let j = 0; j < N; j++) {
        const a = w2[i * N + j];
        if (a === 0) continue;
        bi += a * b[j];
        for (let k = 0; k < K; k++) W2[i * K + k] += a * W[j * K + k];
      }
      b2[i] = bi;
    }
    W = W2; b = b2; N = N2;
  }
  const hasBias = run.some((l) => l.bias !== null);
  const rng = getRngState(); // the constructor's init draws would shift the user's random stream
  const out = new Linear(K, N, { bias: hasBias });
  setRngState(rng);
  out.weight.data.set(W);
  if (out.bias) out.bias.data.set(b);
  return out;
}

/** A copy of m (parameters and buffers copied, hooks not carried over), children mapped by f. */
function cloneWith(m: Module, f: (child: Module) => Module): Module {
  const c = Object.create(Object.getPrototypeOf(m)) as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(m)) {
    if (key === 'forward' || (typeof key === 'symbol' && key.description === 'hooks')) continue; // hook wrappers stay with the original
    const d = Object.getOwnPropertyDescriptor(m, key) as PropertyDescriptor;
    let v = d.value;
    if (v instanceof Module) v = f(v);
    else if (v instanceof Parameter) v = new Parameter(new Tensor(v.data.slice(), v.shape));
    else if (v instanceof Tensor) v = new Tensor(v.data.slice(), v.shape, v.requiresGrad);
    else if (v instanceof Set) v = new Set(v);
    else if (Array.isArray(v)) v = v.slice();
    if ('value' in d) Object.defineProperty(c, key, { ...d, value: v });
    else Object.defineProperty(c, key, d);
  }
  return c as unknown as Module;
}

function collapse(m: Module): Module {
  if (!(m instanceof Sequential)) return cloneWith(m, collapse);
  const out: Module[] = [];
  let run: Linear[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(cloneWith(run[0], collapse));
    else if (run.length > 1) out.push(fold(run));
    run = [];
  };
  for (const child of m.children()) {
    if (child instanceof Linear) run.push(child);
    else if (child instanceof Identity && run.length > 0) continue; // identity between Linears folds away
    else { flush(); out.push(collapse(child)); }
  }
  flush();
  const s = new Sequential(...out);
  s.training = m.training;
  return s;
}

/**
 * An equivalent copy of model where each run of activation-free Linear layers in a Sequential is one Linear
 * (W = W₂W₁, b = W₂b₁ + b₂, computed in float64). No PyTorch equivalent.
 * @example
 * ```js
 * import { allclose, nn, randn } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Linear(8, 2)); // no activation between: one Linear suffices
 * const fast = nn.collapseLinear(model);
 * const x = randn(3, 4);
 * console.log(allclose(fast.forward(x), model.forward(x), 1e-4, 1e-5)); // true
 * ```
 */
export function collapseLinear<M extends Module>(model: M): Module {
  if (!(model instanceof Module)) throw new TypeError('collapseLinear: expected an nn.Module');
  return collapse(model);
}
