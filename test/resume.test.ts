/**
 * fit's checkpoint and resumeFrom options, and `neurite train --resume`: a run killed part way
 * and resumed in a FRESH process ends with the same bits (weights, optimizer and
 * scheduler state, history, the global generator) as the run never stopped, on the calling
 * thread, in a worker and across the two; and the resumes that cannot continue a run say why.
 * The fresh processes run the built library (dist/, built by `npm run build`, npm test's pretest).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { F, fit, io, manualSeed, nn, optim, randn, type FitOptions } from '../lib/index.js';
import { nativeAddonPath } from '../lib/backend/native.js';
import { availableBackends, useBackend } from './helpers/backends.js';

const ROOT = resolve(__dirname, '..');
const LIB = pathToFileURL(join(ROOT, 'dist', 'esm', 'index.js')).href;
const CHILD = join(ROOT, 'test', 'fixtures', 'resume-fit-child.mjs');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-resume-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[], env: Record<string, string>): { code: number | null; signal: NodeJS.Signals | null; out: string; err: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NEURITE_DEBUG: '', ...env }, timeout: 60_000, cwd: dir });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

describe.each(availableBackends())('resume in a fresh process (%s backend)', (name) => {
  const env = { NEURITE_BACKEND: name, ...(name === 'native' ? { NEURITE_ADDON_PATH: nativeAddonPath() } : {}) };
  const child = (variant: string, mode: string, path: string, epochs: number): string => {
    const r = node([CHILD, LIB, variant, mode, path, String(epochs)], env);
    if (mode === 'killed') expect([r.signal, r.err]).toEqual(['SIGKILL', '']);
    else expect(r.code, r.err).toBe(0);
    return r.out;
  };

  it.each([
    ['main', 'the calling thread: {x, y}, Adam + StepLR, a drawn seed'],
    ['worker', 'a worker: a shuffled DataLoader, SGD momentum, restoreBest'],
    ['cross', 'a worker, then the calling thread: a Dataset'],
  ])('fit: 5 epochs == killed in epoch 3, resumed from epoch 2 in a new process, bit for bit (%s: %s)', (variant) => {
    expect(existsSync(join(ROOT, 'dist', 'esm', 'index.js')), 'dist/ is built by npm run build (pretest)').toBe(true);
    const full = JSON.parse(child(variant, 'full', join(dir, `full-${variant}-${name}.ckpt`), 5));
    const path = join(dir, `part-${variant}-${name}.ckpt`);
    expect(child(variant, 'killed', path, 5)).toBe('');
    expect(io.loadCheckpointSync(path, { model: new nn.Sequential(new nn.Linear(6, 8), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(8, 3)), restoreRng: false }).epoch).toBe(2);
    const rest = JSON.parse(child(variant, 'rest', path, 5));
    expect(rest.meta.resumedFrom).toBe(2);
    expect(full.meta.resumedFrom).toBe(null);
    expect(rest.meta.mode).toBe(variant === 'main' || variant === 'cross' ? 'main' : 'worker');
    expect(full.state.history).toHaveLength(5);
    expect(full.state.steps).toBe(25);
    expect(JSON.stringify(rest.state)).toBe(JSON.stringify(full.state));
  });
});

describe('neurite train --resume, in fresh processes', () => {
  const BIN = join(ROOT, 'bin', 'neurite.mjs');
  const DATA = join(ROOT, 'data', 'breast_cancer.csv');
  const cli = (args: string[]): { code: number | null; out: string; err: string } =>
    node([BIN, 'train', '--data', DATA, '--hidden', '16', '--seed', '3', ...args], { NEURITE_BACKEND: 'js' });
  const epochLines = (err: string): string[] => (err.match(/^epoch .*$/gm) ?? []).map((l) => l.replace(/\s+[\d,.]+ samples\/s$/, ''));

  it('4 epochs == 2 epochs, then --resume to 4: the same model file, epoch lines and test accuracy', () => {
    const full = cli(['--epochs', '4', '--out', 'full']);
    expect(full.code, full.err).toBe(0);
    const first = cli(['--epochs', '2', '--out', 'part']);
    expect(first.code, first.err).toBe(0);
    const rest = cli(['--epochs', '4', '--out', 'part', '--resume']);
    expect(rest.code, rest.err).toBe(0);
    expect(rest.err).toMatch(/resuming from .*part\/checkpoint\.safetensors after epoch 2 of 4/);
    expect(epochLines(full.err)).toHaveLength(4);
    expect(epochLines(rest.err)).toEqual(epochLines(full.err).slice(2));
    expect(epochLines(rest.err)[0]).toMatch(/^epoch 3\/4 {2}loss \d\.\d{4} {2}acc \d+\.\d% {2}val_loss \d\.\d{4} {2}val_acc/);
    const acc = (o: string): string | undefined => /^test accuracy: .*\)/m.exec(o)?.[0].replace(/; trained in .*/, '');
    expect(acc(rest.out)).toBe(acc(full.out));
    expect(readFileSync(join(dir, 'part', 'model.safetensors')).equals(readFileSync(join(dir, 'full', 'model.safetensors')))).toBe(true);
    // a finished run: nothing to train, the same files again
    const again = cli(['--epochs', '4', '--out', 'part', '--resume', join('part', 'checkpoint.safetensors')]);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/already holds all 4 epochs: nothing to train/);
    expect(epochLines(again.err)).toEqual([]);
    expect(readFileSync(join(dir, 'part', 'model.safetensors')).equals(readFileSync(join(dir, 'full', 'model.safetensors')))).toBe(true);
  });

  it.each([
    [['--epochs', '4', '--out', 'full', '--lr', '0.01', '--resume'], /^neurite: error: --resume full\/checkpoint\.safetensors: the run had --lr 0\.001, this one 0\.01; a resumed run repeats its flags/],
    [['--epochs', '4', '--out', 'full', '--hidden', '8', '--resume'], /the run had --hidden 16, this one 8/],
    [['--epochs', '2', '--out', 'full', '--resume'], /the run already did 4 epochs, more than --epochs 2/],
    [['--epochs', '4', '--out', 'none', '--resume', 'nowhere.ckpt'], /^neurite: error: --resume: .*nowhere\.ckpt: no such file\n$/],
    [['--epochs', '4', '--out', 'full', '--resume', join('full', 'model.safetensors')], /not a neurite checkpoint/],
  ])('%j exits 2 with one line', (args, msg) => {
    const r = cli([...args, '--no-progress']);
    expect(r.err).toMatch(msg);
    expect(r.err.trimEnd().split('\n').filter((l) => l.startsWith('neurite: error'))).toHaveLength(1);
    expect(r.code).toBe(2);
  });
});

