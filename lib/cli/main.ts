/**
 * The `neurite` command: dispatch, and the one place errors turn into exit codes. Input
 * mistakes (UsageError, and the io/ops errors they cause) print one line and exit 2; bugs exit
 * 1, with the stack only under NEURITE_DEBUG=1.
 */
import { UsageError } from './errors.js';
import { parsePredictArgs, parseTrainArgs, PREDICT_HELP, TRAIN_HELP } from './args.js';
import { runTrain } from './train.js';
import { LAUNCH_HELP, parseLaunchArgs, runLaunch } from './launch.js';
import { runPredict } from './predict.js';
import { describeModelFile } from './model-file.js';
import { resolve } from 'node:path';
import { packageVersion, runBench, runInfo } from './commands.js';
import type { ProgressStream } from './progress.js';

export interface CliEnv { root: string; stdout?: ProgressStream; stderr?: ProgressStream; cwd?: string }

const HELP = `usage: neurite <command> [options]

commands:
  train    train an MLP on a CSV file or the bundled digits (neurite train --help)
  launch   run a script as an MPI job of N ranks (neurite launch --help)
  predict  run a trained model on a CSV file (neurite predict --help)
  info     version, backend, CPU features in use, threads
  info FILE  what a saved model holds: architecture, parameters, dtypes, metadata
  bench    run the benchmark suite (npm run bench)
  help     this text
`;

export async function main(argv: string[], env: CliEnv): Promise<number> {
  const stdout = env.stdout ?? process.stdout;
  const stderr = env.stderr ?? process.stderr;
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'train': {
        const c = parseTrainArgs(rest);
        if (c === 'help') { stdout.write(TRAIN_HELP); return 0; }
        await runTrain(c, { stdout, stderr, root: env.root, cwd: env.cwd });
        return 0;
      }
      case 'launch': {
        const c = parseLaunchArgs(rest);
        if (c === 'help') { stdout.write(LAUNCH_HELP); return 0; }
        return await runLaunch(c, { stdout, stderr });
      }
      case 'predict': {
        const c = parsePredictArgs(rest);
        if (c === 'help') { stdout.write(PREDICT_HELP); return 0; }
        runPredict(c, { stdout, stderr, cwd: env.cwd });
        return 0;
      }
      case 'info':
        if (rest.length > 1 || rest[0]?.startsWith('-')) {
          throw new UsageError(`info takes at most one argument, a model file (neurite info model.safetensors), got '${rest.join(' ')}'`);
        }
        if (rest.length === 1) describeModelFile(resolve(env.cwd ?? process.cwd(), rest[0]), rest[0], stdout);
        else runInfo(env.root, stdout);
        return 0;
      case 'bench':
        return await runBench(env.root, rest);
      case undefined: case 'help': case '--help': case '-h':
        stdout.write(HELP);
        return cmd === undefined ? 2 : 0;
      case '--version': case '-v': case 'version':
        stdout.write(`${packageVersion(env.root)}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (commands: train, predict, launch, info, bench, help)`);
    }
  } catch (e) {
    if (process.env.NEURITE_DEBUG) stderr.write(`${(e as Error)?.stack ?? e}\n`);
    if (e instanceof UsageError) {
      stderr.write(`neurite: error: ${e.message}\n`);
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    stderr.write(`neurite: internal error: ${msg} (NEURITE_DEBUG=1 shows the stack)\n`);
    return 1;
  }
}
