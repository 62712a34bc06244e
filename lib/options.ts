/**
 * Strict option objects: the one place that checks an options argument against the keys a
 * function accepts. An unknown key is a TypeError naming the key, the function and the
 * accepted keys, with a did-you-mean (PyTorch's snake_case spellings map to their camelCase
 * names: `weight_decay` -> `weightDecay`). Nothing passed in an options object is ignored.
 */

/** `weight_decay` -> `weightDecay`, `batch_size` -> `batchSize`. */
export function camelCase(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Edit distance with adjacent transpositions (`bais` -> `bias` is 1), small strings only (option names). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_v, i) => Array.from({ length: b.length + 1 }, (_w, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The accepted key a mistyped one most likely meant, or undefined. */
export function didYouMean(key: string, accepted: readonly string[]): string | undefined {
  const camel = camelCase(key);
  if (camel !== key && accepted.includes(camel)) return camel;
  const lower = key.toLowerCase().replace(/_/g, '');
  const exact = accepted.find((a) => a.toLowerCase() === lower);
  if (exact) return exact;
  // an abbreviation: `approx` for `approximate`
  const prefixed = lower.length >= 3 ? accepted.filter((a) => a.toLowerCase().startsWith(lower)) : [];
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of accepted) {
    const d = editDistance(lower, a.toLowerCase());
    if (d < bestD) { bestD = d; best = a; }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

/** True for `{}`-style objects (not arrays, tensors, typed arrays, class instances). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Check an options argument: `undefined` gives `{}`; anything but a plain object, or a plain
 * object with a key outside `accepted`, throws a TypeError that names `fn`. Returns the object
 * (typed as T) so a caller can write `const o = options('Adam', opts, ADAM_KEYS)`.
 * `notYet` lists PyTorch options the function does not implement yet (`amsgrad`): passing one
 * (or its snake_case spelling) is a TypeError that says so, rather than an unknown key.
 */
export function options<T extends object = Record<string, unknown>>(fn: string, opts: unknown, accepted: readonly string[],
  notYet: readonly string[] = []): T {
  if (opts === undefined) return {} as T;
  if (!isPlainObject(opts)) {
    const what = opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts === 'object' ? (opts.constructor?.name ?? 'an object') : typeof opts;
    throw new TypeError(`${fn}: options must be an object { ${accepted.join(', ')} }, got ${what}`);
  }
  for (const key of Object.keys(opts)) {
    if (accepted.includes(key)) continue;
    const camel = camelCase(key);
    if (notYet.includes(camel)) {
      throw new TypeError(`${fn}: option '${key}'${camel !== key ? ` (${camel})` : ''} is not supported yet; accepted options: ${accepted.length ? accepted.join(', ') : '(none)'}`);
    }
    const hint = didYouMean(key, accepted);
    const list = accepted.length ? accepted.join(', ') : '(none)';
    throw new TypeError(`${fn}: unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; accepted options: ${list}`);
  }
  return opts as T;
}
