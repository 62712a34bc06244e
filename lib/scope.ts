/** Scoped settings: run a function inside a scope and leave it when the function returns, throws, or (async) settles. */

/**
 * Run `fn` (entered already by the caller), then `leave()`: at once when `fn` returns or throws, or when the promise it
 * returns settles. Returns what `fn` returns.
 */
export function withinScope<T>(fn: () => T, leave: () => void): T {
  let r: T;
  try {
    r = fn();
  } catch (e) {
    leave();
    throw e;
  }
  if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
    return (r as unknown as Promise<unknown>).finally(leave) as unknown as T;
  }
  leave();
  return r;
}
