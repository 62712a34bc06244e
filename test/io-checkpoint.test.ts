import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { io, nn, optim, F, manualSeed, randn, Tensor } from '../lib/index.js';
import { getRngState, uniform } from '../lib/random.js';
import { nativeAddonPath } from '../lib/backend/native.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { C, D, makeModel, snapshot, steps, type Cursor } from './helpers/resume-loop.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-ckpt-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(availableBackends())('checkpoints (%s backend)', (name) => {
  useBackend(name);

  it.each([['Adam', (m: nn.Module) => new optim.Adam(m.parameters(), { lr: 0.01 })],
    ['SGD', (m: nn.Module) => new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })]] as const)(
    'a run resumed from a mid-epoch checkpoint continues bit for bit (%s, dropout, shuffling)', async (_o, mkOpt) => {
      manualSeed(1234);
      const a = makeModel();
      const optA = mkOpt(a);
      const curA: Cursor = { epoch: 0, position: 0, order: null };
      steps(a, optA, curA, 13);

      manualSeed(1234);
      const b = makeModel();
      const optB = mkOpt(b);
      const curB: Cursor = { epoch: 0, position: 0, order: null };
      steps(b, optB, curB, 7); // stops inside the second epoch
      const path = join(dir, `resume-${name}-${_o}.safetensors`);
      await io.saveCheckpoint(path, { model: b, optimizer: optB, step: 7, epoch: curB.epoch, data: { order: curB.order!, position: curB.position }, extra: { note: 'mid-epoch' } });

      // a fresh process would start from other weights and another generator state
      manualSeed(999);
      randn([17]);
      const c = makeModel();
      const optC = mkOpt(c);
      const got = await io.loadCheckpoint(path, { model: c, optimizer: optC });
      expect(got.step).toBe(7);
      expect(got.epoch).toBe(1);
      expect(got.extra).toEqual({ note: 'mid-epoch' });
      expect(Array.from(got.data!.order!)).toEqual(Array.from(curB.order!));
      const curC: Cursor = { epoch: got.epoch!, position: got.data!.position!, order: got.data!.order! };
      steps(c, optC, curC, 13 - 7);
      expect(snapshot(c, optC)).toBe(snapshot(a, optA));
      // and the generators agree afterwards too
      const after = uniform();
      manualSeed(1234);
      const ref = makeModel();
      steps(ref, mkOpt(ref), { epoch: 0, position: 0, order: null }, 13);
      expect(uniform()).toBe(after);
    });

  it('a run stopped mid-epoch resumes bit for bit in a fresh process', () => {
    const child = join(dir, `resume-child-${name}.mjs`);
    if (!existsSync(child)) {
      buildSync({ entryPoints: [resolve(__dirname, 'fixtures', 'resume-child.ts')], bundle: true, format: 'esm', platform: 'node', outfile: child, logLevel: 'error' });
    }
    const path = join(dir, `fresh-${name}.ckpt`);
    const run = (mode: string): string => {
      // the bundle lives outside the package, so it is told where the addon is
      const env = { ...process.env, NEURITE_BACKEND: name, ...(name === 'native' ? { NEURITE_ADDON_PATH: nativeAddonPath() } : {}) };
      const r = spawnSync(process.execPath, [child, mode, path], { encoding: 'utf8', env, timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const full = run('full');
    expect(run('first')).toBe('');
    expect(existsSync(path)).toBe(true);
    const resumed = run('rest');
    expect(full.length).toBeGreaterThan(100);
    expect(resumed).toBe(full);
  });

  it('restores BatchNorm buffers, the step count and the RNG exactly', () => {
    manualSeed(5);
    const m = new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNorm1d(5), new nn.Tanh(), new nn.Linear(5, 2));
    const opt = new optim.AdamW(m.parameters(), { lr: 0.01 });
    for (let i = 0; i < 3; i++) { opt.zeroGrad(); F.mseLoss(m.forward(randn([8, 4])), randn([8, 2])).backward(); opt.step(); }
    const rng = getRngState();
    const buf = io.checkpointToBuffer({ model: m, optimizer: opt, step: 3 });
    manualSeed(77);
    const m2 = new nn.Sequential(new nn.Linear(4, 5), new nn.BatchNorm1d(5), new nn.Tanh(), new nn.Linear(5, 2));
    const opt2 = new optim.AdamW(m2.parameters(), { lr: 0.5 });
    const got = io.checkpointFromBuffer(buf, { model: m2, optimizer: opt2 });
    expect(got.step).toBe(3);
    expect(getRngState()).toEqual(rng);
    expect(snapshot(m2, opt2)).toBe(snapshot(m, opt));
    expect(m2.stateDict()['1.num_batches_tracked'].item()).toBe(3);
    expect(opt2.lr).toBe(0.01);
    // restoreRng: false leaves the generator alone
    manualSeed(77);
    const before = getRngState();
    io.checkpointFromBuffer(buf, { model: m2, optimizer: opt2, restoreRng: false });
    expect(getRngState()).toEqual(before);
  });
});

