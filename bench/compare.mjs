// npm run bench:compare [-- --quick] [--only W1,W6_1024] [--threads 1,2] [--sides a,b]: the workloads on
// neurite and on every peer present (PyTorch, TensorFlow.js cpu / wasm, onnxruntime-node;
// OpenBLAS / BLIS through bench/native/sgemm_bench), interleaved round by round so drift hits
// every side alike; each peer's result checked against neurite's on the same inputs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argv } from './lib/args.mjs';
import { CASES, caseById } from './lib/cases.mjs';
import { dataKey, makeData, readF32, writeData } from './lib/data.mjs';
import { discoverSides } from './lib/peers.mjs';
import { startPeer } from './lib/peer-client.mjs';
import { compare } from './lib/check.mjs';
import { mdTable, sig } from './lib/format.mjs';
import { machine, loadMonitor, loadText } from './lib/machine.mjs';
import { runNativeHarness } from './lib/openblas.mjs';
import { svgChart } from './lib/chart.mjs';

const args = argv(process.argv.slice(2));
const quick = !!args.quick;
const threadCounts = args.threads ? String(args.threads).split(',').map(Number) : [1, 2];
const out = args.out || 'bench/results';
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'neurite-bench-'));
const ROUNDS = Number(args.rounds || (quick ? 3 : 7));
const TARGET = quick ? 0.05 : 0.25; // seconds per timed block
const TOO_SLOW = quick ? 3 : 20; // a first call longer than this (s) is that side's only figure

// --quick: one case per workload (the heavy ones dropped), still every side.
const QUICK = ['W1', 'W2', 'W3_sgd', 'W3_adam', 'W4', 'W5_gelu_fwdbwd', 'W5_relu_fwd', 'W6_512', 'W6_128x784x512', 'W6_32x10x64'];
let cases = CASES.map((c) => c.id);
if (quick) cases = QUICK;
if (args.only) cases = CASES.map((c) => c.id).filter((id) => String(args.only).split(',').some((p) => id.startsWith(p)));

const found = discoverSides(threadCounts);
const { missing, onnxPy } = found;
// --sides neurite-native,pytorch: only those (by name), e.g. to time the native kernels against PyTorch
const sides = args.sides ? found.sides.filter((s) => String(args.sides).split(',').includes(s.name)) : found.sides;
const load = loadMonitor();
const t0 = Date.now();
const peers = sides.map((s) => startPeer({ ...s, env: { ...s.env, NEURITE_BENCH_DATA: dir } }));
const infos = await Promise.all(peers.map((p) => p.request({ op: 'info' }, 120000)));
peers.forEach((p, i) => { p.info = infos[i]; });
const label = (s) => `${s.name} t${s.threads}`;
const results = {}; // results[case][label] = { median, min, max, check }

const written = new Set();
for (const id of cases) {
  const c = caseById(id);
  if (!written.has(dataKey(id))) {
    writeData(dir, id);
    written.add(dataKey(id));
    if ((id === 'W1' || id === 'W2') && onnxPy) spawnSync(onnxPy, ['bench/peers/make_onnx.py', dir, id], { stdio: 'inherit' });
  }
  const names = Object.keys(makeData(id));
  process.stderr.write(`compare: ${id} `);
  const live = [];
  results[id] = {};
  for (const p of peers) {
    if (p.info?.error) { results[id][label(p.side)] = { error: p.info.error }; continue; }
    const r = await p.request({ op: 'setup', id, dir, names });
    if (r.ok) live.push(p);
    else results[id][label(p.side)] = r.skip ? { skip: r.skip } : { error: r.error };
  }
  // numerics: every side's result against the first neurite side's
  const ref = live.find((p) => p.side.neurite);
  let refData = null;
  for (const p of live) {
    const path = join(dir, `${id}.${label(p.side).replace(/\W+/g, '_')}.out`);
    const r = await p.request({ op: 'result', id, path });
    if (r.error) { results[id][label(p.side)] = { error: r.error }; continue; }
    const data = readF32(path);
    if (p === ref) refData = data;
    results[id][label(p.side)] = { check: p === ref ? { ok: true, ref: true } : refData ? compare(id, refData, data) : { ok: false, why: 'no neurite result' } };
  }
  // calibrate: warm up, then size each side's block to about TARGET seconds
  const timed = live.filter((p) => !results[id][label(p.side)].error);
  const iters = new Map();
  let rounds = ROUNDS;
  const secs = new Map(timed.map((p) => [p, []]));
  const once = new Set(); // sides so slow here that their warm-up call is their one figure
  for (const p of timed) {
    const warm = (await p.request({ op: 'time', id, iters: 1 })).sec;
    if (warm > TOO_SLOW) { once.add(p); secs.get(p).push(warm); continue; }
    const one = (await p.request({ op: 'time', id, iters: 1 })).sec;
    if (one > 1) rounds = Math.min(rounds, 3);
    iters.set(p, Math.max(1, Math.round(TARGET / one)));
  }
  const inRounds = timed.filter((p) => !once.has(p));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < inRounds.length; k++) {
      const p = inRounds[(k + r) % inRounds.length]; // rotate who goes first
      const n = iters.get(p);
      const t = await p.request({ op: 'time', id, iters: n });
      if (t.error) { results[id][label(p.side)].error = t.error; continue; }
      secs.get(p).push(t.sec / n);
    }
    process.stderr.write('.');
  }
  for (const p of timed) {
    const s = secs.get(p).sort((a, b) => a - b);
    if (s.length === 0) continue;
    Object.assign(results[id][label(p.side)], { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], rounds: s.length });
  }
  for (const p of live) await p.request({ op: 'drop', id });
  process.stderr.write('\n');
}
peers.forEach((p) => p.stop());

