/**
 * Errors the CLI reports as one line and exit code 2: bad flags, bad data, missing files.
 * Anything else is a bug and exits 1 (with the stack only when NEURITE_DEBUG is set).
 */
export class UsageError extends Error {
  /** 2 for bad input; a stopped run (a diverged training) uses 3. */
  constructor(message: string, readonly exitCode: number = 2) {
    super(message);
    this.name = 'UsageError';
  }
}
