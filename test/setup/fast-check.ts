/**
 * vitest setup (every test file): fast-check runs from one fixed seed, so a run is replayable,
 * and a failure's report names that seed (fast-check prints `seed` and `path` in the error).
 * NEURITE_FC_SEED=<n> replays a run; NEURITE_FC_SEED=random draws a fresh seed and prints it.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20261130;
const env = process.env.NEURITE_FC_SEED;
let seed = DEFAULT_SEED;
if (env === 'random') {
  seed = (Math.random() * 2 ** 31) | 0;
  process.stderr.write(`fast-check: NEURITE_FC_SEED=${seed} (replay with that variable)\n`);
} else if (env !== undefined && env !== '') {
  seed = Number(env);
  if (!Number.isInteger(seed)) throw new RangeError(`NEURITE_FC_SEED must be an integer or 'random', got '${env}'`);
}
process.env.NEURITE_FC_SEED = String(seed); // child processes (test/native/fixtures/fuzz-child.cjs) use the same seed
fc.configureGlobal({ seed });
