/**
 * Errors the CLI reports as one line and exit code 2: bad flags, bad data, missing files.
 * Anything else is a bug and exits 1 (with the stack only when NEURITE_DEBUG is set).
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
