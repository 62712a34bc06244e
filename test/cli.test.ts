/**
 * The `neurite` command: bad input gives one line on stderr and exit code 2 (in process, and
 * through the real bin script in a child process); a training run writes what it says.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { main } from '../lib/cli/main.js';
import { buildMlp } from '../lib/cli/train.js';
import { ProgressBar } from '../lib/cli/progress.js';
import { io, noGrad, tensor } from '../lib/index.js';

const ROOT = resolve(__dirname, '..');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

class Sink {
  text = '';
  isTTY = false;
  columns = 100;
  write(s: string): boolean { this.text += s; return true; }
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Sink(), stderr = new Sink();
  const code = await main(args, { root: ROOT, stdout, stderr, cwd: dir });
  return { code, out: stdout.text, err: stderr.text };
}

function csv(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function plainModel(): string {
  io.saveSafetensorsSync(join(dir, 'plain.safetensors'), { w: tensor([1, 2]) });
  return 'plain.safetensors';
}

const BAD: [string, () => string[], RegExp][] = [
  ['an unknown flag', () => ['train', '--foo', '3'], /^neurite: error: unknown option '--foo'/],
  ['an unknown command', () => ['trian'], /^neurite: error: unknown command 'trian'/],
  ['a negative learning rate', () => ['train', '--lr', '-0.1'], /^neurite: error: --lr must be a positive number, got '-0\.1'\n$/],
  ['a zero learning rate', () => ['train', '--lr=0'], /--lr must be a positive number, got '0'/],
  ['a learning rate that is not a number', () => ['train', '--lr', 'fast'], /--lr must be a positive number, got 'fast'/],
  ['a zero batch size', () => ['train', '--batch-size', '0'], /--batch-size must be a positive integer, got '0'/],
  ['a fractional batch size', () => ['train', '--batch-size', '2.5'], /--batch-size must be a positive integer/],
  ['zero epochs', () => ['train', '--epochs', '0'], /--epochs must be a positive integer, got '0'/],
  ['bad hidden sizes', () => ['train', '--hidden', '64,0'], /--hidden must be positive layer sizes/],
  ['an unknown activation', () => ['train', '--activation', 'swish'], /--activation must be one of relu, .*got 'swish'/],
  ['an unknown optimizer', () => ['train', '--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam, adamw, got 'rmsprop'/],
  ['a test split of 1', () => ['train', '--test-split', '1'], /--test-split must be a fraction between 0 and 1/],
  ['a momentum of 1', () => ['train', '--optimizer', 'sgd', '--momentum', '1'], /--momentum must be a number in \[0, 1\)/],
  ['an unknown backend', () => ['train', '--backend', 'gpu'], /--backend must be js or native, got 'gpu'/],
  ['a flag without its value', () => ['train', '--epochs'], /option '--epochs' needs a value/],
  ['a stray argument', () => ['train', 'digits.csv'], /unexpected argument 'digits\.csv'/],
  ['a missing data file', () => ['train', '--data', 'missing.csv'], /^neurite: error: loadCsv: .*missing\.csv: no such file\n$/],
  ['a ragged CSV', () => ['train', '--data', csv('ragged.csv', '1,2,0\n3,4,1\n5,6\n')], /ragged\.csv:3: expected 3 columns \(as line 1\), got 2/],
  ['a non-numeric cell', () => ['train', '--data', csv('nonnum.csv', '1,2,0\n3,x4,1\n')], /nonnum\.csv:2: column 2 is not a number: 'x4'/],
  ['labels that are not classes', () => ['train', '--data', csv('reg.csv', '1,2,0.5\n3,4,1.5\n')], /reg\.csv: the label column must hold class indices 0\.\.K-1 \(found 0\.5\); not class indices: line 1 \(0\.5\), line 2 \(1\.5\)/],
  ['a float target among class labels', () => ['train', '--data', csv('onefloat.csv', 'a,b,y\n1,2,0\n3,4,1\n5,6,1.5\n7,8,0\n')], /onefloat\.csv: the label column must hold class indices 0\.\.K-1 \(found 1\.5\); not class indices: line 4 \(1\.5\)$/m],
  ['labels 1..K (no class 0)', () => ['train', '--data', csv('onebased.csv', '1,2,1\n3,4,2\n5,6,3\n7,8,1\n')], /onebased\.csv: the labels are 1\.\.3 but classes are numbered from 0 \(class 0 has no rows\); subtract 1/],
  ['a typo label of 100000', () => ['train', '--data', csv('typo.csv', `${Array.from({ length: 20 }, (_, i) => `${i},${i % 3}`).join('\n')}\n5,100000\n`)],
    /typo\.csv: label 100000 would make 100001 classes, 99997 of them with no rows \(4 distinct labels\); check line 21 \(100000\)/],
  ['a label column name that is not in the header', () => ['train', '--data', csv('named.csv', 'a,b,kind\n1,2,0\n3,4,1\n'), '--label-column', 'class'], /--label-column class: named\.csv has no column named 'class' \(columns: a, b, kind\)/],
  ['a label column 0', () => ['train', '--label-column', '0'], /--label-column counts columns from 1/],
  ['--label-column none for training', () => ['train', '--label-column', 'none'], /--label-column none: training needs a label column/],
  ['an empty delimiter', () => ['train', '--delimiter='], /--delimiter must be one or more characters/],
  ['a val split of 1', () => ['train', '--val-split', '1'], /--val-split must be a fraction in \[0, 1\), got '1'/],
  ['an unknown precision', () => ['train', '--precision', 'bf16'], /--precision must be highest, high or medium, got 'bf16'/],
  ['a bad cell keeps file:line: column', () => ['train', '--data', csv('semi.csv', '1;2;0\n3;x;1\n'), '--delimiter', ';'], /semi\.csv:2: column 2 is not a number: 'x'/],
  ['info on a missing file', () => ['info', 'nope.safetensors'], /^neurite: error: .*nope\.safetensors: no such file\n$/],
  ['info on a file that is not safetensors', () => ['info', csv('notst.safetensors', 'hello world, not a model')], /notst\.safetensors.*\(is notst\.safetensors a safetensors file\?\)/],
  ['predict without --model', () => ['predict', '--data', 'x.csv'], /predict needs --model FILE/],
  ['predict on a model without architecture', () => ['predict', '--model', plainModel(), '--data', csv('p.csv', '1,2\n')], /plain\.safetensors: no 'neurite\.architecture' metadata/],
  ['a single class', () => ['train', '--data', csv('one.csv', '1,2,0\n3,4,0\n')], /one\.csv: the labels hold 1 class\(es\)/],
  ['a split leaving no test rows', () => ['train', '--data', csv('two.csv', '1,2,0\n3,4,1\n'), '--test-split', '0.1'], /leaves 2 training and 0 test rows/],
  ['an --out that is a file', () => ['train', '--out', csv('afile.txt', 'x')], /--out afile\.txt: not a writable directory \(EEXIST\)/],
  ['info with a flag', () => ['info', '--verbose'], /info takes at most one argument, a model file/],
];

describe('neurite: bad input is one line on stderr and exit code 2', () => {
  it.each(BAD)('%s', async (_n, args, msg) => {
    const r = await run(args());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

/**
 * A package root in a temp dir: the real bin/neurite.mjs, the CLI bundled from the current
 * sources as dist/esm/cli/main.js, package.json and data/: what an installed package holds.
 */
