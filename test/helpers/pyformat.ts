/**
 * Python's formatting of numbers and lists, so tests can rebuild the exact lines the PyTorch
 * seed prints (`round(v, 3)`, `repr(float)`, `f"{n:,}"`, `f"{v:.2f}"`, `torch.Size([...])`).
 */

/** Exact decimal expansion of a double with `digits` fraction digits (toFixed is exact up to 100). */
function exactDigits(x: number): string {
  return Math.abs(x).toFixed(100);
}

/**
 * Python's round(x, n): the double nearest to x rounded to n decimals, ties to even on the
 * exact binary value (JavaScript's toFixed breaks ties away from zero).
 */
export function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x)) return x;
  const s = exactDigits(x);
  const dot = s.indexOf('.');
  const tail = s.slice(dot + 1 + n);
  let r = Number(Math.abs(x).toFixed(n));
  if (/^50*$/.test(tail)) {
    // a tie: toFixed went up; go down instead when the kept last digit is even
    const kept = s.slice(0, dot + 1 + n).replace('.', '');
    const last = Number(kept[kept.length - 1]);
    if (last % 2 === 0) r = Number(s.slice(0, dot + 1 + n));
  }
  return x < 0 || Object.is(x, -0) ? -r : r;
}

/** Python's format(x, '.nf'): correctly rounded, ties to even. */
export function pyFixed(x: number, n: number): string {
  const r = pyRound(x, n);
  const s = Math.abs(r).toFixed(n);
  return (r < 0 || Object.is(r, -0)) ? `-${s}` : s;
}

/** Python's repr(float): shortest round-trip digits, '.0' on integers, 'e-05' style exponents. */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0.0';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = x.toExponential().split('e');
    const exp = Number(e);
    const es = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${m}e${es}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** Python's str(list_of_floats). */
export function pyList(xs: ArrayLike<number>): string {
  return `[${Array.from(xs, pyRepr).join(', ')}]`;
}

/** f"{n:,}" for an integer. */
export function pyThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** str(tensor.shape) as PyTorch prints it. */
export function torchSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}
