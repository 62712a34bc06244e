// The seed's first snippet: a 3-layer MLP, its parameter count, a forward pass, the
// layer-by-layer statistics, and determinism in eval mode.
import { nn, F, randn, noGrad, allclose, manualSeed } from 'neurite';
import { size } from './pyformat.mjs';

manualSeed(0);

class MLP extends nn.Module {
  constructor(inFeatures, hidden, outFeatures) {
    super();
    this.fc1 = new nn.Linear(inFeatures, hidden);
    this.fc2 = new nn.Linear(hidden, hidden);
    this.fc3 = new nn.Linear(hidden, outFeatures);
  }
  forward(x) {
    x = F.relu(this.fc1.forward(x)); // hidden layer 1
    x = F.relu(this.fc2.forward(x)); // hidden layer 2
    return this.fc3.forward(x); // output logits (no activation)
  }
}

const model = new MLP(10, 64, 1);
const nParams = model.parameters().reduce((n, p) => n + p.numel(), 0);
console.log(`Parameters: ${nParams.toLocaleString('en-US')}`); // 10*64 + 64 + 64*64 + 64 + 64*1 + 1 = 4929

// ── Run a forward pass ──
const batch = randn([32, 10]); // 32 samples, 10 features
const output = model.forward(batch);
console.log(`Input: ${size(batch.shape)} Output: ${size(output.shape)}`); // [32, 1]

// ── Inspect intermediate activations ──
const x = randn([4, 10]);
const z1 = model.fc1.forward(x); // pre-activation
const a1 = F.relu(z1); // post-ReLU
const z2 = model.fc2.forward(a1);
const a2 = F.relu(z2);
const out = model.fc3.forward(a2);
console.log('\nLayer-by-layer shapes and stats:');
console.log(` z1 pre-act: ${size(z1.shape)} range=[${z1.min().item().toFixed(2)}, ${z1.max().item().toFixed(2)}]`);
console.log(` a1 post-ReLU:${size(a1.shape)} zeros=${a1.eq(0).sum().item()}/${a1.numel()}`);
console.log(` output: ${size(out.shape)}`);

// ── Verify determinism in eval mode ──
model.eval();
const [out1, out2] = noGrad(() => [model.forward(x), model.forward(x)]);
console.log(`\nDeterministic in eval mode: ${allclose(out1, out2) ? 'True' : 'False'}`);
