/**
 * NEURITE_ISA (the forced-ISA override) and backendInfo(): every level this machine runs is
 * honoured by the addon (fp32, bf16 and elementwise kernels), a level it lacks or an unknown
 * name refuses to load with a message naming the missing feature, and backendInfo() reports it.
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { nativeAddonPath, nativeInfo } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

const LEVELS = ['portable', 'avx2', 'avx512', 'avx512bf16', 'amx'];

function infoUnder(isa: string): { status: number | null; out: string; err: string } {
  const script = `const a = require(${JSON.stringify(nativeAddonPath())}); process.stdout.write(JSON.stringify(a.info()));`;
  const r = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8', env: { ...process.env, NEURITE_ISA: isa }, timeout: 30_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describeIfAvailable(nativeMissing(), 'NEURITE_ISA', () => {
  const best = nativeInfo()!;

  it.each(LEVELS)('%s: honoured when the machine runs it, else a clear load error', (isa) => {
    const r = infoUnder(isa);
    const runs = LEVELS.indexOf(isa) <= LEVELS.indexOf(best.isaDetected);
    if (!runs) {
      expect(r.status).not.toBe(0);
      expect(r.err).toMatch(new RegExp(`NEURITE_ISA=${isa}: .*lacks|refused`));
      return;
    }
    expect(r.status, r.err).toBe(0);
    const info = JSON.parse(r.out) as { isaLevel: string; isaForced: boolean; gemmIsa: string; bf16Isa: string; isa: string };
    expect(info.isaLevel).toBe(isa);
    expect(info.isaForced).toBe(true);
    const fp32 = isa === 'portable' ? 'portable' : isa === 'avx2' ? 'avx2' : 'avx512';
    expect(info.gemmIsa).toBe(fp32);
    expect(info.isa).toBe(fp32);
    expect(info.bf16Isa).toBe(isa === 'amx' || isa === 'avx512bf16' ? isa : 'portable');
  });

  // CI runs the whole suite under each level (.ci/run): a run labelled with a level runs it
  it(`this process runs ${process.env.NEURITE_ISA ? `NEURITE_ISA=${process.env.NEURITE_ISA}` : 'the detected level'}`, () => {
    expect(best.isaLevel).toBe(process.env.NEURITE_ISA || best.isaDetected);
  });

  it('an unknown name refuses to load, naming the accepted values', () => {
    const r = infoUnder('sse9');
    expect(r.status).not.toBe(0);
    expect(r.err).toContain("NEURITE_ISA='sse9' is not one of amx, avx512bf16, avx512, avx2, portable");
  });

  it('backendInfo() reports backend, CPU, ISAs, AMX permission, threads', async () => {
    const { backendInfo, setBackend, backend } = await import('../../lib/backend/index.js');
    const prev = backend();
    setBackend('native');
    try {
      const i = backendInfo();
      expect(i.backend).toBe('native');
      expect(i.cpuModel.length).toBeGreaterThan(0);
      expect(i.isa.fp32).toBe(best.gemmIsa);
      expect(i.isa.bf16).toBe(best.bf16Isa);
      expect(i.isa.detected).toBe(best.isaDetected);
      expect(i.amxPermission).toBe(best.amxPermission);
      expect(i.threads).toBeGreaterThanOrEqual(1);
      if (i.isa.bf16 === 'amx') expect(i.amxPermission).toBe(true);
      setBackend('js');
      expect(backendInfo()).toMatchObject({ backend: 'js', isa: { fp32: 'js', bf16: 'js' }, amxPermission: false, threads: 1 });
    } finally {
      setBackend(prev);
    }
  });
});
