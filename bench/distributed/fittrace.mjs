// Summarise fit's per-step phase timers (lib/train/trace.ts): run fit with NEURITE_FIT_TRACE=DIR (and
// NEURITE_FIT_TRACE_FAULTS=1 for the thread's page faults, CPU and run-queue time per step), then
//   node bench/distributed/fittrace.mjs DIR [FROM] [TO]
// prints per trace file (one per process and thread that ran fit's steps) each phase's median / p90 / max / mean over
// steps FROM..TO (default: all) — a phase is the time from the previous mark to its own; "gap" is from a step's last
// mark to the next step's first — and the garbage collections in that span. E.g. at 2 ranks:
//   NEURITE_FIT_TRACE=/tmp/tr mpirun.openmpi -np 2 -x NEURITE_FIT_TRACE node bench/distributed/w3-rank.mjs --fit --steps 60 --warmup 40
//   node bench/distributed/fittrace.mjs /tmp/tr 60 120
import { readdirSync, readFileSync } from 'node:fs';

const [dir, fromArg, toArg] = process.argv.slice(2);
const q = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const EXTRA = ['minflt', 'cpuMs', 'queueMs'];
for (const f of readdirSync(dir).filter((x) => x.startsWith('fit-trace'))) {
  const d = JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
  const from = Number(fromArg ?? 0), to = Math.min(d.steps.length, Number(toArg ?? d.steps.length));
  const st = d.steps.slice(from, to);
  if (st.length === 0) continue;
  const marks = (r) => Object.keys(r).filter((k) => !EXTRA.includes(k));
  const phases = { gap: [] };
  st.forEach((r, i) => {
    const ks = marks(r);
    for (let k = 1; k < ks.length; k++) (phases[ks[k]] ??= []).push(r[ks[k]] - r[ks[k - 1]]);
    if (i > 0) { const p = st[i - 1], pk = marks(p); phases.gap.push(r[ks[0]] - p[pk[pk.length - 1]]); }
  });
  const first = st[0][marks(st[0])[0]], last = st[st.length - 1], end = last[marks(last).at(-1)];
  const gcs = d.gc.filter((g) => g.start >= first && g.start <= end);
  console.log(`== ${d.who} (pid ${d.pid}, thread ${d.thread}) steps ${from}..${to}: ${(end - first).toFixed(1)} ms, ${gcs.length} GCs ${gcs.reduce((a, g) => a + g.ms, 0).toFixed(1)} ms`);
  for (const [k, v] of Object.entries(phases)) {
    if (v.length) console.log(`${k.padStart(8)} median ${q(v, 0.5).toFixed(3)} p90 ${q(v, 0.9).toFixed(3)} max ${Math.max(...v).toFixed(2)} mean ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3)}`);
  }
  if (last.minflt !== undefined && st[0].minflt !== undefined) {
    console.log(`  this thread: ${last.minflt - st[0].minflt} minor faults, ${(last.cpuMs - st[0].cpuMs).toFixed(1)} ms on a CPU, ${(last.queueMs - st[0].queueMs).toFixed(1)} ms waiting for one`);
  }
}
