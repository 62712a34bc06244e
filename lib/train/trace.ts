/**
 * fit's per-step phase timers, for the benchmarks only (summed up by bench/distributed/fittrace.mjs):
 * off unless the environment variable NEURITE_FIT_TRACE names a
 * directory when the library loads; then each thread that runs fit's steps (the calling thread,
 * fit's worker) records, per step, the time of each phase mark and the garbage collections, and
 * writes them to DIR/fit-trace-<pid>-<thread>-<n>.json when fit ends. Not a public option: off, a
 * mark costs one test of a constant.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.NEURITE_FIT_TRACE;
export const tracing = dir !== undefined && dir !== '';
/** NEURITE_FIT_TRACE_FAULTS=1: also this thread's minor page faults, CPU and run-queue time per step (/proc reads: ~20 µs a step). */
const faults = tracing && process.env.NEURITE_FIT_TRACE_FAULTS === '1';

/** This thread's minor page faults so far (/proc/thread-self/stat's 10th field). */
function minflt(): number {
  const s = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[7]);
}

let rows: Record<string, number>[] = [];
let row: Record<string, number> = {};
let gcs: { start: number; ms: number; kind: number }[] = [];
let obs: PerformanceObserver | null = null;
let runs = 0; // fit calls traced on this thread (one file each)

/** The time of phase `name` in the step being recorded. */
export function mark(name: string): void {
  if (tracing) row[name] = performance.now();
}

/** The step is done: its marks become one row. */
export function endStep(): void {
  if (!tracing) return;
  if (faults) {
    row.minflt = minflt();
    // this thread's time on a CPU and waiting for one, ms (/proc/thread-self/schedstat)
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    row.cpuMs = run / 1e6;
    row.queueMs = wait / 1e6;
  }
  rows.push(row);
  row = {};
}

/** Start recording (fit's start, on the thread that runs the steps). */
export function begin(): void {
  if (!tracing) return;
  runs++;
  obs?.disconnect();
  rows = [];
  row = {};
  gcs = [];
  obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) gcs.push({ start: e.startTime, ms: e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? 0 });
  });
  obs.observe({ entryTypes: ['gc'] });
}

/**
 * Write what was recorded so far (fit's end; the worker's epoch ends) to DIR/fit-trace-<pid>-<thread>-<n>.json;
 * `who`: 'main' (the calling thread; with a worker its rows are the batches it sent) or 'worker'; `mode`: fit's.
 */
export function write(who: 'main' | 'worker', mode: string): void {
  if (!tracing) return;
  writeFileSync(join(dir!, `fit-trace-${process.pid}-${threadId}-${runs}.json`),
    JSON.stringify({ pid: process.pid, thread: threadId, who, mode, origin: performance.timeOrigin, steps: rows, gc: gcs }));
}
