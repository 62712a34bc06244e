// The seed's dead-ReLU story, twice: units killed by a large negative bias, and units killed
// during training by a too-large learning rate. Each is diagnosed before and after the fix.
import { nn, F, optim, randn, manualSeed, diagnostics } from 'neurite';
import { heading, show, writeHtml } from './show.mjs';

// The seed's DeepReLU: the ReLU is a functional call inside a custom forward
class DeepReLU extends nn.Module {
  constructor(act = F.relu) {
    super();
    this.fc1 = new nn.Linear(10, 64);
    this.fc2 = new nn.Linear(64, 1);
    this.act = act;
  }
  forward(x) {
    return this.fc2.forward(this.act(this.fc1.forward(x)));
  }
}

heading('1. Dead ReLUs from a large negative bias');
manualSeed(0);
const data = randn([200, 10]);
const bad = new DeepReLU();
nn.init.constant_(bad.fc1.bias, -3); // inputs ~N(0, 0.33): most pre-activations are now < 0 for every sample
show('before: fc1.bias = -3', diagnostics.diagnose(bad, data));

const leaky = new DeepReLU((x) => F.leakyRelu(x, 0.01));
leaky.loadStateDict(bad.stateDict());
show('fix (a): LeakyReLU keeps a gradient of 0.01 below zero (no unit outputs exactly 0)', diagnostics.diagnose(leaky, data));

const he = new DeepReLU();
nn.init.kaimingNormal_(he.fc1.weight, { mode: 'fan_out', nonlinearity: 'relu' });
nn.init.zeros_(he.fc1.bias);
show('fix (b): He initialisation (kaimingNormal_, fan_out) and a zero bias', diagnostics.diagnose(he, data));

heading('2. Dead ReLUs from a too-large learning rate (watched during training)');
function train(lr, steps = 60) {
  manualSeed(11);
  const model = new nn.Sequential(new nn.Linear(10, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 4));
  const opt = new optim.SGD(model.parameters(), { lr });
  const x = randn([128, 10]);
  // four classes from the signs of the first two features
  const y = Array.from({ length: 128 }, (_, i) => (x.data[i * 10] > 0 ? 1 : 0) + (x.data[i * 10 + 1] > 0 ? 2 : 0));
  const watch = diagnostics.watch(model, { every: 10, optimizer: opt });
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    opt.step();
  }
  watch.stop();
  console.log(`\nlr ${lr}: step, loss, dead units in '1' and '3', update/weight of '2'`);
  for (const r of watch.history) {
    const [a, b] = r.activations;
    console.log(`  ${String(r.step).padStart(3)}  ${r.loss.toFixed(3)}  ${String(a.deadUnits).padStart(2)}/64  ${String(b.deadUnits).padStart(2)}/64  ${r.params[1].updateToWeight.toExponential(1)}`);
  }
  return { model, x, y, watch };
}
const hot = train(10);
show('before: SGD lr 10, after 60 steps', diagnostics.diagnose(hot.model, hot.x, { target: hot.y, atInit: false }));
const calm = train(1);
show('fix: SGD lr 1, after 60 steps', diagnostics.diagnose(calm.model, calm.x, { target: calm.y, atInit: false }));
writeHtml('dead-relu-lr10', diagnostics.html({ title: 'dead ReLUs: SGD lr 10', report: diagnostics.diagnose(hot.model, hot.x, { target: hot.y, atInit: false }), history: hot.watch.history }));
