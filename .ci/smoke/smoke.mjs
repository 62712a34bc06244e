// Smoke test of the installed package through its ESM entry: one training step on each backend
// that loads, a fit() run in a worker, a safetensors round trip. Run by .ci/pack-smoke inside a
// scratch project where `neurite` is installed from the packed tarball.
// EXPECT_BACKEND (native|js) is the backend() the install must give.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, availableBackends, backend, fit, io, manualSeed, nn, optim, randn, setBackend } from 'neurite';

const expected = process.env.EXPECT_BACKEND;
assert.ok(expected === 'native' || expected === 'js', 'EXPECT_BACKEND must be native or js');
assert.equal(backend(), expected, `backend() after install: ${backend()}, expected ${expected}`);
if (expected === 'js') {
  assert.deepEqual(availableBackends(), ['js']);
  assert.throws(() => setBackend('native'), /setBackend\('native'\): the native addon cannot load: .+/);
}

for (const b of availableBackends()) {
  setBackend(b);
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
  const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
  const x = randn([16, 4]), y = randn([16, 1]);
  const before = F.mseLoss(model.forward(x), y).item();
  opt.zeroGrad();
  F.mseLoss(model.forward(x), y).backward();
  opt.step();
  const after = F.mseLoss(model.forward(x), y).item();
  assert.ok(Number.isFinite(before) && after < before, `${b}: one SGD step lowers the loss (${before} -> ${after})`);
  console.log(`esm: ${b}: one training step, loss ${before.toFixed(4)} -> ${after.toFixed(4)}`);
}
setBackend(expected);

manualSeed(1);
const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
const x = randn([64, 4]);
const y = Int32Array.from({ length: 64 }, (_, i) => i % 3);
const h = await fit(model, { x, y }, { epochs: 2, batchSize: 16, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }), loss: F.crossEntropy, worker: true });
assert.equal(h.mode, 'worker');
assert.equal(h.loss.length, 2);
console.log(`esm: fit in a worker: loss ${h.loss.map((l) => l.toFixed(4)).join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'neurite-smoke-'));
try {
  io.saveSafetensorsSync(join(dir, 'm.safetensors'), model.stateDict());
  const back = io.loadSafetensorsSync(join(dir, 'm.safetensors')).tensors;
  assert.deepEqual(Object.keys(back).sort(), Object.keys(model.stateDict()).sort());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`esm: ok (backend ${backend()})`);
