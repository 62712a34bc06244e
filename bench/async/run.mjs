// npm run bench:async: the service figures of bench/RESULTS.md (## Services) on every backend
// that loads: event-loop delay during W3 training, four concurrent workers vs sequential, the
// 100,000-step W4 soak, and the example service's load test. Each in its own process.
// Usage: node bench/async/run.mjs [--quick]   (--quick: shorter soak and load test)
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { availableBackends } from '../../dist/esm/index.js';

const quick = process.argv.includes('--quick');
const run = (be, file, args = []) => execFileSync(process.execPath, [file, ...args], {
  env: { ...process.env, NEURITE_BACKEND: be }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
}).trim();

console.log(`node ${process.version}, load average at start ${loadavg().map((v) => v.toFixed(1)).join(' ')}\n`);
for (const be of availableBackends()) {
  console.log(`### ${be} backend\n`);
  console.log(run(be, 'bench/async/lag.mjs'), '\n');
  console.log(run(be, 'bench/async/workers.mjs'), '\n');
  console.log(run(be, 'bench/async/soak.mjs', ['--main', ...(quick ? ['--steps', '20000'] : [])]), '\n');
  console.log(run(be, 'examples/service/load.mjs', quick ? ['--requests', '500'] : []), '\n');
}
console.log(`load average at end ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
