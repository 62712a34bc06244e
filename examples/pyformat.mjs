// Python-style printing for the seed examples, so their output reads as the seed's does.

/** Python's repr of a float: shortest round-trip digits, always with a '.0' for integers. */
export function pyFloat(v) {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0.0';
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
}

/** Python's round(v, n) on a double (ties to even on the exact binary value). */
export function pyRound(v, n) {
  const s = 10 ** n;
  const x = v * s;
  const r = Math.round(x);
  const tie = Math.abs(x - Math.trunc(x)) === 0.5;
  const even = tie ? (r % 2 === 0 ? r : r - 1) : r;
  return Number((even / s).toFixed(n));
}

/** A list as Python prints it: [1.0, -0.5]. */
export function pyList(xs) {
  return `[${Array.from(xs, pyFloat).join(', ')}]`;
}

/** A shape as PyTorch prints it. */
export function size(shape) {
  return `torch.Size([${shape.join(', ')}])`;
}
