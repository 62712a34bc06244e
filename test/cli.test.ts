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
  ['labels that are not classes', () => ['train', '--data', csv('reg.csv', '1,2,0.5\n3,4,1.5\n')], /reg\.csv: the last column must hold class indices 0\.\.K-1 \(found 0\.5\)/],
  ['a single class', () => ['train', '--data', csv('one.csv', '1,2,0\n3,4,0\n')], /one\.csv: the labels hold 1 class\(es\)/],
  ['a split leaving no test rows', () => ['train', '--data', csv('two.csv', '1,2,0\n3,4,1\n'), '--test-split', '0.1'], /leaves 2 training and 0 test rows/],
  ['an --out that is a file', () => ['train', '--out', csv('afile.txt', 'x')], /--out afile\.txt: not a writable directory \(EEXIST\)/],
  ['info with arguments', () => ['info', '--verbose'], /info takes no arguments/],
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
    expect(r.err.match(/^epoch [ 1-4]\/4  loss \d+\.\d{4}  acc \d+\.\d%  [\d,.]+ samples\/s$/gm)).toHaveLength(4);
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

  it('info prints version, backend, CPU features and threads', () => {
    const r = cli(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^neurite \d+\.\d+\.\d+\n/);
    expect(r.out).toMatch(/^backend: js/m);
    expect(r.out).toMatch(/^cpu features in use: /m);
    expect(r.out).toMatch(/^threads: \d+/m);
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
