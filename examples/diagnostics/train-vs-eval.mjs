// The seed's model.eval() story: in training mode dropout draws new masks and batch norm uses
// batch statistics, so the same input gives a different output on every call.
import { nn, randn, manualSeed, allclose, diagnostics } from 'neurite';
import { heading, show } from './show.mjs';

manualSeed(0);
const model = new nn.Sequential(new nn.Linear(10, 64), new nn.BatchNorm1d(64), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(64, 1));
const x = randn([8, 10]);

heading('Comparing two outputs of a model left in training mode');
let a = model.forward(x), b = model.forward(x);
console.log(`training mode: two calls on the same input equal? ${allclose(a, b)}  (first outputs ${a.data[0].toFixed(4)} vs ${b.data[0].toFixed(4)})`);
show('before: model.training = true', diagnostics.diagnose(model, x));

model.eval();
a = model.forward(x); b = model.forward(x);
console.log(`\neval mode: two calls on the same input equal? ${allclose(a, b)}`);
show('fix: model.eval()', diagnostics.diagnose(model, x));
