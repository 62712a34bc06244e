// Smoke test of the installed package through its CommonJS entry (require): backend, one step,
// fit() in a worker started from dist/cjs.
'use strict';
const assert = require('node:assert/strict');
const n = require('neurite');

assert.equal(n.backend(), process.env.EXPECT_BACKEND);
assert.ok(require.resolve('neurite').includes(`dist${require('node:path').sep}cjs`), require.resolve('neurite'));
n.manualSeed(0);
const model = new n.nn.Sequential(new n.nn.Linear(4, 8), new n.nn.Tanh(), new n.nn.Linear(8, 2));
const opt = new n.optim.Adam(model.parameters(), { lr: 1e-2 });
const x = n.randn([32, 4]);
const y = Int32Array.from({ length: 32 }, (_, i) => i % 2);
opt.zeroGrad();
const loss = n.F.crossEntropy(model.forward(x), y);
loss.backward();
opt.step();
assert.ok(Number.isFinite(loss.item()));
n.fit(model, { x, y }, { epochs: 1, batchSize: 8, optimizer: opt, loss: 'crossEntropy', worker: true }).then((h) => {
  assert.equal(h.mode, 'worker');
  console.log(`cjs: ok (backend ${n.backend()}, fit in a worker: loss ${h.loss[0].toFixed(4)})`);
});