const harness = args['no-native'] ? { missing: 'skipped (--no-native)' } : runNativeHarness({ quick, threads: threadCounts });
const seen = load.stop();
const info = machine();

// the table: one row per case and side; ratio = neurite's speed ÷ the side's (> 1: neurite faster)
const allSides = peers.map((p) => p.side);
const primary = (t) => allSides.find((s) => s.neurite && s.be === 'native' && s.threads === t) ?? allSides.find((s) => s.neurite && s.threads === t) ?? allSides.find((s) => s.neurite);
const jsSide = allSides.find((s) => s.neurite && s.be === 'js');
const rows = [];
for (const id of cases) {
  const c = caseById(id);
  for (const s of allSides) {
    const r = results[id]?.[label(s)];
    if (!r || r.skip) continue;
    const fig = (v) => sig(c.figure(v));
    const cellv = r.median === undefined ? `error: ${String(r.error).slice(0, 60)}`
      : `${fig(r.median)} (${[fig(r.min), fig(r.max)].sort((a, b) => a - b).join('–')})`;
    const ratio = (n) => {
      const rn = n && results[id][label(n)];
      return rn?.median && r.median && n !== s ? `${sig(r.median / rn.median)}×` : '';
    };
    const chk = r.check ? (r.check.ref ? 'reference' : r.check.ok ? 'ok' : `✗ ${r.check.why}`) : '';
    rows.push([id, c.unit, label(s) + (s.note ? ` (${s.note})` : ''), cellv, ratio(primary(s.threads)), jsSide ? ratio(jsSide) : '', chk]);
  }
}
const table = mdTable(['case', 'unit', 'side', 'median (min–max)', 'neurite ÷ side', 'neurite-js ÷ side', 'numerics'], rows);
const versions = peers.map((p) => `${label(p.side)}: ${p.info?.error ? `failed to start (${p.info.error})` : `${p.info.name} ${p.info.version ?? ''}${p.info.blas ? `, BLAS ${p.info.blas}` : ''}${p.info.coretype && p.info.coretype !== 'default' ? `, OPENBLAS_CORETYPE=${p.info.coretype}` : ''}`}`);
const head = [
  `neurite ${info.neurite} @ ${info.commit}, ${info.cpu} (${info.cores} cores, ${info.isa}), ${info.os}, Node ${info.node}; ${info.date}`,
  `command: npm run bench:compare${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}; ${ROUNDS} interleaved rounds per case; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  `CPU load seen during the run: ${loadText(seen)}`,
  `sides: ${[...new Set(versions)].join('; ')}`,
  ...missing.map((m) => `missing: ${m.name} (install: ${m.install})`),
  'ratio = neurite speed ÷ side speed at the same thread count (native when it loads, else js); > 1 means neurite is faster',
];
let text = `${head.join('\n')}\n\n${table}\n`;
text += `\n### SGEMM in C++: neurite vs OpenBLAS vs BLIS (bench/native/sgemm_bench, GFLOP/s)\n\n`;
text += harness.missing ? `missing: ${harness.missing}\n` : `\`\`\`\n${harness.text.trim()}\n\`\`\`\n`;
process.stdout.write(`\n${text}`);
writeFileSync(join(out, 'compare.md'), text);
writeFileSync(join(out, 'compare.json'), JSON.stringify({ machine: info, load: seen, sides: allSides, infos, missing, results, harness }, null, 1));
writeFileSync(join(out, 'compare.svg'), svgChart(results, cases, allSides, label, primary));
rmSync(dir, { recursive: true, force: true });
