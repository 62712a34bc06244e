// What the figures were measured on: CPU, cores, versions, commit, and the load seen meanwhile.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a clone */ }
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const flags = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? ''; } catch { return ''; } })();
  const isa = flags.includes(' avx512f') ? 'AVX-512' : flags.includes(' avx2') ? 'AVX2' : 'baseline';
  return { cpu, cores: os.cpus().length, isa, os: `${os.type()} ${os.release()}`, node: process.version,
    neurite: pkg.version, commit, date: new Date().toISOString() };
}

/** Samples os.loadavg() every second until stop(); reports the 1-minute load seen. */
export function loadMonitor() {
  const seen = [os.loadavg()[0]];
  const t = setInterval(() => seen.push(os.loadavg()[0]), 1000);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      seen.push(os.loadavg()[0]);
      const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
      return { min: Math.min(...seen), mean, max: Math.max(...seen), cores: os.cpus().length };
    },
  };
}

export const loadText = (l) =>
  `1-min load average ${l.min.toFixed(2)}–${l.max.toFixed(2)} (mean ${l.mean.toFixed(2)}) on ${l.cores} cores`;
