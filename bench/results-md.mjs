// node bench/results-md.mjs: writes the benchmark part of bench/RESULTS.md from
// bench/results/{bench,compare}.json (and copies the chart to bench/compare.svg): a top
// section (machine, versions, load, commands) and one table per workload. Only the text between
// the bench markers is replaced; other engineers' `## ` sections are kept as they are.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CASES, caseById, workloadOf } from './lib/cases.mjs';
import { cell, mdTable, sig } from './lib/format.mjs';
import { loadText } from './lib/machine.mjs';

const dir = process.argv[2] || 'bench/results';
const read = (f) => (existsSync(`${dir}/${f}`) ? JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) : null);
const bench = read('bench.json'), cmp = read('compare.json');
if (!bench && !cmp) throw new Error(`no ${dir}/bench.json or compare.json: run npm run bench / bench:compare first`);

const m = (cmp ?? bench).machine;
const lines = ['<!-- bench:begin (written by node bench/results-md.mjs; edit outside the markers) -->',
  '# Benchmark results', '',
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.isa}, ${m.os}; Node ${m.node}; neurite ${m.neurite} @ ${m.commit}.`, ''];
if (bench) {
  lines.push(`- \`npm run bench${Object.values(bench.runs)[0]?.mode === 'quick' ? ' -- --quick' : ''}\` (${bench.machine.date}): ${loadText(bench.load)}.`);
  const p = bench.peak;
  lines.push(`- W7 FMA peak (bench/native/peak.cc): ${p.missing ? `missing (${p.missing})` : Object.entries(p).filter(([k]) => k !== 'text' && k !== 'wall')
    .map(([isa, v]) => `${isa} ${Object.entries(v).map(([t, g]) => `${sig(g)} GFLOP/s with ${t} thread${t === '1' ? '' : 's'}`).join(', ')}`).join('; ')}.`);
}
if (cmp) {
  lines.push(`- \`npm run bench:compare\` (${cmp.machine.date}): ${loadText(cmp.load)}.`);
  lines.push(`- Peers: ${[...new Set(cmp.sides.map((s, i) => {
    const inf = cmp.infos[i];
    return inf?.error ? `${s.name}: failed (${inf.error})` : `${inf.name} ${inf.version ?? ''}${inf.blas ? ` (BLAS ${inf.blas.split(', ').pop()})` : ''}${s.note ? `, ${s.note}` : ''}`;
  }))].join('; ')}.`);
  for (const x of cmp.missing) lines.push(`- Missing: ${x.name} (install: \`${x.install}\`).`);
}
lines.push('', 'Figures are median (min–max) over repeats: benny samples for `npm run bench`, interleaved rounds for',
  '`bench:compare`. Ratio = neurite speed ÷ the side\'s at the same thread count (> 1: neurite faster);',
  'the machine is shared, so the load above matters: ratios of interleaved runs are the figures to trust.', '');

// the targets of issues 2 and 3, read off the side-by-side run
if (cmp) {
  const get = (id, side) => cmp.results[id]?.[side];
  const ratio = (id, a, b) => {
    const x = get(id, a), y = get(id, b);
    return x?.median && y?.median ? `${sig(y.median / x.median)}× (${sig(caseById(id).figure(x.median))} vs ${sig(caseById(id).figure(y.median))} ${caseById(id).unit})` : 'not measured';
  };
  const heads = [
    ['js backend, W6 1024³ vs tfjs-cpu (issue 2 target ≥ 5×)', 'W6_1024', 'neurite-js t1', 'tfjs-cpu t1'],
    ['js backend, W3 SGD vs tfjs-wasm (issue 2 target ≥ 1×)', 'W3_sgd', 'neurite-js t1', 'tfjs-wasm t1'],
    ['js backend, W3 Adam vs tfjs-wasm', 'W3_adam', 'neurite-js t1', 'tfjs-wasm t1'],
    ['native 1 thread, W3 SGD vs PyTorch at its fastest (issue 3 target ≥ 1.2×)', 'W3_sgd', 'neurite-native t1', 'pytorch-skx t1'],
    ['native 1 thread, W3 SGD vs PyTorch as Debian ships it (target ≥ 2×)', 'W3_sgd', 'neurite-native t1', 'pytorch t1'],
    ['native 1 thread, W3 Adam vs PyTorch at its fastest (target ≥ 1.2×)', 'W3_adam', 'neurite-native t1', 'pytorch-skx t1'],
    ['native 1 thread, W4 vs PyTorch (target ≥ 3×)', 'W4', 'neurite-native t1', 'pytorch-skx t1'],
    ['native 1 thread, W2 vs PyTorch at its fastest', 'W2', 'neurite-native t1', 'pytorch-skx t1'],
    ['native 1 thread, W1 vs onnxruntime-node', 'W1', 'neurite-native t1', 'onnxruntime t1'],
    ['native 1 thread, W6 1024³ vs PyTorch at its fastest (OpenBLAS SkylakeX)', 'W6_1024', 'neurite-native t1', 'pytorch-skx t1'],
  ];
  lines.push('### Headline ratios (neurite ÷ peer, speed; from `bench:compare`)', '');
  for (const [t, id, a, b] of heads) if (cmp.results[id]) lines.push(`- ${t}: ${ratio(id, a, b)}`);
  lines.push('');
}