describe.each(availableBackends())('fit checkpoint and resumeFrom (%s backend)', (name) => {
  useBackend(name);
  const x = (() => { manualSeed(5); return randn([24, 4]); })();
  const y = Array.from({ length: 24 }, (_, i) => i % 2);
  const mk = (hidden = 6): { model: nn.Sequential; optimizer: optim.Adam } => {
    manualSeed(1);
    const model = new nn.Sequential(new nn.Linear(4, hidden), new nn.Tanh(), new nn.Linear(hidden, 2));
    return { model, optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }) };
  };
  const opts = (o: Partial<FitOptions> & Pick<FitOptions, 'optimizer'>): FitOptions => ({ epochs: 3, batchSize: 8, loss: 'crossEntropy', seed: 4, worker: false, ...o });
  const saved = async (file: string, o: Partial<FitOptions> = {}): Promise<string> => {
    const path = join(dir, `${file}-${name}.ckpt`);
    const { model, optimizer } = mk();
    await fit(model, { x, y }, opts({ optimizer, checkpoint: path, ...o }));
    return path;
  };
  const weights = (m: nn.Module): number[] => Object.values(m.stateDict()).flatMap((t) => Array.from(t.data));

  it('a finished run resumes to its history and weights with nothing trained', async () => {
    const path = await saved('done');
    const { model, optimizer } = mk();
    const ref = mk();
    const h0 = await fit(ref.model, { x, y }, opts({ optimizer: ref.optimizer }));
    const h = await fit(model, { x, y }, opts({ optimizer, resumeFrom: path, checkpoint: path }));
    expect(h.resumedFrom).toBe(3);
    expect(h.loss).toEqual(h0.loss);
    expect(h.steps).toBe(9);
    expect(weights(model)).toEqual(weights(ref.model));
    expect(JSON.stringify(optimizer.stateDict())).toBe(JSON.stringify(ref.optimizer.stateDict()));
  });

  it('an early-stopped run is finished too; checkpoint.every writes every n-th epoch and the last', async () => {
    const es = { monitor: 'loss' as const, patience: 0, minDelta: 10 }; // no epoch improves by 10: stops after epoch 2
    const path = await saved('early', { epochs: 6, earlyStopping: es });
    const { model, optimizer } = mk();
    const h = await fit(model, { x, y }, opts({ optimizer, epochs: 6, earlyStopping: es, resumeFrom: path }));
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs).toHaveLength(2);
    expect(h.resumedFrom).toBe(2);
    // a 2-epoch run extended to 6 stops where the 6-epoch run did
    const short = await saved('short', { epochs: 2, earlyStopping: es });
    const ext = mk();
    const he = await fit(ext.model, { x, y }, opts({ optimizer: ext.optimizer, epochs: 6, earlyStopping: es, resumeFrom: short }));
    expect([he.stoppedEarly, he.loss, he.bestEpoch]).toEqual([true, h.loss, h.bestEpoch]);
    expect(weights(ext.model)).toEqual(weights(model));
    const every = join(dir, `every-${name}.ckpt`);
    const seen: number[] = [];
    const m = mk();
    await fit(m.model, { x, y }, opts({ optimizer: m.optimizer, epochs: 5, checkpoint: { path: every, every: 2 },
      onProgress: (p) => { if (p.epochEnd && existsSync(every)) seen.push(io.loadCheckpointSync(every, { model: mk().model, restoreRng: false }).epoch!); } }));
    // onProgress runs before that epoch's write: it sees the previous one
    expect(seen).toEqual([2, 2, 4]);
    expect(io.loadCheckpointSync(every, { model: mk().model, restoreRng: false }).epoch).toBe(5);
  });

  it.each([
    ['a missing file', async () => ({ ...mk(), path: join(dir, 'nowhere.ckpt') }), {}, /^fit: resumeFrom: .*nowhere\.ckpt: no such file$/],
    ['another architecture', async (p: string) => ({ ...mk(7), path: p }), {}, /^fit: resumeFrom: .*ref-\w+\.ckpt: size mismatch for '0\.weight': checkpoint has \[6,4\], model has \[7,4\]$/],
    ['another optimizer', async (p: string) => { const m = mk(); return { model: m.model, optimizer: new optim.SGD(m.model.parameters(), { lr: 0.1 }), path: p }; }, {},
      /^fit: resumeFrom: .*: the checkpoint holds Adam state, the optimizer is SGD$/],
    ['fewer epochs than done', async (p: string) => ({ ...mk(), path: p }), { epochs: 2 }, /holds 3 epochs, more than epochs: 2 \(epochs is the run's total/],
    ['another seed', async (p: string) => ({ ...mk(), path: p }), { seed: 5 }, /the run's seed was 4, this fit's is 5 \(leave seed out/],
    ['another batchSize', async (p: string) => ({ ...mk(), path: p }), { batchSize: 6, epochs: 4 }, /the run had 3 batches per epoch, this data gives 4/],
    ['another loss', async (p: string) => ({ ...mk(), path: p }), { loss: 'nllLoss', epochs: 4 }, /the run trained with the loss crossEntropy, this fit has nllLoss/],
    ['a scheduler the run had not', async (p: string) => { const m = mk(); return { ...m, scheduler: new optim.lrScheduler.StepLR(m.optimizer, { stepSize: 1 }), path: p }; },
      { epochs: 4 }, /the run had no scheduler, this fit has a StepLR/],
    ['earlyStopping the run had not', async (p: string) => ({ ...mk(), path: p }), { epochs: 4, earlyStopping: { monitor: 'loss' } }, /the run's earlyStopping was null/],
    ['a checkpoint not written by fit', async () => {
      const m = mk();
      const path = join(dir, `manual-${name}.ckpt`);
      io.saveCheckpointSync(path, { model: m.model, optimizer: m.optimizer, step: 0 });
      return { ...m, path };
    }, {}, /was not written by fit's checkpoint option/],
  ] as const)('%s: a clear error, and the model unchanged', async (_what, setup, extra, msg) => {
    const src = await saved('ref');
    const { model, optimizer, path, scheduler } = await setup(src) as { model: nn.Sequential; optimizer: optim.Optimizer<{ lr: number }>; path: string; scheduler?: optim.lrScheduler.StepLR };
    const before = weights(model);
    await expect(fit(model, { x, y }, opts({ optimizer, resumeFrom: path, ...(scheduler ? { scheduler } : {}), ...extra } as FitOptions))).rejects.toThrow(msg);
    expect(weights(model)).toEqual(before);
  });

  it('checks the checkpoint option like every option', async () => {
    const { model, optimizer } = mk();
    await expect(fit(model, { x, y }, opts({ optimizer, checkpoint: { path: join(dir, 'x.ckpt'), evry: 2 } as never }))).rejects.toThrow(/fit: checkpoint.*'evry'.*did you mean 'every'/s);
    await expect(fit(model, { x, y }, opts({ optimizer, checkpoint: { path: join(dir, 'x.ckpt'), every: 0 } }))).rejects.toThrow(/checkpoint\.every must be a positive integer, got 0/);
    await expect(fit(model, { x, y }, opts({ optimizer, checkpoint: 3 as never }))).rejects.toThrow(/checkpoint must be a file path or \{ path, every, extra \}/);
    await expect(fit(model, { x, y }, opts({ optimizer, resumeFrom: '' }))).rejects.toThrow(/resumeFrom must be a checkpoint's file path/);
    // a directory that is not there: the write fails naming the path, no temp file left behind
    await expect(fit(model, { x, y }, opts({ optimizer, checkpoint: join(dir, 'no-dir', 'x.ckpt') }))).rejects.toThrow(/no-dir\/x\.ckpt: no such file/);
    void F;
  });
});
