/** `neurite train` flags: parsing (node:util parseArgs) and the checks that make a bad value one clear error. */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { LabelColumnFlag } from './dataset.js';

export type ActivationFlag = 'relu' | 'leaky-relu' | 'gelu' | 'gelu-tanh' | 'sigmoid' | 'tanh' | 'elu';
export const ACTIVATION_FLAGS: readonly ActivationFlag[] = ['relu', 'leaky-relu', 'gelu', 'gelu-tanh', 'sigmoid', 'tanh', 'elu'];
export type OptimizerFlag = 'sgd' | 'adam' | 'adamw';
const OPTIMIZERS: readonly OptimizerFlag[] = ['sgd', 'adam', 'adamw'];

export interface TrainConfig {
  data: string | null;
  hidden: number[];
  activation: ActivationFlag;
  optimizer: OptimizerFlag;
  lr: number;
  momentum: number;
  weightDecay: number | null;
  epochs: number;
  batchSize: number;
  seed: number;
  testSplit: number;
  valSplit: number;
  labelColumn: LabelColumnFlag;
  delimiter: string;
  out: string;
  backend: 'js' | 'native' | null;
  precision: 'highest' | 'high' | 'medium';
  progress: boolean;
  /** --resume: the checkpoint to continue ('' for --out's checkpoint.safetensors), or null. */
  resume: string | null;
}

export const TRAIN_HELP = `usage: neurite train [options]

Trains an MLP classifier on a CSV file (features, then the class index 0..K-1 in the last
column; a header line is skipped; .gz works) or, by default, on the bundled handwritten digits.

  --data PATH          CSV file (default: the bundled digits, 1,797 8x8 images)
  --label-column COL   the class column: last (default), first, a column number (1-based,
                       negative from the end) or a header name
  --delimiter CHAR     cell separator (default ','; 'tab' for tabs)
  --hidden LIST        hidden layer sizes, comma separated (default 128,64)
  --activation NAME    ${ACTIVATION_FLAGS.join('|')} (default relu)
  --optimizer NAME     sgd|adam|adamw (default adam)
  --lr NUMBER          learning rate (default 0.001 for adam/adamw, 0.05 for sgd)
  --momentum NUMBER    sgd momentum (default 0.9)
  --weight-decay NUM   weight decay (default 0; 0.01 for adamw)
  --epochs N           passes over the training set (default 20)
  --batch-size N       samples per step (default 32)
  --seed N             seed for the split, the initial weights and the data order (default 0)
  --test-split FRAC    fraction held out for the test accuracy, 0 < FRAC < 1 (default 0.2)
  --val-split FRAC     fraction of the training rows held out for the per-epoch validation
                       loss and accuracy, 0 <= FRAC < 1 (default 0.1; 0: none)
  --out DIR            where model.safetensors, checkpoint.safetensors and report.html go (default ./neurite-out);
                       the checkpoint is rewritten at every epoch end
  --resume [FILE]      continue an interrupted run from its checkpoint (default: DIR/checkpoint.safetensors)
                       up to --epochs, bit for bit as if never stopped; give the run's other flags unchanged
  --backend NAME       js|native (default: native when the addon loads)
  --precision NAME     matmul precision highest|high|medium (default highest; medium = bf16 products,
                       high = bf16x3; see setFloat32MatmulPrecision)
  --no-progress        no progress bar
  -h, --help           this text
`;

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function num(flag: string, s: string | undefined, check: (v: number) => boolean, want: string): number | undefined {
  if (s === undefined) return undefined;
  const v = NUM.test(s.trim()) ? Number(s) : NaN;
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`--${flag} must be ${want}, got '${s}'`);
  return v;
}

