/**
 * Smoke test of the benchmark scripts (no timing assertions): one tiny iteration of every
 * workload's suite on every backend that loads, and a one-round comparison whose numerics
 * check must pass for every peer present on this machine.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableBackends } from './helpers/backends.js';

const SMOKE = ['W1', 'W2', 'W3_sgd', 'W4', 'W5_relu_fwdbwd', 'W6_64'];

function node(args: string[]) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 240_000, env: { ...process.env } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  // the bench runs the built package, as a user would
  if (!existsSync('dist/esm/index.js')) spawnSync(process.execPath, ['scripts/build-ts.mjs'], { stdio: 'inherit' });
}, 240_000);

describe('npm run bench (smoke)', () => {
  it('runs every workload on every backend and writes the table and JSON', () => {
    const out = mkdtempSync(join(tmpdir(), 'neurite-bench-smoke-'));
    const r = node(['bench/run.mjs', '--smoke', '--only', SMOKE.join(','), '--out', out]);
    expect(r.status, r.err).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
    expect(Object.keys(j.runs).sort()).toEqual(
      availableBackends().flatMap((b) => (b === 'native' ? ['native-t1', 'native-t2'] : ['js-t1'])).sort());
    for (const [key, run] of Object.entries<any>(j.runs)) {
      const ids = [...run.results.map((x: any) => x.id), ...run.skipped.map((x: any) => x.id)].sort();
      expect(ids, key).toEqual([...SMOKE].sort());
      for (const x of run.results) expect(Number.isFinite(x.median) && x.median > 0, `${key} ${x.id}`).toBe(true);
    }
    expect(r.out).toMatch(/CPU load seen during the run: 1-min load average/);
    expect(r.out).toMatch(/\| W6_64 \| GFLOP\/s \|/);
  }, 240_000);
});

describe('npm run bench:compare (smoke)', () => {
  it('runs one round on every side present, each agreeing with neurite', () => {
    const out = mkdtempSync(join(tmpdir(), 'neurite-compare-smoke-'));
    const r = node(['bench/compare.mjs', '--only', 'W1,W6_64', '--threads', '1', '--rounds', '1', '--no-native', '--out', out]);
    expect(r.status, r.err).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    for (const id of ['W1', 'W6_64']) {
      for (const [side, res] of Object.entries<any>(j.results[id])) {
        if (res.skip) continue;
        expect(res.error, `${id} ${side}`).toBeUndefined();
        expect(res.check?.ok, `${id} ${side}: ${res.check?.why}`).toBe(true);
        expect(res.median, `${id} ${side}`).toBeGreaterThan(0);
      }
    }
    for (const m of j.missing) expect(m.install).toMatch(/apt-get install|npm install/);
    expect(readFileSync(join(out, 'compare.svg'), 'utf8')).toMatch(/^<svg/);
  }, 240_000);
});
