/**
 * Without the addon: the library falls back to the js backend, warns once per process on stderr
 * with the reason, and an explicit setBackend('native') throws that reason. The addon is made
 * absent in a child process (NEURITE_ADDON_PATH pointing at no file), so this runs on every
 * machine, with or without a compiler. (.ci/pack-smoke checks the same after a failed compile.)
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = resolve(__dirname, '..');
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-fallback-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHILD = `
import { F, availableBackends, backend, nn, optim, randn, setBackend } from ${JSON.stringify(join(ROOT, 'lib', 'index.ts'))};
const out = { backend: backend(), available: availableBackends() };
const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
for (let i = 0; i < 3; i++) { opt.zeroGrad(); F.mseLoss(m.forward(randn([5, 3])), randn([5, 2])).backward(); opt.step(); }
try { setBackend('native'); out.setNative = null; } catch (e) { out.setNative = e.message; }
out.after = backend();
console.log(JSON.stringify(out));
`;

describe('the js fallback when the addon is absent', () => {
  it('backend js, one warning with the reason, setBackend(native) throws it', () => {
    const src = join(dir, 'child.ts');
    writeFileSync(src, CHILD);
    const outfile = join(dir, 'child.mjs');
    buildSync({ entryPoints: [src], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'error' });
    // NEURITE_ISA (CI's ISA runs) and NEURITE_GEMM_BLOCKING ask for the addon and would make its absence an error
    const env: NodeJS.ProcessEnv = { ...process.env, NEURITE_ADDON_PATH: join(dir, 'no-such-addon.node'), NEURITE_BACKEND: '' };
    delete env.NEURITE_ISA;
    delete env.NEURITE_GEMM_BLOCKING;
    const r = spawnSync(process.execPath, [outfile], { encoding: 'utf8', env, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.backend).toBe('js');
    expect(out.available).toEqual(['js']);
    expect(out.after).toBe('js');
    expect(out.setNative).toMatch(/^setBackend\('native'\): the native addon cannot load: .*no-such-addon\.node/);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('neurite: '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^neurite: native backend unavailable \(.*no-such-addon\.node.*\); using the js backend$/);
  });
});
