/**
 * The README's claims about neurite in a service, each measured: the event loop stays free
 * while fit trains (worker and time-sliced calling thread: loop delay from
 * monitorEventLoopDelay, and a timer keeps firing), fit copies x and y at call time, an
 * InferencePool's close rejects the calls still pending and an idle pool does not keep the
 * process alive, and the CommonJS build (dist/cjs) loads and starts its workers.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { F, InferencePool, Tensor, fit, manualSeed, nn, optim, randn } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';

const ROOT = resolve(__dirname, '..');
class Custom extends nn.Module { // a model of its own: fit runs it on the calling thread, time-sliced
  a = new nn.Linear(32, 128);
  b = new nn.Linear(128, 4);
  forward(x: Tensor): Tensor { return this.b.forward(this.a.forward(x).relu()); }
}
const builtIn = (): nn.Module => new nn.Sequential(new nn.Linear(32, 128), new nn.ReLU(), new nn.Linear(128, 4));
const weights = (m: nn.Module): number[][] => m.parameters().map((p) => Array.from(p.data));

describe.each(availableBackends())('service claims on the %s backend', (name) => {
  useBackend(name);

  // Generous for a loaded 2-core CI machine; a loop blocked for the run would show >= RUN_MS.
  const RUN_MS = 2000, BOUND_MS = 1000;
  it.each([['worker', builtIn], ['main', () => new Custom()]] as const)('the event loop stays free during fit (%s)', async (mode, make) => {
    manualSeed(1);
    const m = make();
    const x = randn([1024, 32]);
    const y = Array.from({ length: 1024 }, (_, i) => i % 4);
    const ac = new AbortController();
    const h = monitorEventLoopDelay({ resolution: 5 });
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 20);
    const stop = setTimeout(() => ac.abort(), RUN_MS);
    h.enable();
    const t0 = performance.now();
    const err = await fit(m, { x, y }, { epochs: 100000, batchSize: 32, optimizer: new optim.SGD(m.parameters(), { lr: 0.01 }), loss: F.crossEntropy, signal: ac.signal })
      .then(() => null, (e: Error & { history?: { mode?: string } }) => e);
    const ms = performance.now() - t0;
    h.disable();
    clearInterval(timer);
    clearTimeout(stop);
    // stopped by the abort mid-epoch, rejecting with fit's AbortError in both modes
    expect(err, 'fit ended before the abort').not.toBeNull();
    expect(err?.name, String(err)).toBe('AbortError');
    const maxMs = h.max / 1e6;
    process.stderr.write(`event loop during fit (${name}, ${mode}): max delay ${maxMs.toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, ${ticks} ticks of a 20 ms timer in ${ms.toFixed(0)} ms\n`);
    expect(maxMs).toBeLessThan(BOUND_MS);
    expect(ticks).toBeGreaterThan(RUN_MS / 20 / 10); // a tenth of the ticks an idle loop gives (a blocked loop: 0 or 1)
  });

  it.each([true, false])('fit copies x and y at call time (worker: %s)', async (worker) => {
    const run = async (spoil: boolean): Promise<number[][]> => {
      manualSeed(3);
      const m = builtIn();
      const x = randn([96, 32]);
      const y = Array.from({ length: 96 }, (_, i) => i % 4);
      const yi = Int32Array.from(y);
      const p = fit(m, { x, y: yi }, { epochs: 2, batchSize: 16, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: F.crossEntropy, seed: 5, worker });
      if (spoil) { x.data.fill(7); yi.fill(0); } // after the call, before any step ran
      await p;
      return weights(m);
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('InferencePool.close rejects the calls still pending', async () => {
    const pool = new InferencePool({ size: 1 });
    manualSeed(4);
    const m = builtIn();
    const served = pool.load(m);
    await served.forward(randn([2, 32])); // worker up
    const pending = Array.from({ length: 8 }, () => served.forward(randn([4096, 32])));
    const settled = Promise.allSettled(pending);
    await pool.close();
    const r = await settled;
    const rejected = r.filter((s) => s.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0); // one worker cannot have answered 8 large calls before close
    for (const s of rejected) expect(String((s as PromiseRejectedResult).reason)).toMatch(/clos/);
  });
});

describe('processes', () => {
  it('an idle InferencePool (never closed) does not keep the process alive', () => {
    const code = `
      import { InferencePool, nn, randn } from ${JSON.stringify(join(ROOT, 'dist', 'esm', 'index.js'))};
      const pool = new InferencePool({ size: 2 });
      const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
      const y = await pool.forward(m, randn([5, 3]));
      console.log('answered', y.shape.join('x'));`;
    const dir = mkdtempSync(join(tmpdir(), 'neurite-pool-'));
    const file = join(dir, 'idle-pool.mjs');
    writeFileSync(file, code);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.signal, `still alive after ${Date.now() - t0} ms: ${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('answered 5x2');
  });

  it('the CommonJS build loads with require and starts fit and inference workers from dist/cjs', () => {
    const entry = join(ROOT, 'dist', 'cjs', 'index.js');
    expect(existsSync(entry), 'dist/cjs is built by npm run build (pretest)').toBe(true);
    const code = `
      const n = require(${JSON.stringify(entry)});
      if (!require.resolve(${JSON.stringify(entry)}).includes('dist')) throw new Error('not dist');
      n.manualSeed(1);
      const m = new n.nn.Sequential(new n.nn.Linear(3, 8), new n.nn.ReLU(), new n.nn.Linear(8, 2));
      const x = n.randn([32, 3]);
      const y = Int32Array.from({ length: 32 }, (_, i) => i % 2);
      (async () => {
        const h = await n.fit(m, { x, y }, { epochs: 2, batchSize: 8, optimizer: new n.optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'crossEntropy', worker: true });
        const pool = new n.InferencePool({ size: 1 });
        const out = await pool.forward(m, x);
        await pool.close();
        console.log(JSON.stringify({ mode: h.mode, epochs: h.loss.length, out: out.shape }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ mode: 'worker', epochs: 2, out: [32, 2] });
  });
  it('fit and inference workers start from an ES module given as a string (node --input-type=module -e, and on stdin): the workers do not inherit --input-type', () => {
    const code = `
      import * as n from ${JSON.stringify(join(ROOT, 'dist', 'esm', 'index.js'))};
      n.manualSeed(1);
      const m = new n.nn.Sequential(new n.nn.Linear(3, 8), new n.nn.ReLU(), new n.nn.Linear(8, 2));
      const x = n.randn([32, 3]);
      const y = Int32Array.from({ length: 32 }, (_, i) => i % 2);
      const h = await n.fit(m, { x, y }, { epochs: 2, batchSize: 8, optimizer: new n.optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'crossEntropy', worker: true });
      const pool = new n.InferencePool({ size: 1 });
      const out = await pool.forward(m, x);
      await pool.close();
      console.log(JSON.stringify({ mode: h.mode, epochs: h.loss.length, out: out.shape }));`;
    for (const [args, input] of [[['--input-type=module', '-e', code], undefined], [['--input-type', 'module'], code]] as const) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, input });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ mode: 'worker', epochs: 2, out: [32, 2] });
    }
  });
});
