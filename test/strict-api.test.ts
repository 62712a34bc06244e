// Issue 10 §3: the public API refuses what it does not understand (unknown option keys, options
// not implemented yet, bad hyper-parameters) and takes PyTorch's call forms where JS allows.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, nn, optim, io, diagnostics, fit, forwardAsync, InferencePool, tensor, zeros, ones, full, randn, rand, arange, linspace, sum, mean, manualSeed } from '../lib/index.js';

const model = () => new nn.Sequential(new nn.Linear(2, 2));

describe('creation: PyTorch size forms', () => {
  it('zeros/ones/randn/rand take varargs or one array, with options last', () => {
    for (const f of [zeros, ones, randn, rand]) {
      expect(f(2, 3).shape).toEqual([2, 3]);
      expect(f([2, 3]).shape).toEqual([2, 3]);
      expect(f(4).shape).toEqual([4]);
      expect(f(2, 3, { requiresGrad: true }).requiresGrad).toBe(true);
      expect(f([2, 3], { requiresGrad: true }).requiresGrad).toBe(true);
      expect(f([]).shape).toEqual([]);
    }
    expect(Array.from(ones(2, 2).data)).toEqual([1, 1, 1, 1]);
    manualSeed(3); const a = randn(2, 3); manualSeed(3); const b = randn([2, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
  it('bad sizes name the function and the call form', () => {
    expect(() => zeros('2' as never)).toThrow(TypeError);
    expect(() => zeros('2' as never)).toThrow(/zeros: size must be integers, as zeros\(2, 3\) or zeros\(\[2, 3\]\)/);
    expect(() => ones([2, [3]] as never)).toThrow(/ones: size/);
    expect(() => zeros(2, -1)).toThrow(RangeError);
    expect(() => zeros(2.5)).toThrow(/zeros: dims must be non-negative integers/);
    expect(() => (zeros as () => unknown)()).toThrow(/zeros: a size is required/);
    expect(() => randn({ requiresGrad: true } as never)).toThrow(/randn: a size is required/);
  });
  it('full takes one size array then the value', () => {
    expect(Array.from(full([2], 7).data)).toEqual([7, 7]);
    expect(() => full(2 as never, 3)).toThrow(/full: size must be an array/);
    expect(() => full([2], '3' as never)).toThrow(/full: fill value must be a number/);
  });
  it('tensor(data, options) as torch.tensor(data, requires_grad=True)', () => {
    const t = tensor([1, 2], { requiresGrad: true });
    expect(t.requiresGrad).toBe(true);
    expect(t.shape).toEqual([2]);
    expect(() => tensor([1, 2], { requires_grad: true } as never)).toThrow(/tensor: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)/);
    expect(() => tensor([1, 2], [2], { grad: true } as never)).toThrow(TypeError);
    expect(() => zeros(2, { requiresgrad: true } as never)).toThrow(/zeros: unknown option 'requiresgrad'/);
    expect(() => arange(3, 5, 1, { dtype: 'float64' } as never)).toThrow(/arange: unknown option 'dtype'/);
    expect(() => linspace(0, 1, 3, { requiresGrad: 1 } as never)).toThrow(/linspace: requiresGrad must be a boolean/);
  });
});

describe('sum/mean over several dims', () => {
  const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  it('sums over a list of dims as torch (x.sum([0, 1]), negative dims, keepDim, [] is every dim)', () => {
    expect(Array.from(x.sum([0, 1]).data)).toEqual([16, 20]);
    expect(x.sum([0, 1]).shape).toEqual([2]);
    expect(x.sum([0, -1], true).shape).toEqual([1, 2, 1]);
    expect(Array.from(x.sum([0, -1], true).data)).toEqual([14, 22]);
    expect(Array.from(sum(x, [2, 0]).data)).toEqual([14, 22]);
    expect(Array.from(x.mean([1, 2]).data)).toEqual([2.5, 6.5]);
    expect(Array.from(mean(x, [0]).data)).toEqual(Array.from(mean(x, 0).data));
    expect(x.sum([]).item()).toBe(36);
  });
  it('backward spreads the gradient over every reduced dim', () => {
    const y = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    y.mean([0, 1]).backward();
    expect(Array.from(y.grad!.data)).toEqual(new Array(6).fill(1 / 6).map(Math.fround));
  });
  it('repeated or bad dims are errors naming sum', () => {
    expect(() => x.sum([0, 0])).toThrow(/sum: dim 0 appears multiple times/);
    expect(() => x.sum([0, 3])).toThrow(/sum: /);
    expect(() => x.sum(['0'] as never)).toThrow(TypeError);
    expect(() => x.mean({ dim: 0 } as never)).toThrow(/mean: dim must be a number or an array/);
  });
});

describe('losses and activations: options checked', () => {
  const logits = tensor([[1, 2, 3], [1, 0, 0]]);
  it('PyTorch spellings point to the camelCase option; deprecated ones are errors, not silent no-ops', () => {
    expect(() => F.crossEntropy(logits, [0, 1], { label_smoothing: 0.5 } as never)).toThrow(/crossEntropy: unknown option 'label_smoothing' \(did you mean 'labelSmoothing'\?\)/);
    expect(() => F.crossEntropy(logits, [0, 1], { weight: tensor([1, 1]) })).toThrow(/weight must be a 1-D Tensor of 3 class weights/);
    expect(() => F.nllLoss(logits, [0, 1], { ignore_index: 1 } as never)).toThrow(/nllLoss: unknown option 'ignore_index' \(did you mean 'ignoreIndex'\?\)/);
    expect(() => F.binaryCrossEntropyWithLogits(logits, logits, { pos_weight: 2 } as never)).toThrow(/binaryCrossEntropyWithLogits: unknown option 'pos_weight'/);
    expect(() => F.mseLoss(logits, logits, { size_average: true } as never)).toThrow(/mseLoss: option 'size_average' \(sizeAverage\) is not supported yet/);
    expect(() => F.mseLoss(logits, logits, { reductoin: 'sum' } as never)).toThrow(/mseLoss: unknown option 'reductoin' \(did you mean 'reduction'\?\)/);
    expect(() => F.mseLoss(logits, logits, { reduction: 'avg' } as never)).toThrow(RangeError);
    expect(F.mseLoss(logits, logits, { reduction: 'sum' }).item()).toBe(0);
  });
  it('gelu/leakyRelu/elu', () => {
    expect(() => F.gelu(logits, { approx: 'tanh' } as never)).toThrow(/gelu: unknown option 'approx' \(did you mean 'approximate'\?\)/);
    expect(() => F.leakyRelu(logits, { negativeSlope: 0.2 } as never)).toThrow(/leakyRelu: negativeSlope must be a number/);
    expect(() => F.elu(logits, '1' as never)).toThrow(/elu: alpha must be a number/);
  });
});

describe('optimizers: options and hyper-parameters checked at construction', () => {
  const params = () => [tensor([1, 2], { requiresGrad: true })];
  it('unknown and not-yet-supported options', () => {
    expect(() => new optim.Adam(params(), { fused: true } as never)).toThrow(/Adam: option 'fused' is not supported yet; accepted options: lr, betas, eps, weightDecay, amsgrad, maximize/);
    expect(() => new optim.Adam(params(), { weight_decay: 0.1 } as never)).toThrow(/Adam: unknown option 'weight_decay' \(did you mean 'weightDecay'\?\)/);
    expect(() => new optim.AdamW(params(), { lr: 1, capturable: true } as never)).toThrow(/AdamW: option 'capturable' is not supported yet/);
    expect(() => new optim.SGD(params(), { lr: 0.1, momentun: 0.9 } as never)).toThrow(/SGD: unknown option 'momentun' \(did you mean 'momentum'\?\)/);
    expect(() => new optim.SGD(params(), { lr: 0.1, foreach: true } as never)).toThrow(/SGD: option 'foreach' is not supported yet/);
    expect(() => new optim.lrScheduler.CosineAnnealingLR(new optim.SGD(params(), { lr: 1 }), { tMax: 3, T_max: 3 } as never))
      .toThrow(/CosineAnnealingLR: unknown option 'T_max' \(did you mean 'tMax'\?\)/);
  });
  it('SGD: lr required and >= 0, momentum/weight decay >= 0, Nesterov rules (PyTorch 1.13)', () => {
    expect(() => new optim.SGD(params(), undefined as never)).toThrow(/SGD: lr is required/);
    expect(() => new optim.SGD(params(), {} as never)).toThrow(TypeError);
    expect(() => new optim.SGD(params(), { lr: -1 })).toThrow(RangeError);
    expect(() => new optim.SGD(params(), { lr: -1 })).toThrow(/SGD: invalid learning rate: -1/);
    expect(() => new optim.SGD(params(), { lr: '0.1' } as never)).toThrow(/SGD: lr must be a number/);
    expect(() => new optim.SGD(params(), { lr: 0.1, momentum: -0.5 })).toThrow(/SGD: invalid momentum value: -0.5/);
    expect(() => new optim.SGD(params(), { lr: 0.1, weightDecay: -1 })).toThrow(/SGD: invalid weight_decay value: -1/);
    expect(() => new optim.SGD(params(), { lr: 0.1, nesterov: true })).toThrow(/SGD: Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new optim.SGD(params(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => new optim.SGD(params(), { lr: 0.1, nesterov: 1 } as never)).toThrow(/SGD: nesterov must be a boolean/);
    expect(new optim.SGD(params(), { lr: 0.1, momentum: 0.9, nesterov: true }).lr).toBe(0.1);
    // as PyTorch, only the constructor's options: a group inheriting nesterov may set momentum 0 (plain SGD) or a dampening
    const [a, b] = [zeros(2), zeros(2)];
    const inherit = new optim.SGD([{ params: [a] }, { params: [b], momentum: 0 }], { lr: 0.1, momentum: 0.9, nesterov: true });
    expect(inherit.paramGroups[1]).toMatchObject({ momentum: 0, nesterov: true });
    expect(() => new optim.SGD([{ params: [a] }, { params: [b], momentum: 0, nesterov: true }], { lr: 0.1 }))
      .toThrow(/SGD param group: Nesterov momentum requires a momentum and zero dampening \(got momentum 0, dampening 0\)/);
    const sgd = new optim.SGD([a], { lr: 0.1 });
    expect(() => sgd.addParamGroup({ params: [b], nesterov: true, momentum: 0.5, dampening: 0.1 })).toThrow(/SGD param group: Nesterov/);
    expect(sgd.paramGroups.length).toBe(1); // a rejected group is not kept
    expect(() => new optim.SGD(model() as never, { lr: 0.1 })).toThrow(/SGD: params must be an iterable of Tensors, such as model.parameters\(\)/);
  });
  it('Adam/AdamW: lr, eps >= 0, betas two numbers in [0, 1), weight decay >= 0', () => {
    for (const Opt of [optim.Adam, optim.AdamW]) {
      const n = Opt.name;
      expect(() => new Opt(params(), { betas: [0.9] as never })).toThrow(new RegExp(`${n}: betas must be two numbers`));
      expect(() => new Opt(params(), { betas: [0.9, 1] })).toThrow(new RegExp(`${n}: invalid beta parameter at index 1: 1`));
      expect(() => new Opt(params(), { betas: [-0.1, 0.9] })).toThrow(/invalid beta parameter at index 0/);
      expect(() => new Opt(params(), { eps: -1e-8 })).toThrow(new RegExp(`${n}: invalid epsilon value`));
      expect(() => new Opt(params(), { lr: -1 })).toThrow(new RegExp(`${n}: invalid learning rate`));
      expect(() => new Opt(params(), { lr: NaN })).toThrow(RangeError);
      expect(() => new Opt(params(), { weightDecay: -0.1 })).toThrow(new RegExp(`${n}: invalid weight_decay value`));
      expect(new Opt(params(), { eps: 0 }).lr).toBe(1e-3); // PyTorch accepts eps = 0
    }
  });
  it('a schedule or user setting a negative lr is refused, naming the optimizer', () => {
    const o = new optim.Adam(params());
    expect(() => { o.lr = -1; }).toThrow(/Adam: invalid learning rate: -1/);
  });
});

describe('nn: options and call forms', () => {
  it('Linear: positional bias (PyTorch) and { bias }', () => {
    expect(new nn.Linear(3, 2, false).bias).toBeNull();
    expect(new nn.Linear(3, 2, true).bias).not.toBeNull();
    expect(new nn.Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(new nn.Linear(3, 2).parameters().length).toBe(2);
    expect(new nn.Linear(3, 2, false).parameters().length).toBe(1);
    expect(() => new nn.Linear(3, 2, { bais: false } as never)).toThrow(/Linear: unknown option 'bais' \(did you mean 'bias'\?\)/);
    expect(() => new nn.Linear(3, 2, { bias: 0 } as never)).toThrow(/Linear: bias must be a boolean/);
    expect(() => new nn.Linear(3, 2, { dtype: 'float64' } as never)).toThrow(/Linear: option 'dtype' is not supported yet/);
    expect(() => new nn.Linear('3' as never, 2)).toThrow(/Linear: inFeatures must be a number/);
  });
  it('Dropout/LeakyReLU/ELU: positional or options; p in [0, 1]', () => {
    expect(new nn.Dropout({ p: 0.2 }).p).toBe(0.2);
    expect(new nn.Dropout(0.3).p).toBe(0.3);
    for (const p of [-0.1, 1.5, NaN]) expect(() => new nn.Dropout(p)).toThrow(/Dropout: probability has to be between 0 and 1/);
    expect(() => new nn.Dropout({ prob: 0.2 } as never)).toThrow(/Dropout: unknown option 'prob'/);
    expect(() => new nn.Dropout({ inplace: true } as never)).toThrow(/Dropout: option 'inplace' is not supported yet/);
    expect(() => new nn.Dropout('0.2' as never)).toThrow(/Dropout: p must be a number/);
    expect(() => F.dropout(tensor([1]), 2)).toThrow(/dropout: probability has to be between 0 and 1/);
    expect(new nn.LeakyReLU({ negativeSlope: 0.2 }).param).toBe(0.2);
    expect(() => new nn.LeakyReLU({ negative_slope: 0.2 } as never)).toThrow(/LeakyReLU: unknown option 'negative_slope' \(did you mean 'negativeSlope'\?\)/);
    expect(new nn.ELU({ alpha: 0.5 }).param).toBe(0.5);
  });
  it('GELU, LayerNorm, BatchNorm1d, init, loadStateDict, train', () => {
    expect(() => new nn.GELU({ approximation: 'tanh' } as never)).toThrow(/GELU: unknown option 'approximation'/);
    expect(() => new nn.LayerNorm(4, { elementwise_affine: false } as never)).toThrow(/LayerNorm: unknown option 'elementwise_affine' \(did you mean 'elementwiseAffine'\?\)/);
    expect(() => new nn.LayerNorm(4, { eps: -1 })).toThrow(/LayerNorm: eps must be >= 0/);
    expect(() => new nn.LayerNorm('4' as never)).toThrow(/LayerNorm: normalizedShape must be a number/);
    expect(() => new nn.BatchNorm1d(4, { track_running_stats: false } as never)).toThrow(/BatchNorm1d: option 'track_running_stats' \(trackRunningStats\) is not supported yet/);
    expect(() => new nn.BatchNorm1d(4, { momentum: '0.1' } as never)).toThrow(/BatchNorm1d: momentum must be a number or null/);
    expect(new nn.BatchNorm1d(4, { momentum: null }).momentum).toBeNull();
    const w = zeros(3, 4);
    expect(() => nn.init.kaimingUniform_(w, { mode: 'fan_out', nonlinear: 'relu' } as never)).toThrow(/kaimingUniform_: unknown option 'nonlinear' \(did you mean 'nonlinearity'\?\)/);
    expect(() => nn.init.kaimingNormal_(w, { gain: 2 } as never)).toThrow(/kaimingNormal_: unknown option 'gain'/);
    const m = model();
    expect(() => m.loadStateDict(m.stateDict(), { strcit: false } as never)).toThrow(/loadStateDict: unknown option 'strcit' \(did you mean 'strict'\?\)/);
    expect(() => m.train('eval' as never)).toThrow(/train: training mode is expected to be a boolean/);
  });
});

describe('io, fit, serve, diagnostics: options checked', () => {
  const sd = () => ({ w: tensor([0.1, 0.2, 0.3]) });
  it("saveSafetensors(path, sd, { dtype: 'BF16' }) writes BF16, never metadata", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neurite-strict-'));
    const p = join(dir, 'a.safetensors');
    await io.saveSafetensors(p, sd(), { dtype: 'BF16' });
    const header = JSON.parse(readFileSync(p).subarray(8, 8 + Number(readFileSync(p).readBigUInt64LE(0))).toString());
    expect(header.w.dtype).toBe('BF16');
    expect(header.__metadata__).toBeUndefined();
    io.saveSafetensorsSync(p, sd(), { metadata: { dtype: 'kept as metadata' }, dtype: 'F16' });
    const back = io.loadSafetensorsSync(p);
    expect(back.metadata).toEqual({ dtype: 'kept as metadata' });
    // the two-argument form still means (metadata, options)
    const buf = io.safetensorsToBuffer(sd(), { format: 'pt' }, { dtype: 'F16' });
    expect(io.safetensorsFromBuffer(buf).metadata).toEqual({ format: 'pt' });
    expect(() => io.safetensorsToBuffer(sd(), { dtype: 'BF16', format: 'pt' } as never)).toThrow(/safetensorsToBuffer: unknown option 'format'.*accepted options: metadata, dtype, dtypes/);
    expect(() => io.safetensorsToBuffer(sd(), undefined, { dtype: 'bf16' } as never)).toThrow(/safetensorsToBuffer: dtype must be one of F32, F16, BF16/);
    expect(() => io.safetensorsToBuffer(sd(), undefined, { dtypes: { v: 'F16' } })).toThrow(/dtypes names 'v', which is not one of the tensors/);
    expect(() => io.saveSafetensorsSync(p, sd(), undefined, { dtpye: 'F16' } as never)).toThrow(/saveSafetensorsSync: unknown option 'dtpye' \(did you mean 'dtype'\?\)/);
    rmSync(dir, { recursive: true, force: true });
  });
  it('loadCsv, checkpoints', () => {
    expect(() => io.parseCsv('1,2\n3,4\n', { label_column: 'first' } as never)).toThrow(/loadCsv: unknown option 'label_column' \(did you mean 'labelColumn'\?\)/);
    expect(() => io.parseCsv('1,2\n3,4\n', { delimiter: '' })).toThrow(/loadCsv: delimiter must be a non-empty string/);
    expect(() => io.parseCsv('1,2\n3,4\n', { header: 'yes' } as never)).toThrow(/loadCsv: header must be true, false or 'auto'/);
    expect(io.parseCsv('1;2\n3;4\n', { delimiter: ';' }).x.shape).toEqual([2, 1]);
    const m = model();
    expect(() => io.checkpointToBuffer({ model: m, step: 0, epochs: 1 } as never)).toThrow(/saveCheckpoint: unknown option 'epochs' \(did you mean 'epoch'\?\)/);
    const buf = io.checkpointToBuffer({ model: m, step: 0 });
    expect(() => io.checkpointFromBuffer(buf, { model: m, restore_rng: false } as never)).toThrow(/loadCheckpoint: unknown option 'restore_rng' \(did you mean 'restoreRng'\?\)/);
  });
  it('fit: unknown and not-yet options are refused before any step', async () => {
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const data = { x: randn(4, 2), y: [0, 1, 0, 1] };
    const base = { epochs: 1, batchSize: 2, optimizer: opt, loss: F.crossEntropy, worker: false } as const;
    const before = Array.from(m.parameters()[0].data);
    await expect(fit(m, data, { ...base, validation_split: 0.2 } as never)).rejects.toThrow(/fit: option 'validation_split' \(validationSplit\) is not supported yet/);
    await expect(fit(m, data, { ...base, batch_size: 2 } as never)).rejects.toThrow(/fit: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/);
    await expect(fit(m, data, { ...base, shuffle: 'yes' } as never)).rejects.toThrow(/fit: shuffle must be a boolean/);
    await expect(fit(m, { ...data, w: 1 } as never, base)).rejects.toThrow(/fit: data: unknown option 'w'/);
    expect(Array.from(m.parameters()[0].data)).toEqual(before);
  });
  it('forwardAsync, InferencePool, diagnose, lint, watch, html', async () => {
    const m = model();
    await expect(forwardAsync(m, randn(1, 2), { workers: true } as never)).rejects.toThrow(/forwardAsync: unknown option 'workers' \(did you mean 'worker'\?\)/);
    expect(() => new InferencePool({ threads: 2 } as never)).toThrow(/InferencePool: unknown option 'threads'/);
    expect(() => diagnostics.diagnose(m, randn(2, 2), { targets: [0, 1] } as never)).toThrow(/diagnose: unknown option 'targets' \(did you mean 'target'\?\)/);
    expect(() => diagnostics.diagnose(m, randn(2, 2), { thresholds: { dead_units: 0.2 } } as never)).toThrow(/diagnose: thresholds: unknown option 'dead_units' \(did you mean 'deadUnits'\?\)/);
    expect(() => diagnostics.lint(m, { deep: 0 })).toThrow(/lint: deep must be a positive integer/);
    expect(() => diagnostics.lint(m, { los: 'mse' } as never)).toThrow(/lint: unknown option 'los'/);
    expect(() => diagnostics.watch(m, { evry: 10 } as never)).toThrow(/watch: unknown option 'evry' \(did you mean 'every'\?\)/);
    expect(() => diagnostics.html({ titel: 'x' } as never)).toThrow(/html: unknown option 'titel' \(did you mean 'title'\?\)/);
  });
});

describe('x[0] on a Tensor', () => {
  it('throws a TypeError saying what to use, instead of a silent undefined', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => (x as unknown as number[])[0]).toThrow(TypeError);
    expect(() => (x as unknown as number[])[3]).toThrow(/Tensor: x\[3\] is not supported .*x\.data\[3\].*x\.toArray\(\).*x\.item\(\)/);
    expect(x.data[0]).toBe(1);
    expect(Object.keys(x)).not.toContain('0'); // nothing enumerable added to tensors
  });
});
