// Numerics check of a peer's result against neurite's on the same inputs: a fast wrong answer
// is caught, while the float32 rounding differences of summation order pass.
import { caseById } from './cases.mjs';

export function tolerance(id) {
  const c = caseById(id);
  // bf16: neurite rounds inputs only, autocast also rounds each product's output to bf16
  if (c.bf16) return c.shape ? { rel: 1e-2 } : { rel: id.startsWith('W3') ? 0.1 : 3e-2 };
  if (c.shape) return { rel: 1e-4 * Math.sqrt(c.shape.K) }; // of max |C|, as bench/native/sgemm_bench
  if (id === 'W1' || id === 'W2') return { rel: 1e-3 };
  if (id.startsWith('W3') || id === 'W4') return { rel: 2e-2 }; // of the largest weight change
  return { rel: 1e-4, abs: 1e-5 };
}

/** { ok, maxdiff, scale } comparing b (peer) to a (neurite). */
export function compare(id, a, b) {
  if (a.length !== b.length) return { ok: false, why: `length ${b.length} vs neurite's ${a.length}` };
  let start = 0;
  let lossOk = true;
  if (id.startsWith('W3') || id === 'W4') {
    // [loss0, loss1, Δweights...]: losses within 1e-4 relative (bf16: 1e-2), changes within 2% (bf16: 10%) of the largest
    const lt = id.endsWith('_bf16') ? 1e-2 : 1e-4;
    for (let i = 0; i < 2; i++) if (Math.abs(a[i] - b[i]) > lt * Math.max(1, Math.abs(a[i]))) lossOk = false;
    start = 2;
  }
  let maxdiff = 0, scale = 0;
  for (let i = start; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxdiff)) maxdiff = Number.isNaN(d) ? Infinity : Math.max(maxdiff, d);
    scale = Math.max(scale, Math.abs(a[i]));
  }
  const t = tolerance(id);
  const ok = lossOk && maxdiff <= t.rel * scale + (t.abs ?? 0);
  return { ok, maxdiff, scale, why: ok ? '' : lossOk ? `max |Δ| ${maxdiff.toExponential(2)} vs scale ${scale.toExponential(2)}` : `loss differs: [${b[0]}, ${b[1]}] vs [${a[0]}, ${a[1]}]` };
}
