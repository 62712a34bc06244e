// The seed's logits story: nn.Linear outputs raw logits (unbounded), so `logit > 0.5` is not
// `p > 0.5`; the decision is sigmoid(logit) > 0.5, i.e. logit > 0. And a final Sigmoid before
// a loss that expects logits squashes twice (lint catches that one).
import { nn, F, optim, tensor, randn, manualSeed, diagnostics } from 'neurite';
import { heading, show } from './show.mjs';

manualSeed(0);
// two overlapping classes in 2-D: class 1 when x₀ + x₁ + noise > 0
const N = 400;
const x = randn([N, 2]);
const noise = randn([N]);
const y = tensor(Array.from({ length: N }, (_, i) => (x.data[2 * i] + x.data[2 * i + 1] + 0.5 * noise.data[i] > 0 ? 1 : 0)), [N, 1]);

function train(model, steps = 25) {
  const opt = new optim.SGD(model.parameters(), { lr: 0.5 });
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    F.binaryCrossEntropyWithLogits(model.forward(x), y).backward();
    opt.step();
  }
  return model;
}
const accuracy = (pred) => pred.reduce((n, p, i) => n + (p === y.data[i] ? 1 : 0), 0) / N;

heading('Binary classifier trained with binaryCrossEntropyWithLogits');
const wrongHead = new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 1), new nn.Sigmoid());
for (const w of diagnostics.lint(wrongHead)) console.log(`lint: [${w.code}] ${w.message}`);
show('before: a Sigmoid before a logits loss', diagnostics.diagnose(wrongHead, x, { target: y, loss: 'bceWithLogits' }));

manualSeed(1);
const model = train(new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 1)));
show('fix: the model ends in its last Linear (after training)', diagnostics.diagnose(model.eval(), x, { target: y, loss: 'bceWithLogits' }));

const logits = Array.from(model.forward(x).data);
const raw = logits.map((z) => (z > 0.5 ? 1 : 0));
const prob = Array.from(F.sigmoid(tensor(logits)).data).map((p) => (p > 0.5 ? 1 : 0));
console.log(`\nlogits range [${Math.min(...logits).toFixed(2)}, ${Math.max(...logits).toFixed(2)}]: not probabilities`);
console.log(`accuracy, raw logit > 0.5:           ${(100 * accuracy(raw)).toFixed(1)}%  (wrong: every logit in (0, 0.5] is called class 0)`);
console.log(`accuracy, sigmoid(logit) > 0.5:      ${(100 * accuracy(prob)).toFixed(1)}%  (= logit > 0)`);
console.log(`samples the wrong threshold misclassifies: ${raw.filter((p, i) => p !== prob[i]).length}`);
