// The API reference's examples are evidence: every callable public export (function, class,
// function-valued const; scripts/api-exports.mjs) carries an `@example` with a ```js block, and
// every such block RUNS against the built dist as a user would write it (`import ... from
// 'neurite'`, in a scratch folder of its own). All blocks run in ONE child process, one after
// another (dynamic import of each block's file), so the whole file costs one spawn; the process
// resets the global state a block may change (backend, grad mode, matmul precision) between
// blocks. A block whose first line is `// not run: <reason>` is skipped (reason required; keep
// these few: only what needs an MPI job). Needs `npm run build` first.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { apiExports } from '../scripts/api-exports.mjs';

const ROOT = resolve(__dirname, '..');
type ApiExport = { name: string; callable: boolean; examples: string[]; file: string; line: number };
const api: ApiExport[] = apiExports();
const callables = api.filter((e) => e.callable);

interface Block { label: string; code: string }
const blocks: Block[] = [];
const notRun: { label: string; reason: string }[] = [];
const seen = new Set<string>();
for (const e of callables) {
  const where = `${e.file}:${e.line}`;
  if (seen.has(where)) continue; // one declaration re-exported under two names (softmax and F.softmax)
  seen.add(where);
  let i = 0;
  for (const ex of e.examples) {
    for (const m of ex.matchAll(/```(?:js|javascript)\n([\s\S]*?)```/g)) {
      const label = `${e.name} (${where}) example ${++i}`;
      const skip = /^\s*\/\/\s*not run:\s*(.*)/.exec(m[1]);
      if (skip) notRun.push({ label, reason: skip[1].trim() });
      else blocks.push({ label, code: m[1] });
    }
  }
}

describe('the API reference has examples', () => {
  it('every callable public export has an @example with a ```js block', () => {
    const missing = callables.filter((e) => !e.examples.some((x) => /```js\n/.test(x))).map((e) => `${e.name} (${e.file}:${e.line})`);
    expect(missing, `callable exports without a runnable @example (node scripts/api-exports.mjs --no-example):\n${missing.join('\n')}`).toEqual([]);
  });
  it('a block marked "not run" says why', () => {
    for (const n of notRun) expect(n.reason.length, n.label).toBeGreaterThan(10);
    expect(notRun.length, 'keep the blocks that do not run few').toBeLessThanOrEqual(5);
  });
});

// the runner: imports each block in order, in a folder of its own, and reports per block
const RUNNER = `
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [dir, count] = [process.argv[2], Number(process.argv[3])];
const nt = await import('neurite');
const state = { backend: nt.backend(), precision: nt.getFloat32MatmulPrecision() };
const results = [];
for (let i = 0; i < count; i++) {
  const work = join(dir, 'b' + i);
  process.chdir(work);
  const logs = [];
  const log = console.log;
  console.log = (...a) => logs.push(a.map(String).join(' '));
  let timer;
  try {
    await Promise.race([import(pathToFileURL(join(work, 'block.mjs')).href),
      new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('timed out after 60 s')), 60_000); })]);
    results.push({ ok: true, out: logs.join('\\n') });
  } catch (e) {
    results.push({ ok: false, out: logs.join('\\n'), error: String(e && e.stack || e) });
  } finally {
    clearTimeout(timer);
    console.log = log;
    nt.setGradEnabled(true);
    nt.setFloat32MatmulPrecision(state.precision);
    nt.setBackend(state.backend);
  }
}
writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
process.exit(0);
`;

describe('every API example runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-api-examples-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'neurite'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  blocks.forEach((b, i) => {
    mkdirSync(join(dir, `b${i}`));
    writeFileSync(join(dir, `b${i}`, 'block.mjs'), b.code);
  });
  writeFileSync(join(dir, 'runner.mjs'), RUNNER);
  let results: { ok: boolean; out: string; error?: string }[] | null = null;
  const run = () => {
    if (results) return results;
    const r = spawnSync(process.execPath, [join(dir, 'runner.mjs'), dir, String(blocks.length)],
      { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, NEURITE_DOCS_ROOT: ROOT } });
    if (r.status !== 0) throw new Error(`the example runner exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    return results!;
  };
  it('there are examples', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((b, i) => {
    it(b.label, () => {
      const r = run()[i];
      expect(r.ok, `${b.label} threw:\n${r.error}\n--- block ---\n${b.code}\n--- output ---\n${r.out}`).toBe(true);
    }, 300_000);
  });
});
