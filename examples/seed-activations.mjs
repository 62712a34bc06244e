// The seed's second snippet: activation outputs, saturating gradients, dead-ReLU detection
// and the Transformer FFN block with GELU.
import { nn, F, tensor, linspace, randn, manualSeed } from 'neurite';
import { pyList, pyRound, size } from './pyformat.mjs';

manualSeed(0);

// ── Compare activation outputs ──
const x = linspace(-3, 3, 7);
const r3 = (t) => pyList(Array.from(t.data, (v) => pyRound(v, 3)));
console.log(`x: ${pyList(x.data)}`);
console.log(`ReLU: ${pyList(F.relu(x).data)}`);
console.log(`GELU: ${r3(F.gelu(x))}`);
console.log(`Sigmoid: ${r3(F.sigmoid(x))}`);
console.log(`Tanh: ${r3(F.tanh(x))}`);

// ── Gradient comparison: saturation ──
const xSat = tensor([-3.0, -1.0, 0.0, 1.0, 3.0], undefined, { requiresGrad: true });
F.sigmoid(xSat).sum().backward();
console.log(`\nSigmoid grads at [-3,-1,0,1,3]: ${pyList(Array.from(xSat.grad.data, (g) => pyRound(g, 4)))}`);
// Near 0 at extremes: vanishing gradient in deep nets
const xRelu = tensor([-3.0, -1.0, 0.0, 1.0, 3.0], undefined, { requiresGrad: true });
F.relu(xRelu).sum().backward();
console.log(`ReLU grads at [-3,-1,0,1,3]: ${pyList(xRelu.grad.data)}`);

// ── Dead ReLU detection ──
class DeepReLU extends nn.Module {
  constructor() {
    super();
    this.fc1 = new nn.Linear(10, 64);
    this.fc2 = new nn.Linear(64, 1);
  }
  forward(x) {
    this.h1 = F.relu(this.fc1.forward(x));
    return this.fc2.forward(this.h1);
  }
}
const model = new DeepReLU();
const data = randn([200, 10]);
model.forward(data);
const dead = model.h1.eq(0).all(0).sum().item();
console.log(`\nDead neurons (always 0 across 200 samples): ${dead}/64`);

// ── Transformer FFN block with GELU ──
class TransformerFFN extends nn.Module {
  constructor(dModel = 512, dFf = 2048) {
    super();
    this.fc1 = new nn.Linear(dModel, dFf);
    this.fc2 = new nn.Linear(dFf, dModel);
  }
  forward(x) {
    return this.fc2.forward(F.gelu(this.fc1.forward(x))); // GELU, standard in Transformers
  }
}
const ffn = new TransformerFFN();
const xf = randn([8, 64, 512]); // (batch, seq_len, d_model)
const outF = ffn.forward(xf);
console.log(`\nTransformer FFN: ${size(xf.shape)} \u2192 ${size(outF.shape)}`);