const posInt = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** Parse `neurite train` arguments; throws UsageError with the reason for anything wrong. */
export function parseTrainArgs(argv: string[]): TrainConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: optionalResumeValue(joinNegativeValues(argv)),
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' }, hidden: { type: 'string' }, activation: { type: 'string' }, optimizer: { type: 'string' },
        lr: { type: 'string' }, momentum: { type: 'string' }, 'weight-decay': { type: 'string' }, epochs: { type: 'string' },
        'batch-size': { type: 'string' }, seed: { type: 'string' }, 'test-split': { type: 'string' }, out: { type: 'string' },
        'val-split': { type: 'string' }, 'label-column': { type: 'string' }, delimiter: { type: 'string' },
        backend: { type: 'string' }, precision: { type: 'string' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        resume: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${parseArgsMessage(e)} (see 'neurite train --help')`);
  }
  if (values.help) return 'help';
  const str = (k: string): string | undefined => values[k] as string | undefined;

  const optimizer = (str('optimizer') ?? 'adam').toLowerCase() as OptimizerFlag;
  if (!OPTIMIZERS.includes(optimizer)) throw new UsageError(`--optimizer must be one of ${OPTIMIZERS.join(', ')}, got '${str('optimizer')}'`);
  const act = (str('activation') ?? 'relu').toLowerCase().replace(/_/g, '-') as ActivationFlag;
  if (!ACTIVATION_FLAGS.includes(act)) throw new UsageError(`--activation must be one of ${ACTIVATION_FLAGS.join(', ')}, got '${str('activation')}'`);
  let hidden = [128, 64];
  const h = str('hidden');
  if (h !== undefined) {
    const parts = h.split(',').map((p) => p.trim());
    hidden = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (h.trim() === '' || !hidden.every(posInt)) throw new UsageError(`--hidden must be positive layer sizes separated by commas (e.g. 128,64), got '${h}'`);
  }
  const backend = str('backend');
  if (backend !== undefined && backend !== 'js' && backend !== 'native') throw new UsageError(`--backend must be js or native, got '${backend}'`);
  const precision = str('precision') ?? 'highest';
  if (!['highest', 'high', 'medium'].includes(precision)) throw new UsageError(`--precision must be highest, high or medium, got '${precision}'`);
  const data = str('data');
  if (data !== undefined && data.trim() === '') throw new UsageError('--data needs a file path');
  const out = str('out') ?? 'neurite-out';
  if (out.trim() === '') throw new UsageError('--out needs a directory');
  return {
    data: data ?? null,
    hidden,
    activation: act,
    optimizer,
    lr: num('lr', str('lr'), (v) => v > 0, 'a positive number') ?? (optimizer === 'sgd' ? 0.05 : 1e-3),
    momentum: num('momentum', str('momentum'), (v) => v >= 0 && v < 1, 'a number in [0, 1)') ?? 0.9,
    weightDecay: num('weight-decay', str('weight-decay'), (v) => v >= 0, 'a non-negative number') ?? null,
    epochs: num('epochs', str('epochs'), posInt, 'a positive integer') ?? 20,
    batchSize: num('batch-size', str('batch-size'), posInt, 'a positive integer') ?? 32,
    seed: num('seed', str('seed'), (v) => Number.isSafeInteger(v), 'an integer') ?? 0,
    testSplit: num('test-split', str('test-split'), (v) => v > 0 && v < 1, 'a fraction between 0 and 1 (exclusive)') ?? 0.2,
    valSplit: num('val-split', str('val-split'), (v) => v >= 0 && v < 1, 'a fraction in [0, 1)') ?? 0.1,
    labelColumn: labelColumnFlag(str('label-column'), false),
    delimiter: delimiterFlag(str('delimiter')),
    out,
    backend: (backend as 'js' | 'native' | undefined) ?? null,
    precision: precision as TrainConfig['precision'],
    progress: !values['no-progress'],
    resume: str('resume') ?? null,
  };
}

/** `--resume` takes an optional value: alone (last, or before another flag) it means --out's checkpoint. */
function optionalResumeValue(argv: string[]): string[] {
  return argv.map((a, i) => (a === '--resume' && (i + 1 === argv.length || argv[i + 1].startsWith('-')) ? '--resume=' : a));
}

/** `--label-column`: last, first, (none), a 1-based column number (negative from the end) or a header name. */
export function labelColumnFlag(s: string | undefined, allowNone: boolean): LabelColumnFlag {
  if (s === undefined) return 'last';
  const t = s.trim();
  if (t === '') throw new UsageError('--label-column needs a column: last, first, a column number or a header name');
  if (t === 'last' || t === 'first' || (allowNone && t === 'none')) return t;
  if (t === 'none') throw new UsageError('--label-column none: training needs a label column');
  if (/^[+-]?\d+$/.test(t)) {
    const v = Number(t);
    if (v === 0) throw new UsageError('--label-column counts columns from 1 (negative from the end), got 0');
    return v;
  }
  return { name: t };
}

/** `--delimiter`: one or more characters; 'tab' and '\t' mean a tab. */
export function delimiterFlag(s: string | undefined): string {
  if (s === undefined) return ',';
  if (s === 'tab' || s === '\\t') return '\t';
  if (s === '' || /["\r\n]/.test(s)) throw new UsageError(`--delimiter must be one or more characters other than quotes and line breaks, got ${JSON.stringify(s)}`);
  return s;
}

export interface PredictConfig { model: string; data: string; out: string | null; labelColumn: LabelColumnFlag; delimiter: string; probabilities: boolean; backend: 'js' | 'native' | null }

export const PREDICT_HELP = `usage: neurite predict --model FILE --data CSV [options]

Runs a model saved by 'neurite train' (model.safetensors) on the rows of a CSV file and writes
one prediction per row as CSV (header 'prediction', then the class index), to stdout or --out.
A CSV with one column more than the model's inputs has labels: the accuracy goes to stderr.

  --model FILE         model.safetensors written by neurite train
  --data CSV           rows to predict (same columns, order and delimiter as the training data)
  --out FILE           write the predictions here instead of stdout
  --label-column COL   where the labels are when the CSV has them: last (default), first, a
                       column number (1-based, negative from the end), a header name, or none
  --delimiter CHAR     cell separator (default ','; 'tab' for tabs)
  --probabilities      add one column per class with its softmax probability
  --backend NAME       js|native (default: native when the addon loads)
  --precision NAME     matmul precision highest|high|medium (default highest; medium = bf16 products,
                       high = bf16x3; see setFloat32MatmulPrecision)
  -h, --help           this text
`;

/** Parse `neurite predict` arguments. */
export function parsePredictArgs(argv: string[]): PredictConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv), strict: true, allowPositionals: false,
      options: {
        model: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, 'label-column': { type: 'string' },
        delimiter: { type: 'string' }, probabilities: { type: 'boolean' }, backend: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${parseArgsMessage(e)} (see 'neurite predict --help')`);
  }
  if (values.help) return 'help';
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const model = str('model'), data = str('data');
  if (!model?.trim()) throw new UsageError("predict needs --model FILE (a model.safetensors written by 'neurite train')");
  if (!data?.trim()) throw new UsageError('predict needs --data CSV');
  const out = str('out');
  if (out !== undefined && out.trim() === '') throw new UsageError('--out needs a file path');
  const backend = str('backend');
  if (backend !== undefined && backend !== 'js' && backend !== 'native') throw new UsageError(`--backend must be js or native, got '${backend}'`);
  return {
    model, data, out: out ?? null, labelColumn: labelColumnFlag(str('label-column'), true), delimiter: delimiterFlag(str('delimiter')),
    probabilities: values.probabilities === true, backend: (backend as 'js' | 'native' | undefined) ?? null,
  };
}

/** `--lr -0.1` means the value -0.1 (parseArgs would call it ambiguous): pass it as `--lr=-0.1`. */
function joinNegativeValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--[a-z-]+$/.test(argv[i]) && i + 1 < argv.length && /^-(\d|\.\d)/.test(argv[i + 1])) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

/** parseArgs' own messages, reworded to one short line. */
export function parseArgsMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e);
  const opt = /'(-[^']*)'/.exec(msg)?.[1];
  switch (err?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option '${opt ?? msg}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (opt && /argument missing/.test(msg)) return `option '${opt.split(' ')[0]}' needs a value`;
      return msg.split('\n')[0].replace(/^Option/, 'option');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument ${/'([^']*)'/.exec(msg)?.[0] ?? msg}`;
    default: return msg.split('\n')[0];
  }
}
