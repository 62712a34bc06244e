/**
 * The ISA the addon's kernels run is picked at run time, and NEURITE_ISA=avx512|avx2|portable
 * caps it (how CI runs the whole suite under each ISA this CPU has). Checks that the cap takes
 * effect in a fresh process for every ISA at or below the detected one, and, when this run is
 * under NEURITE_ISA, that the loaded addon is running that ISA (so a run labelled avx2 is one).
 */
import { expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { nativeAddonPath, nativeInfo } from '../../lib/backend/native.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

const ORDER = ['portable', 'avx2', 'avx512'];

function infoUnder(isa: string | undefined): { isa: string; gemmIsa: string } {
  const env = { ...process.env };
  if (isa === undefined) delete env.NEURITE_ISA; else env.NEURITE_ISA = isa;
  const code = `const i = require(${JSON.stringify(nativeAddonPath())}).info(); console.log(JSON.stringify({ isa: i.isa, gemmIsa: i.gemmIsa }))`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env, timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describeIfAvailable(nativeMissing(), 'ISA selection at run time', () => {
  it('NEURITE_ISA caps the elementwise ISA at every level this CPU runs', () => {
    const best = infoUnder(undefined).isa;
    expect(ORDER).toContain(best);
    const levels = ORDER.slice(0, ORDER.indexOf(best) + 1);
    process.stderr.write(`ISA: detected ${best}; levels checked: ${levels.join(', ')}\n`);
    for (const isa of levels) expect(infoUnder(isa).isa).toBe(isa);
  });

  it(`this process runs ${process.env.NEURITE_ISA ? `NEURITE_ISA=${process.env.NEURITE_ISA}` : 'the detected ISA'}`, () => {
    expect(nativeInfo()!.isa).toBe(process.env.NEURITE_ISA || infoUnder(undefined).isa);
  });
});
