// Issue 10 §3, the property: public functions driven with random option objects (accepted keys,
// their snake_case spellings, typos, PyTorch options not implemented, prototype names; random
// values) either work or throw a TypeError/RangeError whose message names the function; a key
// the function does not accept always throws (never a silent ignore), nothing else escapes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, nn, optim, io, data, diagnostics, fit, forwardAsync, InferencePool, tensor, zeros, ones, randn, rand, arange,
  linspace, full, manualSeed, randperm, std, argsort, type Tensor } from '../lib/index.js';

type Call = (o: Record<string, unknown>) => unknown;
interface Entry { name: string; accepted: readonly string[]; call: Call }

const lin = () => new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 2));
const params = () => [tensor([1, 2], { requiresGrad: true })];
const logits = () => tensor([[1, 2], [0.5, -1]]);

const ENTRIES: Entry[] = [
  ...(['zeros', 'ones', 'randn', 'rand'] as const).map((name) => ({
    name, accepted: ['requiresGrad'], call: (o: Record<string, unknown>) => ({ zeros, ones, randn, rand })[name](2, 3, o as never),
  })),
  { name: 'tensor', accepted: ['requiresGrad'], call: (o) => tensor([1, 2], o as never) },
  { name: 'full', accepted: ['requiresGrad'], call: (o) => full([2], 1, o as never) },
  { name: 'arange', accepted: ['requiresGrad'], call: (o) => arange(0, 3, 1, o as never) },
  { name: 'linspace', accepted: ['requiresGrad'], call: (o) => linspace(0, 1, 3, o as never) },
  { name: 'randperm', accepted: ['requiresGrad'], call: (o) => randperm(3, o as never) },
  { name: 'var', accepted: ['correction', 'unbiased', 'keepDim'], call: (o) => logits().var(1, o as never) },
  { name: 'std', accepted: ['correction', 'unbiased', 'keepDim'], call: (o) => std(logits(), o as never) },
  { name: 'sort', accepted: ['dim', 'descending', 'stable'], call: (o) => logits().sort(o as never) },
  { name: 'argsort', accepted: ['dim', 'descending', 'stable'], call: (o) => argsort(logits(), o as never) },
  { name: 'topk', accepted: ['dim', 'largest', 'sorted'], call: (o) => logits().topk(1, o as never) },
  { name: 'scatter', accepted: ['reduce'], call: (o) => logits().scatter(0, tensor([[1, 0]]), tensor([[2, 3]]), o as never) },
  { name: 'scatterReduce', accepted: ['includeSelf'], call: (o) => logits().scatterReduce(0, tensor([[1, 0]]), tensor([[2, 3]]), 'amax', o as never) },
  { name: 'nonzero', accepted: ['asTuple'], call: (o) => logits().nonzero(o as never) },
  { name: 'crossEntropy', accepted: ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'], call: (o) => F.crossEntropy(logits(), [0, 1], o as never) },
  { name: 'nllLoss', accepted: ['reduction', 'weight', 'ignoreIndex'], call: (o) => F.nllLoss(logits(), [0, 1], o as never) },
  { name: 'smoothL1Loss', accepted: ['reduction', 'beta'], call: (o) => F.smoothL1Loss(logits(), logits(), o as never) },
  { name: 'huberLoss', accepted: ['reduction', 'delta'], call: (o) => F.huberLoss(logits(), logits(), o as never) },
  { name: 'klDiv', accepted: ['reduction', 'logTarget'], call: (o) => F.klDiv(logits(), logits(), o as never) },
  { name: 'CrossEntropyLoss', accepted: ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing'], call: (o) => new nn.CrossEntropyLoss(o as never).forward(logits(), [0, 1]) },
  { name: 'Embedding', accepted: ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq'], call: (o) => new nn.Embedding(4, 2, o as never).forward([0, 1, 3]) },
  { name: 'mseLoss', accepted: ['reduction'], call: (o) => F.mseLoss(logits(), logits(), o as never) },
  { name: 'binaryCrossEntropyWithLogits', accepted: ['reduction', 'weight', 'posWeight'], call: (o) => F.binaryCrossEntropyWithLogits(logits(), logits(), o as never) },
  { name: 'gelu', accepted: ['approximate'], call: (o) => F.gelu(logits(), o as never) },
  { name: 'Linear', accepted: ['bias'], call: (o) => new nn.Linear(2, 3, o as never) },
  { name: 'Dropout', accepted: ['p'], call: (o) => new nn.Dropout(o as never) },
  { name: 'LeakyReLU', accepted: ['negativeSlope'], call: (o) => new nn.LeakyReLU(o as never) },
  { name: 'ELU', accepted: ['alpha'], call: (o) => new nn.ELU(o as never) },
  { name: 'GELU', accepted: ['approximate'], call: (o) => new nn.GELU(o as never) },
  { name: 'LayerNorm', accepted: ['eps', 'elementwiseAffine'], call: (o) => new nn.LayerNorm(2, o as never).forward(logits()) },
  { name: 'BatchNorm1d', accepted: ['eps', 'momentum'], call: (o) => new nn.BatchNorm1d(2, o as never).forward(logits()) },
  { name: 'kaimingUniform_', accepted: ['a', 'mode', 'nonlinearity'], call: (o) => nn.init.kaimingUniform_(zeros(3, 2), o as never) },
  { name: 'kaimingNormal_', accepted: ['a', 'mode', 'nonlinearity'], call: (o) => nn.init.kaimingNormal_(zeros(3, 2), o as never) },
  { name: 'loadStateDict', accepted: ['strict'], call: (o) => { const m = lin(); return m.loadStateDict(m.stateDict(), o as never); } },
  { name: 'SGD', accepted: ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'], call: (o) => stepOnce(new optim.SGD(params(), o as never)) },
  { name: 'Adam', accepted: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], call: (o) => stepOnce(new optim.Adam(params(), o as never)) },
  { name: 'AdamW', accepted: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'], call: (o) => stepOnce(new optim.AdamW(params(), o as never)) },
  { name: 'RMSprop', accepted: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'], call: (o) => stepOnce(new optim.RMSprop(params(), o as never)) },
  { name: 'Adagrad', accepted: ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'], call: (o) => stepOnce(new optim.Adagrad(params(), o as never)) },
  { name: 'SGD', accepted: ['params', 'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'],
    call: (o) => stepOnce(new optim.SGD([{ params: params() }, { ...o, params: params() }], { lr: 0.1 })) },
  { name: 'StepLR', accepted: ['stepSize', 'gamma', 'lastEpoch'], call: (o) => new optim.lrScheduler.StepLR(new optim.SGD(params(), { lr: 0.1 }), o as never).step() },
  { name: 'CosineAnnealingLR', accepted: ['tMax', 'etaMin', 'lastEpoch'], call: (o) => new optim.lrScheduler.CosineAnnealingLR(new optim.SGD(params(), { lr: 0.1 }), o as never).step() },
  { name: 'OneCycleLR', accepted: ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch'],
    call: (o) => new optim.lrScheduler.OneCycleLR(new optim.SGD(params(), { lr: 0.1, momentum: 0.9 }), { maxLr: 0.1, totalSteps: 10, ...o } as never).step() },
  { name: 'ReduceLROnPlateau', accepted: ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps'],
    call: (o) => new optim.lrScheduler.ReduceLROnPlateau(new optim.SGD(params(), { lr: 0.1 }), o as never).step(1) },
  { name: 'safetensorsToBuffer', accepted: ['metadata', 'dtype', 'dtypes'], call: (o) => io.safetensorsToBuffer({ w: tensor([1, 2]) }, { dtype: 'F32', ...o } as never) },
  { name: 'safetensorsToBuffer', accepted: ['dtype', 'dtypes'], call: (o) => io.safetensorsToBuffer({ w: tensor([1, 2]) }, {}, o as never) },
  { name: 'loadCsv', accepted: ['header', 'labelColumn', 'delimiter'], call: (o) => io.parseCsv('a,b\n1,0\n2,1\n', o as never) },
  { name: 'saveCheckpoint', accepted: ['model', 'optimizer', 'scheduler', 'step', 'epoch', 'rng', 'data', 'extra'],
    call: (o) => io.checkpointToBuffer({ model: lin(), step: 0, ...o } as never) },
  { name: 'loadCheckpoint', accepted: ['model', 'optimizer', 'scheduler', 'restoreRng'],
    call: (o) => { const m = lin(); return io.checkpointFromBuffer(io.checkpointToBuffer({ model: m, step: 0 }), { model: m, ...o } as never); } },
  { name: 'fit', accepted: ['epochs', 'batchSize', 'optimizer', 'loss', 'shuffle', 'seed', 'signal', 'onProgress', 'progressIntervalMs', 'worker',
    'scheduler', 'schedulerStep', 'clipGradNorm', 'validationData', 'earlyStopping', 'moduleFile', 'moduleArgs'],
    call: (o) => {
      const m = lin();
      // keep a run short and on this thread: many epochs or a worker add time, not coverage
      if (typeof o.epochs === 'number' && o.epochs > 2) o.epochs = 2;
      if ('worker' in o && o.worker !== false) o.worker = false;
      return fit(m, { x: randn(4, 2), y: [0, 1, 1, 0] }, { epochs: 1, batchSize: 2, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, worker: false, ...o } as never);
    } },
  { name: 'fit: earlyStopping', accepted: ['monitor', 'patience', 'minDelta', 'restoreBest'],
    call: (o) => {
      const m = lin();
      const d = { x: randn(4, 2), y: [0, 1, 1, 0] };
      return fit(m, d, { epochs: 2, batchSize: 2, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, worker: false, validationData: d, earlyStopping: o } as never);
    } },
  { name: 'DataLoader', accepted: ['batchSize', 'shuffle', 'dropLast', 'seed', 'sampler', 'shuffleBuffer'],
    call: (o) => [...new data.DataLoader(new data.TensorDataset(randn(4, 2)), o as never)] },
  { name: 'randomSplit', accepted: ['seed'], call: (o) => data.randomSplit(new data.TensorDataset(randn(4, 2)), [0.5, 0.5], o as never) },
  { name: 'RandomSampler', accepted: ['seed'], call: (o) => new data.RandomSampler(4, o as never).indices() },
  { name: 'CsvDataset', accepted: ['header', 'labelColumn', 'delimiter', 'blockRows'], call: (o) => new data.CsvDataset('x.csv', o as never) },
  { name: 'JsonlDataset', accepted: ['xKey', 'yKey', 'blockRows'], call: (o) => new data.JsonlDataset('x.jsonl', o as never) },
  { name: 'forwardAsync', accepted: ['worker'], call: (o) => forwardAsync(lin(), randn(1, 2), { worker: false, ...o } as never) },
  { name: 'InferencePool', accepted: ['size'], call: (o) => new InferencePool(o as never).close() },
  { name: 'diagnose', accepted: ['target', 'loss', 'atInit', 'thresholds', 'bins'], call: (o) => diagnostics.diagnose(lin(), randn(4, 2), o as never) },
  { name: 'lint', accepted: ['loss', 'deep'], call: (o) => diagnostics.lint(lin(), o as never) },
  { name: 'watch', accepted: ['every', 'optimizer', 'bins', 'thresholds'], call: (o) => diagnostics.watch(lin(), o as never).stop() },
  { name: 'Report.toHTML', accepted: ['title', 'activationChart'], call: (o) => diagnostics.diagnose(lin(), randn(2, 2)).toHTML(o as never) },
  { name: 'Watch.toHTML', accepted: ['title', 'activationChart'], call: (o) => { const w = diagnostics.watch(lin()); w.stop(); return w.toHTML(o as never); } },
  { name: 'html', accepted: ['title', 'activationChart', 'report', 'history', 'epochs', 'run'], call: (o) => diagnostics.html(o as never) },
];

function stepOnce(opt: optim.Optimizer<{ lr: number }>): void {
  for (const p of opt.params) p.grad = tensor(Array.from(p.data, () => 0.5)) as Tensor;
  opt.step();
}

const snake = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const OTHER_KEYS = ['labelSmoothing', 'label_smoothing', 'weight', 'amsgrad', 'weight_decay', 'validationData', 'batch_size',
  'dtype', 'device', 'inplace', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'lr ', 'LR', ''];

const value = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, 1, -1, 0.5, 2, 1e9, NaN, Infinity, -0.1, 0.999),
  fc.constantFrom('none', 'tanh', 'mean', 'sum', 'F16', 'BF16', 'I64', 'auto', 'last', 'first', ';', '', 'fan_out', 'relu'),
  fc.double(), fc.integer({ min: -3, max: 8 }), fc.string({ maxLength: 4 }),
  fc.array(fc.double({ min: -1, max: 1.5, noNaN: true }), { maxLength: 3 }),
  fc.constantFrom([0.9, 0.999], [0.9], {}, { deadUnits: 0.2 }, { format: 'pt' }, { w: 'F16' }),
);

function keyFor(e: Entry): fc.Arbitrary<string> {
  const typo = (k: string): string[] => (k.length > 2 ? [k.slice(0, -1), k + 's', k[1] + k[0] + k.slice(2), k.toLowerCase()] : [k + 'x']);
  const pool = [...new Set([...e.accepted, ...e.accepted.map(snake), ...e.accepted.flatMap(typo), ...OTHER_KEYS])];
  return fc.oneof(fc.constantFrom(...pool), fc.string({ minLength: 1, maxLength: 6 }));
}

async function run(e: Entry, o: Record<string, unknown>): Promise<unknown> {
  const r = e.call(o);
  return r instanceof Promise ? await r : r;
}

describe('every public options object: works or a TypeError/RangeError naming the function, never a silent ignore', () => {
  it.each(ENTRIES.map((e, i) => [`${e.name}#${i}`, e] as const))('%s', async (_label, e) => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(keyFor(e), value), { maxLength: 3 }), async (pairs) => {
      manualSeed(1);
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      const unknown = Object.keys(o).filter((k) => !e.accepted.includes(k));
      let err: unknown = null;
      try { await run(e, { ...o }); } catch (x) { err = x; }
      if (unknown.length > 0) expect(err, `${e.name} accepted unknown key(s) ${unknown.join(', ')}`).not.toBeNull();
      if (err !== null) {
        expect(err instanceof TypeError || err instanceof RangeError, `${e.name} threw ${String(err)}`).toBe(true);
        expect((err as Error).message, `${e.name}'s error does not name it`).toContain(e.name);
      }
    }), { numRuns: 150, seed: 10 });
  });
});