describe('checkpoints that do not fit change nothing', () => {
  function trained(): { m: nn.Sequential; opt: optim.Adam; buf: Buffer } {
    manualSeed(3);
    const m = makeModel();
    const opt = new optim.Adam(m.parameters(), { lr: 0.01 });
    steps(m, opt, { epoch: 0, position: 0, order: null }, 2);
    return { m, opt, buf: io.checkpointToBuffer({ model: m, optimizer: opt, step: 2 }) };
  }
  const cases: [string, () => { model: nn.Module; optimizer?: optim.Optimizer<{ lr: number }> }, RegExp][] = [
    ['a layer of another size', () => {
      const model = new nn.Sequential(new nn.Linear(D, 17), new nn.ReLU(), new nn.Dropout(0.25), new nn.Linear(17, C));
      return { model, optimizer: new optim.Adam(model.parameters()) };
    }, /size mismatch for '0\.weight': checkpoint has \[16,6\], model has \[17,6\]/],
    ['other parameter names', () => {
      const model = new nn.Sequential(new nn.Linear(D, 16), new nn.Linear(16, C));
      return { model, optimizer: new optim.Adam(model.parameters()) };
    }, /missing keys: 1\.weight, 1\.bias; unexpected keys: 3\.weight, 3\.bias/],
    ['another optimizer', () => { const model = makeModel(); return { model, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }) }; },
      /holds Adam state, the optimizer is SGD/],
    ['an optimizer over fewer parameters', () => { const model = makeModel(); return { model, optimizer: new optim.Adam(model.parameters().slice(0, 2)) }; },
      /optimizer state for parameter 2, but the optimizer has 2 parameters/],
  ];
  it.each(cases)('%s', (_n, make, msg) => {
    const { buf } = trained();
    const target = make();
    // give the target some optimizer state of its own, to see it survive
    if (target.optimizer) {
      target.optimizer.zeroGrad();
      for (const p of target.optimizer.params) p.grad = new Tensor(new Float32Array(p.size).fill(0.5), p.shape);
      target.optimizer.step();
    }
    const before = snapshot(target.model, target.optimizer);
    const rng = getRngState();
    expect(() => io.checkpointFromBuffer(buf, { model: target.model, optimizer: target.optimizer }, 'c.ckpt')).toThrow(msg);
    expect(snapshot(target.model, target.optimizer)).toBe(before);
    expect(getRngState()).toEqual(rng);
  });

  it('says when a file is a plain state dict, not a checkpoint, and when it is missing', async () => {
    const sdFile = join(dir, 'plain.safetensors');
    io.saveSafetensorsSync(sdFile, makeModel().stateDict());
    await expect(io.loadCheckpoint(sdFile, { model: makeModel() })).rejects.toThrow(/not a neurite checkpoint/);
    await expect(io.loadCheckpoint(join(dir, 'missing.ckpt'), { model: makeModel() })).rejects.toThrow(/missing\.ckpt: no such file/);
    expect(() => io.checkpointToBuffer({ model: makeModel(), step: -1 })).toThrow(/step must be a non-negative integer/);
    expect(() => io.checkpointToBuffer({ model: makeModel(), step: 1, extra: { x: 1n } })).toThrow(/extra must be JSON-serialisable/);
    expect(() => io.checkpointToBuffer({ model: makeModel(), step: 1, tensors: { ema: [1, 2] as never } })).toThrow(/saveCheckpoint: tensors\.ema must be a Tensor/);
  });

  it('keeps more named tensors (tensors) and gives them back as float32 copies', () => {
    const m = makeModel();
    const ema = randn([3, 5]);
    const buf = io.checkpointToBuffer({ model: m, step: 4, tensors: { ema, 'fit.best.0': randn([7]) } });
    const got = io.checkpointFromBuffer(buf, { model: makeModel(), restoreRng: false });
    expect(Object.keys(got.tensors!)).toEqual(['ema', 'fit.best.0']);
    expect(got.tensors!.ema.shape).toEqual([3, 5]);
    expect(Array.from(got.tensors!.ema.data)).toEqual(Array.from(ema.data));
    expect(got.tensors!.ema.data.buffer).not.toBe(buf.buffer); // a copy: the buffer may be reused
    expect(io.checkpointFromBuffer(io.checkpointToBuffer({ model: m, step: 4 }), { model: makeModel(), restoreRng: false }).tensors).toBeUndefined();
  });
});

