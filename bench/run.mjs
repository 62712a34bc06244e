// npm run bench [-- --quick | --smoke] [--only W3,W6_1024]: every workload (W1..W6) on every
// backend that loads, 1 and 2 threads for native (one child process per setting, since
// NEURITE_NUM_THREADS is read at start), W7 from the FMA peak program. Prints one table and
// writes bench/results/bench.json, bench/results/bench.md and benny's JSON + charts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { argv } from './lib/args.mjs';
import { CASES } from './lib/cases.mjs';
import { cell, mdTable, sig } from './lib/format.mjs';
import { machine, loadMonitor, loadText } from './lib/machine.mjs';
import { measurePeak } from './lib/peak.mjs';
import { availableBackends, nativeError } from '../dist/esm/backend/index.js';

const args = argv(process.argv.slice(2));
const out = args.out || 'bench/results';
mkdirSync(out, { recursive: true });
const passOn = ['quick', 'smoke'].filter((k) => args[k]).map((k) => `--${k}`);
if (args.only) passOn.push('--only', args.only);

const settings = [];
for (const be of availableBackends()) {
  // JS runs on one thread whatever NEURITE_NUM_THREADS says: one column is enough.
  const ts = be === 'native' ? (args.threads ? args.threads.split(',').map(Number) : [1, 2]) : [1];
  for (const t of ts) settings.push({ be, t, key: `${be}-t${t}` });
}

const load = loadMonitor();
const t0 = Date.now();
const runs = {};
for (const s of settings) {
  const json = join(out, `raw-${s.key}.json`);
  rmSync(json, { force: true });
  process.stderr.write(`bench: ${s.key} ...\n`);
  const r = spawnSync(process.execPath, ['bench/child.mjs', ...passOn, '--out', out, '--json', json], {
    env: { ...process.env, NEURITE_BACKEND: s.be, NEURITE_NUM_THREADS: String(s.t) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) { process.stderr.write(`bench: ${s.key} failed (exit ${r.status})\n`); process.exitCode = 1; continue; }
  runs[s.key] = JSON.parse(readFileSync(json, 'utf8'));
}
const peak = args.smoke ? { missing: 'not run in --smoke' } : measurePeak();
const seenLoad = load.stop();
const info = machine();

const keys = Object.keys(runs);
const byId = (key, id) => runs[key].results.find((r) => r.id === id);
const pk = (t) => peak.avx512?.[t] ?? peak.avx2?.[t];
const rows = [];
for (const c of CASES) {
  const cells = keys.map((k) => byId(k, c.id));
  if (cells.every((x) => !x)) continue;
  const row = [c.id, c.unit, ...keys.map((k, i) => cell(c.id, cells[i]))];
  // GEMM-bound figures as a share of the FMA peak at that thread count.
  if (c.gflop) {
    const pct = keys.map((k, i) => {
      const r = cells[i], p = pk(runs[k].threads);
      return r && p ? `${((c.gflop / r.median / p) * 100).toFixed(0)}%` : '–';
    });
    row.push(pct.join(' / '));
  } else row.push('');
  rows.push(row);
}
const header = ['case', 'unit', ...keys.map((k) => `${k}: median (min–max)`), `% of FMA peak (${keys.join(' / ')})`];
const table = mdTable(header, rows);
const peakText = peak.missing ? `W7 FMA peak: missing (${peak.missing})`
  : `W7 FMA peak: ${Object.entries(peak).filter(([k]) => k !== 'text' && k !== 'wall').map(([isa, v]) =>
    `${isa} ${Object.entries(v).map(([t, g]) => `${sig(g)} GFLOP/s (${t} thr)`).join(', ')}`).join('; ')}`;
const skipped = keys.flatMap((k) => runs[k].skipped.map((s) => `${k}:${s.id} (${s.why})`));
const header2 = [
  `neurite ${info.neurite} @ ${info.commit}, ${info.cpu} (${info.cores} cores, ${info.isa}), ${info.os}, Node ${info.node}`,
  `backends: ${availableBackends().join(', ')}${nativeError() ? ` (native: ${nativeError()})` : ''}; mode: ${args.smoke ? 'smoke' : args.quick ? 'quick' : 'full'}; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  `CPU load seen during the run: ${loadText(seenLoad)}`,
  peakText,
  skipped.length ? `skipped: ${skipped.join(', ')}` : '',
].filter(Boolean);
const text = `${header2.join('\n')}\n\n${table}\n`;
process.stdout.write(`\n${text}`);
writeFileSync(join(out, 'bench.md'), text);
writeFileSync(join(out, 'bench.json'), JSON.stringify({ machine: info, load: seenLoad, peak, runs }, null, 1));
