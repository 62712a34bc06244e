// The seed's vanishing gradient: sigmoid's derivative is at most 0.25, so ten sigmoid layers
// scale the gradient reaching the first layer by ~0.25^10. ReLU or GELU with He init keep it flowing.
import { nn, randn, manualSeed, diagnostics } from 'neurite';
import { heading, show, writeHtml } from './show.mjs';

function mlp(makeAct, he) {
  const mods = [];
  for (let i = 0; i < 10; i++) {
    const l = new nn.Linear(64, i === 9 ? 10 : 64);
    if (he) { nn.init.kaimingNormal_(l.weight, { nonlinearity: 'relu' }); nn.init.zeros_(l.bias); }
    mods.push(l);
    if (i < 9) mods.push(makeAct());
  }
  return new nn.Sequential(...mods);
}

manualSeed(0);
const x = randn([128, 64]);
const y = Array.from({ length: 128 }, (_, i) => i % 10);

heading('A 10-layer sigmoid MLP at default initialisation');
const sig = mlp(() => new nn.Sigmoid(), false);
console.log('lint, before running any data:');
for (const w of diagnostics.lint(sig)) console.log(`  [${w.code}] ${w.message}`);
const before = diagnostics.diagnose(sig, x, { target: y });
show('before: sigmoid', before);

const relu = diagnostics.diagnose(mlp(() => new nn.ReLU(), true), x, { target: y });
show('fix: ReLU + He init (kaimingNormal_)', relu);
const gelu = diagnostics.diagnose(mlp(() => new nn.GELU(), true), x, { target: y });
show('fix: GELU + He init', gelu);

const ratio = (r) => r.gradients[0].gradNorm / r.gradients[r.gradients.length - 1].gradNorm;
console.log(`\n|grad| first layer / last layer: sigmoid ${ratio(before).toExponential(1)}, ReLU ${ratio(relu).toExponential(1)}, GELU ${ratio(gelu).toExponential(1)}`);
writeHtml('vanishing-sigmoid', before.toHTML({ title: '10-layer sigmoid MLP: vanishing gradient' }));
