// The docs cannot drift from the code: every ```js block of the README and the guides in docs/ runs (as a
// user would run it: `import ... from 'neurite'`, in a scratch folder), every public export has
// a doc comment (the API reference is generated from them: npm run docs), and every
// `ns.name` the README and the guides use in neurite's column exists.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { apiExports } from '../scripts/api-exports.mjs';

const ROOT = resolve(__dirname, '..');
const DOCS = join(ROOT, 'docs');
const guides = existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort() : [];

interface Block { file: string; line: number; code: string }
/** ```js blocks, except one preceded by `<!-- not run: reason -->` (the reason is required). */
function jsBlocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8');
  const out: Block[] = [];
  const re = /(<!--\s*not run:\s*([^>]*?)\s*-->\s*\n)?```(?:js|mjs|javascript)\n([\s\S]*?)```/g;
  for (const m of text.matchAll(re)) {
    if (m[1]) { expect(m[2].length, `${file}: a block marked 'not run' needs a reason`).toBeGreaterThan(3); continue; }
    out.push({ file, line: text.slice(0, m.index).split('\n').length, code: m[3] });
  }
  return out;
}

type ApiExport = { name: string; documented: boolean; file: string; line: number };
const api: ApiExport[] = apiExports();

describe('the API reference', () => {
  it('every public export has a doc comment', () => {
    const missing = api.filter((e) => !e.documented).map((e) => `${e.name} (${e.file}:${e.line})`);
    expect(missing, `exports without a doc comment:\n${missing.join('\n')}`).toEqual([]);
  });

  it('every neurite name the README and the guides use exists', () => {
    const names = new Set(api.map((e) => e.name));
    const namespaces = new Set(api.map((e) => e.name.split('.').slice(0, -1).join('.')).filter(Boolean));
    const missing: string[] = [];
    for (const file of ['README.md', ...guides.map((g) => join('docs', g))]) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const line of text.split('\n')) {
        // in a "PyTorch | neurite" table the first cell is PyTorch's
        const cells = line.startsWith('|') ? line.split('|').slice(2).join('|') : line;
        for (const span of cells.matchAll(/`([^`]+)`/g)) {
          for (const m of span[1].matchAll(/(?<![\w$./-])((?:nn\.init|nn\.utils|optim\.lrScheduler|F|nn|optim|io|diagnostics|data|distributed))\.([A-Za-z_$][\w$]*)/g)) {
            if (!namespaces.has(m[1])) continue;
            const n = `${m[1]}.${m[2]}`;
            if (!names.has(n) && !namespaces.has(n)) missing.push(`${file}: ${n}`);
          }
        }
      }
    }
    expect([...new Set(missing)], 'names used in the docs that neurite does not export').toEqual([]);
  });
});

describe('the guides run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-docs-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'neurite'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('there are guides', () => expect(guides.length).toBeGreaterThan(0));
  // a block that joins an MPI job needs the optional MPI addon (built by npm install when MPI is installed)
  const mpi = spawnSync(process.execPath, ['-e', `import('${join(ROOT, 'dist/esm/index.js').replace(/\\/g, '/')}').then((m) => process.exit(m.distributed.isAvailable() ? 0 : 1))`]).status === 0;
  for (const g of ['../README.md', ...guides]) {
    const label = g === '../README.md' ? 'README.md' : `docs/${g}`;
    for (const b of jsBlocks(join(DOCS, g))) {
      const needsMpi = /distributed\.init\(/.test(b.code);
      // without it the block must fail as docs/distributed.md says: init() rejects naming the install
      const expectNoMpi = needsMpi && !mpi;
      it(`${label}:${b.line}${expectNoMpi ? ' (no MPI addon here: init() must reject with the install hint)' : ''}`, () => {
        const work = mkdtempSync(join(dir, 'run-'));
        const file = join(work, 'block.mjs');
        writeFileSync(file, b.code);
        const r = spawnSync(process.execPath, [file], { cwd: work, encoding: 'utf8', timeout: 120_000,
          env: { ...process.env, NEURITE_DOCS_ROOT: ROOT } });
        if (expectNoMpi) {
          expect(r.status, `${label}:${b.line} ran without the MPI addon`).not.toBe(0);
          expect(r.stderr).toMatch(/apt-get install libopenmpi-dev openmpi-bin/);
          return;
        }
        expect(r.status, `${label}:${b.line} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`).toBe(0);
      }, 150_000);
    }
  }
});
