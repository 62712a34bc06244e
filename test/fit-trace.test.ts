/**
 * fit's per-step phase timers for the benchmarks (lib/train/trace.ts, NEURITE_FIT_TRACE=DIR): in a child process
 * with the variable set, fit on the calling thread and in a worker each write their thread's trace, one row per
 * step with the phases in order; without it nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ENTRY = resolve(__dirname, '../dist/esm/index.js').replace(/\\/g, '/');

function run(env: Record<string, string>): { dir: string; out: { main: string; worker: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-fit-trace-'));
  const script = join(dir, 'run.mjs');
  writeFileSync(script, `import { F, fit, manualSeed, nn, optim, randn } from '${ENTRY}';
    const out = {};
    for (const worker of [false, true]) {
      manualSeed(1);
      const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
      const x = randn([24, 4]), y = Array.from({ length: 24 }, (_, i) => i % 3);
      const h = await fit(model, { x, y }, { epochs: 2, batchSize: 8, seed: 1, loss: F.crossEntropy, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), worker });
      out[h.mode] = h.mode;
    }
    process.stdout.write(JSON.stringify(out));`);
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, NEURITE_BACKEND: 'js', ...env }, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return { dir, out: JSON.parse(r.stdout) };
}

describe('fit trace (NEURITE_FIT_TRACE, benchmarks only)', () => {
  it('writes one row per step with the phases in order, for the calling thread and the worker; nothing when unset', () => {
    const traceDir = mkdtempSync(join(tmpdir(), 'neurite-fit-trace-out-'));
    const { dir, out } = run({ NEURITE_FIT_TRACE: traceDir, NEURITE_FIT_TRACE_FAULTS: '1' });
    expect(out).toEqual({ main: 'main', worker: 'worker' });
    const traces = readdirSync(traceDir).map((f) => JSON.parse(readFileSync(join(traceDir, f), 'utf8')) as { who: string; mode: string; steps: Record<string, number>[] });
    // three files: the calling thread's two fits (its rows with a worker: the batches it sent) and the worker's
    expect(traces.length).toBe(3);
    const main = traces.find((t) => t.who === 'main' && t.mode === 'main');
    expect(traces.find((t) => t.who === 'main' && t.mode === 'worker')?.steps.length).toBe(6);
    const worker = traces.find((t) => t.who === 'worker');
    // 24 samples at 8: 3 steps an epoch, 2 epochs
    expect(main?.steps.length).toBe(6);
    expect(worker?.steps.length).toBe(6);
    for (const s of [...main!.steps, ...worker!.steps]) {
      const marks = Object.keys(s).filter((k) => !['minflt', 'cpuMs', 'queueMs'].includes(k));
      expect(marks).toEqual('data' in s ? ['start', 'data', 'yield', 'grad', 'finish'] : ['start', 'grad', 'finish']);
      for (let i = 1; i < marks.length; i++) expect(s[marks[i]]).toBeGreaterThanOrEqual(s[marks[i - 1]]);
      expect(s.minflt).toBeGreaterThanOrEqual(0);
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(traceDir, { recursive: true, force: true });
    const off = run({});
    expect(readdirSync(off.dir)).toEqual(['run.mjs']);
    rmSync(off.dir, { recursive: true, force: true });
  });
});
