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
    const info = JSON.parse(r.out) as { isaLevel: string; isaForced: boolean; gemmIsa: string; bf16Isa: string; bf16High: string; isa: string };
    expect(info.isaLevel).toBe(isa);
    expect(info.isaForced).toBe(true);
    const fp32 = isa === 'portable' ? 'portable' : isa === 'avx2' ? 'avx2' : 'avx512';
    expect(info.gemmIsa).toBe(fp32);
    expect(info.isa).toBe(fp32);
    expect(info.bf16Isa).toBe(isa === 'amx' || isa === 'avx512bf16' ? isa : 'portable');
    expect(info.bf16High).toBe('bf16x3'); // a forced level runs 'high' on its bf16 path, to test it
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
      // 'high' runs bf16x3 on AMX and wherever the level is forced; elsewhere bf16x3 loses to
      // fp32 (3 vdpbf16ps per FMA on Zen 5) and 'high' is the fp32 product, as in PyTorch
      expect(i.isa.high).toBe(i.isa.bf16 === 'amx' || i.isa.forced ? 'bf16x3' : 'fp32');
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

// The fp32 GEMM's blocking: MC / NC from the caches (they only cut C into blocks, so results are
// the same bits whatever they are), KC fixed per ISA; NEURITE_GEMM_BLOCKING overrides all three.
function underBlocking(value: string, script: string): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(nativeAddonPath())}); ${script}`], {
    encoding: 'utf8', env: { ...process.env, NEURITE_GEMM_BLOCKING: value }, timeout: 60_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

// Products through the blocked path (K past one 256-deep block, several A / B blocks at small
// MC / NC), all transpose flags; deterministic inputs; a sha256 of each output's bytes.
const PRODUCTS = `
let s = 7; const rnd = () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2147483648 - 1; };
const fill = (n) => Float32Array.from({ length: n }, rnd);
const out = [];
for (const [M, N, K] of [[130, 200, 700], [40, 520, 300], [300, 70, 1000]])
  for (let t = 0; t < 4; t++) {
    const c = new Float32Array(M * N);
    a.gemm(!!(t & 1), !!(t & 2), M, N, K, 1, fill(M * K), fill(K * N), 0, c);
    out.push(require('node:crypto').createHash('sha256').update(c).digest('hex'));
  }
process.stdout.write(JSON.stringify(out));`;

describeIfAvailable(nativeMissing(), 'fp32 GEMM blocking (per CPU, NEURITE_GEMM_BLOCKING)', () => {
  const best = nativeInfo()!;

  it('MC / NC fit the caches they are sized for; KC is the ISA\'s', () => {
    const b = best.gemmBlocking, c = best.caches;
    expect(b.kc).toBe(256);  // every ISA's KC: it sets the rounding
    expect(b.mc % b.mr).toBe(0);
    expect(b.nc % b.nr).toBe(0);
    if (process.env.NEURITE_GEMM_BLOCKING) return;
    if (c.l2 > 0) expect(b.source).toMatch(/^cpu caches/);
    if (c.l2 > 0 && c.l2 <= 8 << 20) {
      // the packed B block (kc x nc floats) takes at most half the L2, unless at its floor
      expect(b.nc * b.kc * 4 <= c.l2 / 2 || b.nc === 4 * b.nr).toBe(true);
      expect((b.nc + b.nr) * b.kc * 4).toBeGreaterThan(Math.min(c.l2 / 2, 4096 * b.kc * 4));
    }
    if (c.l3 > 0) {
      expect(['cpuid', 'sysfs', 'assumed: all online CPUs']).toContain(c.l3SharedBySource);
      const share = c.l3 / c.l3SharedBy / 2;
      // a share no CPU has (a VM's number) keeps the ISA's default MC
      if (share > 16 << 20) expect(b.source).toMatch(/MC (is|and NC are) the isa default/);
      expect(b.mc * b.kc * 4 <= share || b.mc === 8 * b.mr).toBe(true);
      // sized from the share: as large as fits (at most 1536 rows); a share no CPU has keeps the
      // ISA's default (1536 on avx512/avx2, 512 on portable: checked by the source above)
      if (share <= 16 << 20) expect(b.mc === 1536 || (b.mc + b.mr) * b.kc * 4 > share).toBe(true);
    }
  });

  it('an override is honoured, reported, and gives the same bits as the blocks sized from the caches', () => {
    const base = underBlocking('', PRODUCTS);
    expect(base.status, base.err).toBe(0);
    for (const v of ['96,256,128', '1200,256,3000']) {
      const r = underBlocking(v, `${PRODUCTS}; process.stderr.write(JSON.stringify(a.info().gemmBlocking));`);
      expect(r.status, r.err).toBe(0);
      const [mc, kc, nc] = v.split(',').map(Number);
      expect(JSON.parse(r.err)).toMatchObject({ mc, kc, nc, source: 'NEURITE_GEMM_BLOCKING' });
      expect(JSON.parse(r.out)).toEqual(JSON.parse(base.out));
    }
    // a different KC moves where partial sums are added: the bits change (so the check above can fail)
    const k = underBlocking('1536,128,1024', PRODUCTS);
    expect(k.status, k.err).toBe(0);
    expect(JSON.parse(k.out)).not.toEqual(JSON.parse(base.out));
  });

  it.each([
    ['1536,256', 'is not three integers mc,kc,nc'],
    ['1536, 256,1024', 'is not three integers mc,kc,nc'],
    ['-1,256,1024', 'is not three integers mc,kc,nc'],
    ['0,256,1024', 'mc and nc must be in 1..65536'],
    ['1536,257,1024', 'kc must be in 1..256'],
  ])('NEURITE_GEMM_BLOCKING=%s refuses to load: %s', (v, msg) => {
    const r = underBlocking(v, '');
    expect(r.status).not.toBe(0);
    expect(r.err).toContain(`NEURITE_GEMM_BLOCKING='${v}'`);
    expect(r.err).toContain(msg);
  });
});
