// test/fixtures/pytorch-loop/train.py ported line by line: parameter groups, OneCycleLR,
// gradient clipping, label smoothing, a checkpoint and a resume into fresh objects. It starts
// from PyTorch's data and initial weights (init.json) and prints one JSON line per step;
// test/pytorch-loop.test.ts checks them against PyTorch's (losses.json).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nn, optim, io, tensor } from 'neurite';

const fixture = fileURLToPath(new URL('../test/fixtures/pytorch-loop/', import.meta.url));
const init = JSON.parse(readFileSync(join(fixture, 'init.json'), 'utf8'));

const [EPOCHS, BATCH, RESUME_AFTER] = [6, 32, 3];
const X = tensor(init.x);                        // X = torch.randn(256, 8)
const y = init.y;                                // y = ... (3 classes)

const newModel = () => new nn.Sequential(new nn.Linear(8, 32), new nn.ReLU(), new nn.Linear(32, 3));
let model = newModel();
model.loadStateDict(Object.fromEntries(Object.entries(init.model).map(([k, v]) => [k, tensor(v)])));

function make(model) {
  const opt = new optim.SGD([{ params: model.at(0).parameters(), lr: 0.1 },
    { params: model.at(2).parameters() }], { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: [0.2, 0.1], totalSteps: EPOCHS * (256 / BATCH) });
  return [opt, sched];
}

let [opt, sched] = make(model);
const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
const dir = mkdtempSync(join(tmpdir(), 'pytorch-loop-'));
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  for (let b = 0; b < 256 / BATCH; b++) {
    const xb = tensor(X.data.slice(b * BATCH * 8, (b + 1) * BATCH * 8), [BATCH, 8]), yb = y.slice(b * BATCH, (b + 1) * BATCH);
    opt.zeroGrad();
    const loss = lossFn.forward(model.forward(xb), yb);
    loss.backward();
    const norm = nn.utils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    sched.step();
    console.log(JSON.stringify({ epoch, loss: loss.item(), norm: norm.item(), lr: sched.getLastLr() }));
  }
  if (epoch + 1 === RESUME_AFTER) { // checkpoint, then resume into fresh objects
    const path = join(dir, 'run.ckpt');
    io.saveCheckpointSync(path, { model, optimizer: opt, scheduler: sched, step: (epoch + 1) * (256 / BATCH) });
    model = newModel();
    [opt, sched] = make(model);
    io.loadCheckpointSync(path, { model, optimizer: opt, scheduler: sched });
  }
}
rmSync(dir, { recursive: true, force: true });