function packageCopy(): string {
  const root = join(dir, 'pkg');
  if (!existsSync(join(root, 'bin', 'neurite.mjs'))) {
    mkdirSync(join(root, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'neurite.mjs'), join(root, 'bin', 'neurite.mjs'));
    copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(ROOT, 'data'), join(root, 'data'));
    buildSync({ entryPoints: [join(ROOT, 'lib', 'cli', 'main.ts')], bundle: true, format: 'esm', platform: 'node',
      packages: 'external', outfile: join(root, 'dist', 'esm', 'cli', 'main.js'), logLevel: 'error' });
  }
  return root;
}

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(packageCopy(), 'bin', 'neurite.mjs'), ...args],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: 'js', NEURITE_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the neurite bin script, as a child process', () => {
  it.each([
    [['train', '--lr', '-1'], /^neurite: error: --lr must be a positive number, got '-1'\n$/],
    [['train', '--batch-size', '0'], /^neurite: error: --batch-size must be a positive integer, got '0'\n$/],
    [['train', '--bogus'], /^neurite: error: unknown option '--bogus' \(see 'neurite train --help'\)\n$/],
    [['train', '--data', 'nowhere/x.csv'], /^neurite: error: loadCsv: .*nowhere\/x\.csv: no such file\n$/],
  ])('%j exits 2 with one line', (args, msg) => {
    const r = cli(args);
    expect(r.err).toMatch(msg);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });

  it('trains on a CSV, prints progress lines, the test accuracy and diagnostics, and writes its files', () => {
    const r = cli(['train', '--data', join(ROOT, 'data', 'breast_cancer.csv'), '--epochs', '4', '--hidden', '16', '--out', 'bc-out', '--seed', '3']);
    expect(r.err).toMatch(/breast_cancer\.csv: 569 rows, 30 features, 2 classes; MLP 30-16-2/);
    expect(r.err).toMatch(/409 training, 46 validation, 114 test rows/);
    expect(r.err.match(/^epoch [ 1-4]\/4  loss \d+\.\d{4}  acc \d+\.\d%  val_loss \d+\.\d{4}  val_acc \d+\.\d%  [\d,.]+ samples\/s$/gm)).toHaveLength(4);
    expect(r.err).not.toMatch(/\r/);
    const acc = /^test accuracy: (\d+\.\d)%/m.exec(r.out);
    expect(acc, r.out + r.err).not.toBeNull();
    expect(Number(acc![1])).toBeGreaterThan(90);
    expect(r.out).toMatch(/^diagnostics \(\d+ training rows\):\n {2}activations: /m);
    expect(r.code).toBe(0);
    for (const f of ['model.safetensors', 'checkpoint.safetensors', 'report.html']) expect(existsSync(join(dir, 'bc-out', f)), f).toBe(true);
    const page = readFileSync(join(dir, 'bc-out', 'report.html'), 'utf8');
    expect(page).toContain('Training curves'); // the run's curves, not only its end state
    expect(page).toMatch(/<tr><td class="n">4<\/td><td class="n">[\d.e-]+<\/td><td class="n">\d+\.\d%<\/td>/); // epoch 4's loss and accuracy
    expect(page).toMatch(/backend \((avx512|avx2|portable|js)/);
    const { tensors, metadata } = io.loadSafetensorsSync(join(dir, 'bc-out', 'model.safetensors'));
    expect(Object.keys(tensors)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(JSON.parse(metadata['neurite.architecture'])).toEqual({ inputs: 30, hidden: [16], classes: 2, activation: 'relu' });
    expect(JSON.parse(metadata['neurite.standardize']).mean).toHaveLength(30);
  });

  it('info prints version, backend, CPU features, threads and malloc tuning', () => {
    const r = cli(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^neurite \d+\.\d+\.\d+\n/);
    expect(r.out).toMatch(/^backend: js/m);
    expect(r.out).toMatch(/^cpu features in use: /m);
    expect(r.out).toMatch(/^threads: \d+/m);
    // with the addon: whether it tuned glibc's malloc (lib/backend/index.ts BackendInfo.malloc)
    if (!/^native addon: not loaded/m.test(r.out)) {
      expect(r.out).toMatch(/^malloc: (tuned, (huge pages|no huge pages) \(.+\)|default \(.+\)) \(NEURITE_MALLOC=/m);
      // the fp32 GEMM's blocks per CPU (tile, MC, KC, NC) and the caches they came from
      expect(r.out).toMatch(/^fp32 gemm blocking: tile \d+x\d+, MC \d+, KC 256, NC \d+ \((cpu caches( \([^)]+\))?|NEURITE_GEMM_BLOCKING|isa defaults.*); caches from .+: L1d .+, L2 .+, L3 .+ shared by \d+( \(assumed: [^)]+\))?\)$/m);
    }
  });

  it('says how to build when dist/ is missing', () => {
    const bare = join(dir, 'bare');
    mkdirSync(join(bare, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'neurite.mjs'), join(bare, 'bin', 'neurite.mjs'));
    const r = spawnSync(process.execPath, [join(bare, 'bin', 'neurite.mjs'), 'info'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dist\/esm\/cli\/main\.js is missing; run 'npm run build'/);
  });
});

