// safetensors and checkpoint save/load times (median of 5, checkpoints of 3), from the build: npm run build && node bench/io-files.mjs
import { io, nn, optim, Tensor } from '../dist/esm/index.js';
console.log('| state | safetensors file | encode ms | save ms (atomic, fsync) | load ms | checkpoint with Adam state | save ms | load ms |\n|---|---|---|---|---|---|---|---|');
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
const dir = mkdtempSync(join(tmpdir(), 'iob-'));
function time(fn, n = 5) { const ts = []; for (let i = 0; i < n; i++) { const t = performance.now(); fn(); ts.push(performance.now() - t); } ts.sort((a, b) => a - b); return ts[Math.floor(n / 2)]; }
for (const [name, model] of [['W3 784-512-512-10', new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10))],
  ['4096x4096 Linear (16.8M params)', new nn.Linear(4096, 4096)]]) {
  const p = join(dir, 'm.safetensors');
  const opt = new optim.Adam(model.parameters());
  for (const q of model.parameters()) q.grad = new Tensor(q.data.slice(), q.shape); opt.step();
  const sd = model.stateDict();
  const tEnc = time(() => io.safetensorsToBuffer(sd));
  const tSave = time(() => io.saveSafetensorsSync(p, sd));
  const mb = statSync(p).size / 1e6;
  const tLoad = time(() => io.loadSafetensorsSync(p));
  const c = join(dir, 'c.ckpt');
  const tCk = time(() => io.saveCheckpointSync(c, { model, optimizer: opt, step: 1 }), 3);
  const cmb = statSync(c).size / 1e6;
  const tCl = time(() => io.loadCheckpointSync(c, { model, optimizer: opt, restoreRng: false }), 3);
  console.log(`| ${name} | ${mb.toFixed(1)} MB | ${tEnc.toFixed(1)} | ${tSave.toFixed(1)} | ${tLoad.toFixed(1)} | ${cmb.toFixed(1)} MB | ${tCk.toFixed(0)} | ${tCl.toFixed(0)} |`);
}
rmSync(dir, { recursive: true, force: true });