/** lib/io (and nn) bundled into one ES module a plain `node` child can import. */
function bundle(): string {
  const out = join(dir, 'bundle');
  if (!existsSync(join(out, 'lib.mjs'))) {
    const root = resolve(__dirname, '..');
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, `export * as io from ${JSON.stringify(join(root, 'lib/io/index.ts'))};\n`
      + `export * as nn from ${JSON.stringify(join(root, 'lib/nn/index.ts'))};\n`);
    buildSync({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile: join(out, 'lib.mjs'), logLevel: 'error' });
  }
  return join(out, 'lib.mjs');
}

/**
 * The child saves a complete checkpoint (step 1, weights 1), then starts saving step 2 and,
 * once half the bytes are on disk, says 'half' and waits to be killed. With 'loop' it saves
 * again and again instead, and the parent kills it at an arbitrary moment.
 */
const CHILD = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
const [lib, path, mode] = process.argv.slice(2);
const { io, nn } = await import(lib);
const model = new nn.Linear(1024, 2048, { bias: false });
model.weight.data.fill(1);
io.saveCheckpointSync(path, { model, step: 1 });
process.stdout.write('saved1\\n');
if (mode === 'half') {
  const fs = createRequire(import.meta.url)('node:fs');
  const write = fs.writeSync;
  let total = 0;
  fs.writeSync = (fd, buf, off, len, pos) => {
    const n = write(fd, buf, off, Math.min(len, 1 << 20), pos);
    total += n;
    if (total > buf.length / 2) { process.stdout.write('half\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }
    return n;
  };
  syncBuiltinESMExports();
  model.weight.data.fill(2);
  io.saveCheckpointSync(path, { model, step: 2 });
} else {
  for (let s = 2; ; s++) { model.weight.data.fill(s); io.saveCheckpointSync(path, { model, step: s }); }
}
`;

function runChild(path: string, mode: 'half' | 'loop', killAfter: (line: string) => number | null): Promise<string[]> {
  return new Promise((res, rej) => {
    const script = join(dir, 'child.mjs');
    writeFileSync(script, CHILD);
    const child = spawn(process.execPath, [script, bundle(), path, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const delay = killAfter(line);
        if (delay !== null) setTimeout(() => child.kill('SIGKILL'), delay);
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? res(lines) : rej(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('a process killed in the middle of a save', () => {
  it('leaves the previous checkpoint intact (killed with half the new file written)', async () => {
    const sub = mkdtempSync(join(dir, 'half-'));
    const path = join(sub, 'model.ckpt');
    const lines = await runChild(path, 'half', (l) => (l === 'half' ? 0 : null));
    expect(lines).toEqual(['saved1', 'half']);
    // the torn write is there, beside the target, and the target is the complete old checkpoint
    const temps = readdirSync(sub).filter((f) => f.endsWith('.tmp'));
    expect(temps).toHaveLength(1);
    expect(statSync(join(sub, temps[0])).size).toBeGreaterThan(statSync(path).size / 2);
    expect(statSync(join(sub, temps[0])).size).toBeLessThan(statSync(path).size);
    const model = new nn.Linear(1024, 2048, { bias: false });
    const got = await io.loadCheckpoint(path, { model, restoreRng: false });
    expect(got.step).toBe(1);
    expect(model.weight.data.every((v) => v === 1)).toBe(true);
    // the next save clears the dead writer's temporary file
    io.saveCheckpointSync(path, { model, step: 3 });
    expect(readdirSync(sub)).toEqual(['model.ckpt']);
  });

  it('always leaves one complete checkpoint when killed at an arbitrary moment', async () => {
    // a kill that left the writer's temporary file behind landed mid-write: at least one must
    // (the loop saves back to back, so nearly every moment is inside a write)
    let midWrite = 0;
    const delays = [5, 40, 120, 17, 63, 90, 11, 150];
    for (let i = 0; i < delays.length && (i < 3 || midWrite === 0); i++) {
      const sub = mkdtempSync(join(dir, 'loop-'));
      const path = join(sub, 'model.ckpt');
      await runChild(path, 'loop', (l) => (l === 'saved1' ? delays[i] : null));
      if (readdirSync(sub).some((f) => f.endsWith('.tmp'))) midWrite++;
      const model = new nn.Linear(1024, 2048, { bias: false });
      const got = await io.loadCheckpoint(path, { model, restoreRng: false });
      expect(got.step).toBeGreaterThanOrEqual(1);
      expect(model.weight.data.every((v) => v === got.step)).toBe(true);
    }
    expect(midWrite, 'no kill landed while a save was writing').toBeGreaterThan(0);
  });
});