describe('neurite train (in process)', () => {
  it('the default run (npm start) reaches at least 95% test accuracy on the digits', async () => {
    const r = await run(['train', '--out', 'default-out', '--no-progress']);
    expect(r.code, r.err).toBe(0);
    const acc = Number(/^test accuracy: (\d+\.\d)%/m.exec(r.out)?.[1]);
    expect(acc).toBeGreaterThanOrEqual(95);
    // the saved weights are the trained model: reloaded, they give the same logits
    const { tensors, metadata } = io.loadSafetensorsSync(join(dir, 'default-out', 'model.safetensors'));
    const arch = JSON.parse(metadata['neurite.architecture']);
    expect(arch).toEqual({ inputs: 64, hidden: [128, 64], classes: 10, activation: 'relu' });
    const m = buildMlp(64, arch.hidden, 10, 'relu');
    m.loadStateDict(tensors);
    const ck = buildMlp(64, arch.hidden, 10, 'relu');
    const got = io.loadCheckpointSync(join(dir, 'default-out', 'checkpoint.safetensors'), { model: ck, restoreRng: false });
    expect(got.epoch).toBe(20);
    const x = tensor(Array.from({ length: 2 * 64 }, (_, k) => (k % 7) - 3), [2, 64]);
    expect(Array.from(noGrad(() => ck.forward(x)).data)).toEqual(Array.from(noGrad(() => m.forward(x)).data));
  });

  it('redraws one bar in place on a terminal', () => {
    const tty = new Sink();
    tty.isTTY = true;
    const bar = new ProgressBar(tty);
    bar.update({ epoch: 1, epochs: 2, step: 5, stepsPerEpoch: 10, loss: 0.5, accuracy: 0.9, samplesPerSec: 12345, epochEnd: false });
    bar.update({ epoch: 2, epochs: 2, step: 10, stepsPerEpoch: 10, loss: 0.25, accuracy: 0.95, samplesPerSec: 12345, epochEnd: true });
    expect(tty.text).toMatch(/^\r\x1b\[2Kepoch 1\/2 \[=+ +\] loss 0\.5000 {2}acc 90\.0% {2}12,345 samples\/s\r\x1b\[2Kepoch 2\/2 \[=+\] loss 0\.2500/);
    expect(tty.text.endsWith('\n')).toBe(true);
    const plain = new Sink();
    new ProgressBar(plain).update({ epoch: 1, epochs: 2, step: 5, stepsPerEpoch: 10, loss: 0.5, accuracy: null, samplesPerSec: 10, epochEnd: false });
    expect(plain.text).toBe(''); // no mid-epoch lines in logs
  });

  it('bench runs the package\'s bench script and passes its exit code on', async () => {
    const fake = join(dir, 'fake-pkg');
    mkdirSync(join(fake, 'bench'), { recursive: true });
    writeFileSync(join(fake, 'package.json'), JSON.stringify({ name: 'fake', version: '0.0.0', scripts: { bench: 'node -e "process.exit(3)"' } }));
    const stdout = new Sink(), stderr = new Sink();
    expect(await main(['bench'], { root: fake, stdout, stderr })).toBe(3);
    const none = join(dir, 'no-bench');
    mkdirSync(none, { recursive: true });
    expect(await main(['bench'], { root: none, stdout, stderr })).toBe(2);
    expect(stderr.text).toMatch(/^neurite: error: no benchmark suite at .*no-bench\/bench/);
  });

  it('--help and no command', async () => {
    const h = await run(['train', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/--batch-size N/);
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/^usage: neurite <command>/);
  });
});

describe('neurite train/predict/info: the first run (issue 10 §4)', () => {
  const blobs = (n: number, k: number, extra = (_r: number) => ''): string => Array.from({ length: n }, (_, r) => {
    const c = r % k;
    return `${(c * 3 + ((r * 7) % 5) / 5).toFixed(2)},${(-c * 2 + ((r * 3) % 7) / 7).toFixed(2)}${extra(r)},${c}`;
  }).join('\n') + '\n';

  beforeAll(async () => {
    const good = await run(['train', '--out', 'div-out', '--epochs', '2', '--no-progress', '--data', csv('blobs.csv', blobs(60, 3))]);
    expect(good.code, good.err).toBe(0);
  });

  it('a diverging run stops with one line naming the epoch and what to try, exit 3, and leaves a good model as it was', async () => {
    const model = join(dir, 'div-out', 'model.safetensors');
    const before = readFileSync(model);
    for (const args of [['--optimizer', 'sgd', '--lr', '1e4'], ['--lr', '1e4']]) {
      const r = await run(['train', '--out', 'div-out', '--epochs', '3', '--data', 'blobs.csv', '--no-progress', ...args]);
      expect(r.code).toBe(3);
      const errLines = r.err.trimEnd().split('\n');
      expect(errLines[errLines.length - 1]).toMatch(/^neurite: error: training diverged: the training loss (became NaN|reached [\d.e+]+) in epoch 1 .*; try a lower --lr \(now 10000, e\.g\. 1000\).*; no model written$/);
      expect(r.out).not.toMatch(/test accuracy|wrote/);
      expect(readFileSync(model).equals(before)).toBe(true);
    }
  });

  it('classes with a gap are a warning naming them; the run goes on', async () => {
    const r = await run(['train', '--out', 'gap-out', '--epochs', '1', '--no-progress', '--data',
      csv('gap.csv', blobs(60, 3).replace(/,1\n/g, ',3\n'))]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^neurite: warning: gap\.csv: 1 of the 4 classes 0\.\.3 have no rows \(1\); the model still gets an output for each$/m);
  });

  it('--label-column (first, a number, a header name) and --delimiter (tab) read the same data', async () => {
    const rows = blobs(60, 3).trim().split('\n').map((l) => l.split(','));
    csv('first.tsv', rows.map((c) => [c[2], c[0], c[1]].join('\t')).join('\n') + '\n');
    csv('named.csv', 'x1;kind;x2\n' + rows.map((c) => [c[0], c[2], c[1]].join(';')).join('\n') + '\n');
    const accs: string[] = [];
    for (const args of [['--data', 'blobs.csv'], ['--data', 'first.tsv', '--delimiter', 'tab', '--label-column', 'first'],
      ['--data', 'first.tsv', '--delimiter', '\\t', '--label-column', '1'], ['--data', 'named.csv', '--delimiter', ';', '--label-column', 'kind'],
      ['--data', 'named.csv', '--delimiter', ';', '--label-column', '-2']]) {
      const r = await run(['train', '--out', 'lc-out', '--epochs', '2', '--no-progress', '--seed', '1', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      expect(r.err).toMatch(/60 rows, 2 features, 3 classes/);
      accs.push(/^test accuracy: .*$/m.exec(r.out)![0].replace(/trained in .*/, ''));
    }
    expect(new Set(accs.slice(0, 3)).size).toBe(1); // same rows, same columns order: same run
  });

  it('reports validation loss and accuracy per epoch (--val-split, default 0.1; 0 for none)', async () => {
    const withVal = await run(['train', '--out', 'val-out', '--epochs', '2', '--data', 'blobs.csv']);
    expect(withVal.err).toMatch(/43 training, 5 validation, 12 test rows/);
    expect(withVal.err.match(/^epoch \d\/2  loss [\d.]+  acc [\d.]+%  val_loss [\d.]+  val_acc [\d.]+%/gm)).toHaveLength(2);
    const page = readFileSync(join(dir, 'val-out', 'report.html'), 'utf8');
    expect(page).toMatch(/validation/i);
    const none = await run(['train', '--out', 'val-out', '--epochs', '2', '--data', 'blobs.csv', '--val-split', '0']);
    expect(none.err).toMatch(/48 training, 0 validation, 12 test rows/);
    expect(none.err).not.toMatch(/val_loss/);
  });

  it('info FILE describes a saved model: architecture, parameters, dtypes, metadata', async () => {
    const r = await run(['info', join('div-out', 'model.safetensors')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^div-out\/model\.safetensors: safetensors, 6 tensors$/m);
    expect(r.out).toMatch(/^architecture: MLP 2-128-64-3 \(relu\), 3 classes/m);
    expect(r.out).toMatch(/^parameters: 8,835 values \(F32 8,835\)$/m);
    expect(r.out).toMatch(/^ {2}0\.weight +F32 +\[128, 2\] +256$/m);
    expect(r.out).toMatch(/^ {2}neurite\.architecture: \{"inputs":2,"hidden":\[128,64\],"classes":3,"activation":"relu"\}$/m);
    io.saveSafetensorsSync(join(dir, 'bf16.safetensors'), { w: tensor([1, 2, 3]) }, { dtype: 'BF16', metadata: { note: 'hi' } });
    const b = await run(['info', 'bf16.safetensors']);
    expect(b.out).toMatch(/parameters: 3 values \(BF16 3\)/);
    expect(b.out).toMatch(/^ {2}note: hi$/m);
    expect(b.out).not.toMatch(/architecture/);
  });

  it('predict writes one class per row as CSV (stdout or --out), accuracy on stderr when the CSV has labels', async () => {
    const model = join('div-out', 'model.safetensors');
    const r = await run(['predict', '--model', model, '--data', 'blobs.csv']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('prediction');
    expect(lines).toHaveLength(61);
    expect(lines.slice(1).every((l) => /^[012]$/.test(l))).toBe(true);
    expect(r.err).toMatch(/^accuracy: \d+\.\d% \(\d+\/60 rows, against the label column\)$/m);
    // features only: no accuracy; --probabilities adds p0..p2 summing to 1; --out writes the file
    csv('features.csv', blobs(6, 3).split('\n').map((l) => l.split(',').slice(0, 2).join(',')).join('\n'));
    const p = await run(['predict', '--model', model, '--data', 'features.csv', '--probabilities', '--out', 'pred.csv']);
    expect(p.code, p.err).toBe(0);
    expect(p.out).toBe('');
    expect(p.err).not.toMatch(/accuracy/);
    const rows = readFileSync(join(dir, 'pred.csv'), 'utf8').trimEnd().split('\n');
    expect(rows[0]).toBe('prediction,p0,p1,p2');
    for (const row of rows.slice(1)) {
      const [k, ...ps] = row.split(',').map(Number);
      expect(ps.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(ps.indexOf(Math.max(...ps))).toBe(k);
    }
    // the same predictions as the rows of the labelled file
    expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(lines.slice(1, 7));
    const wrong = await run(['predict', '--model', model, '--data', csv('three.csv', '1,2,3,4\n')]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/three\.csv: 4 columns, but the model takes 2 features \(or 3 columns with a label\)/);
  });
});
