// Your own `class MLP extends nn.Module` trained off the main thread: fit imports the file
// that exports the class in its worker and builds `new MLP(...moduleArgs)` there
// (`npm run build` first; run from the repository root).
import { F, data, fit, io, manualSeed, optim } from 'neurite';
import { MLP } from './custom-mlp.mjs';

manualSeed(0);
const { x, y } = await io.loadCsv('data/digits.csv.gz');               // 1797 8x8 digits, pixels 0..16
const digits = new data.TensorDataset(x.div(16), y);
const [train, val] = data.randomSplit(digits, [0.8, 0.2], { seed: 0 });
const model = new MLP(64, 64, 10);
const history = await fit(model, train, {
  epochs: 5, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: F.crossEntropy, seed: 0,
  validationData: val, moduleFile: new URL('./custom-mlp.mjs', import.meta.url), moduleArgs: [64, 64, 10],
});
console.log(`mode: ${history.mode}`);
console.log(`validation accuracy: ${(100 * history.valAccuracy.at(-1)).toFixed(1)}%`);
