/** `neurite predict`: a saved neurite train model run on the rows of a CSV, predictions written as CSV. */
import { resolve } from 'node:path';
import '../ops/index.js'; // installs the Tensor methods the library relies on
import { noGrad } from '../autograd.js';
import { setBackend } from '../backend/index.js';
import { writeFileAtomicSync } from '../io/atomic.js';
import { UsageError } from './errors.js';
import { readCsv, standardize } from './dataset.js';
import { loadTrainedModel } from './model-file.js';
import type { PredictConfig } from './args.js';
import type { ProgressStream } from './progress.js';

export interface PredictIo { stdout: ProgressStream; stderr: ProgressStream; cwd?: string }

export function runPredict(c: PredictConfig, io: PredictIo): { predictions: Int32Array; accuracy: number | null } {
  if (c.backend) {
    try { setBackend(c.backend); } catch (e) { throw new UsageError(`--backend ${c.backend}: ${(e as Error).message}`); }
  }
  const cwd = io.cwd ?? process.cwd();
  const { model, arch, stdz } = loadTrainedModel(resolve(cwd, c.model), c.model);
  // columns = inputs: no labels; inputs + 1: labels in --label-column
  let csv = readCsv(resolve(cwd, c.data), c.data, 'none', c.delimiter);
  const cols = csv.x.shape[1];
  if (cols === arch.inputs + 1 && c.labelColumn !== 'none') csv = readCsv(resolve(cwd, c.data), c.data, c.labelColumn, c.delimiter);
  else if (cols !== arch.inputs) {
    throw new UsageError(`${c.data}: ${cols} columns, but the model takes ${arch.inputs} features (or ${arch.inputs + 1} columns with a label)`);
  }
  const x = stdz ? standardize(csv.x, stdz) : csv.x;
  model.eval();
  const logits = noGrad(() => model.forward(x));
  const K = arch.classes, n = x.shape[0];
  const pred = new Int32Array(n);
  const lines: string[] = [c.probabilities ? ['prediction', ...Array.from({ length: K }, (_, k) => `p${k}`)].join(',') : 'prediction'];
  const l = logits.data;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (l[r * K + k] > l[r * K + best]) best = k;
    pred[r] = best;
    if (!c.probabilities) { lines.push(String(best)); continue; }
    let z = 0;
    const e = new Float64Array(K);
    for (let k = 0; k < K; k++) { e[k] = Math.exp(l[r * K + k] - l[r * K + best]); z += e[k]; }
    lines.push([best, ...Array.from(e, (v) => (v / z).toPrecision(6))].join(','));
  }
  const text = `${lines.join('\n')}\n`;
  let accuracy: number | null = null;
  if (csv.y instanceof Int32Array) {
    let ok = 0;
    for (let r = 0; r < n; r++) if (csv.y[r] === pred[r]) ok++;
    accuracy = ok / n;
    io.stderr.write(`accuracy: ${(100 * accuracy).toFixed(1)}% (${ok}/${n} rows, against the label column)\n`);
  }
  if (c.out) {
    const outPath = resolve(cwd, c.out);
    try {
      writeFileAtomicSync(outPath, Buffer.from(text));
    } catch (e) {
      throw new UsageError(`--out ${c.out}: ${(e as Error).message}`);
    }
    io.stderr.write(`wrote ${n} predictions to ${c.out}\n`);
  } else {
    io.stdout.write(text);
  }
  return { predictions: pred, accuracy };
}
