// The seed's theorem: W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂). A stack of Linear layers with
// no activation between them is one Linear; nn.collapseLinear proves it by folding the stack.
import { nn, randn, manualSeed, diagnostics } from 'neurite';
import { heading, show } from './show.mjs';

manualSeed(0);
const x = randn([32, 10]);
heading('A 4-layer "MLP" whose activations were forgotten');
const stack = new nn.Sequential(new nn.Linear(10, 64), new nn.Linear(64, 64), new nn.Linear(64, 64), new nn.Linear(64, 1));
for (const w of diagnostics.lint(stack)) console.log(`lint: [${w.code}] ${w.message}`);
show('before', diagnostics.diagnose(stack, x));

const folded = nn.collapseLinear(stack);
const a = stack.forward(x).data, b = folded.forward(x).data;
let diff = 0;
for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
console.log(`\nnn.collapseLinear: ${stack.numParameters()} parameters in ${stack.length} Linear layers -> ${folded.numParameters()} in one:`);
console.log(folded.toString());
console.log(`max |difference| of outputs over 32 inputs: ${diff.toExponential(2)} (float32 rounding)`);

const fixed = new nn.Sequential(new nn.Linear(10, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 1));
for (const m of fixed.modules()) if (m instanceof nn.Linear) { nn.init.kaimingNormal_(m.weight, { nonlinearity: 'relu' }); nn.init.zeros_(m.bias); }
show('fix: a ReLU between the Linear layers (He init)', diagnostics.diagnose(fixed, x));