const W = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'];
for (const w of W) {
  const ids = CASES.filter((c) => workloadOf(c.id) === w).map((c) => c.id);
  lines.push(`### ${w}: ${caseById(ids[0]).title.replace(/^W\d /, '').replace(/, (SGD|Adam)$/, '')}`, '');
  if (bench) {
    const keys = Object.keys(bench.runs);
    const rows = ids.filter((id) => keys.some((k) => bench.runs[k].results.some((r) => r.id === id)))
      .map((id) => [id, caseById(id).unit, ...keys.map((k) => cell(id, bench.runs[k].results.find((r) => r.id === id)))]);
    if (rows.length) lines.push('neurite alone (`npm run bench`):', '', mdTable(['case', 'unit', ...keys], rows), '');
  }
  if (cmp) {
    const rows = [];
    for (const id of ids) {
      const res = cmp.results[id];
      if (!res) continue;
      const nat = (t) => Object.entries(res).find(([k]) => k === `neurite-native t${t}`)?.[1] ?? res[`neurite-js t1`];
      for (const [side, r] of Object.entries(res)) {
        if (r.skip || r.median === undefined) continue;
        const t = Number(side.split(' t').pop());
        const n = nat(t);
        const c = caseById(id);
        const f = (v) => sig(c.figure(v));
        rows.push([id, side, `${f(r.median)} (${[f(r.min), f(r.max)].sort((a, b) => a - b).join('–')})`,
          n && n !== r ? `${sig(r.median / n.median)}×` : '', r.check ? (r.check.ref ? 'reference' : r.check.ok ? 'ok' : `✗ ${r.check.why}`) : '']);
      }
    }
    if (rows.length) lines.push('side by side (`npm run bench:compare`):', '', mdTable(['case', 'side', `median (min–max), ${caseById(ids[0]).unit}`, 'neurite ÷ side', 'numerics'], rows), '');
  }
}
if (cmp?.harness) {
  lines.push('### W6 in C++: neurite vs OpenBLAS vs BLIS (bench/native/sgemm_bench)', '');
  lines.push(cmp.harness.missing ? `missing: ${cmp.harness.missing}` : `\`\`\`\n${cmp.harness.text.trim()}\n\`\`\``, '');
}
lines.push('<!-- bench:end -->');

const file = 'bench/RESULTS.md';
const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
const mine = lines.join('\n');
const b = old.indexOf('<!-- bench:begin'), e = old.indexOf('<!-- bench:end -->');
const next = b >= 0 && e > b ? old.slice(0, b) + mine + old.slice(e + '<!-- bench:end -->'.length)
  : `${mine}\n\n${old}`;
writeFileSync(file, next.endsWith('\n') ? next : `${next}\n`);
// the chart the README embeds
if (existsSync(`${dir}/compare.svg`)) copyFileSync(`${dir}/compare.svg`, 'bench/compare.svg');
console.log(`wrote ${file}${existsSync(`${dir}/compare.svg`) ? ' and bench/compare.svg' : ''}`);
