// The breast-cancer classifier of the README: split, standardise, DataLoader, fit with
// validation and early stopping (`npm run build` first; run from the repository root).
import { F, data, fit, io, manualSeed, nn, optim } from 'neurite';

manualSeed(0);
const { x, y } = await io.loadCsv('data/breast_cancer.csv');           // x [569, 30], y class indices
const [train, val] = data.randomSplit(new data.TensorDataset(x, y), [0.8, 0.2], { seed: 0 });
const xTrain = x.indexSelect(0, train.indices);
x.sub_(xTrain.mean(0)).div_(xTrain.std(0));                            // standardise in place: the datasets share x

const model = new nn.Sequential(new nn.Linear(30, 32), new nn.ReLU(), new nn.Linear(32, 2));
const history = await fit(model, new data.DataLoader(train, { batchSize: 32, shuffle: true, seed: 0 }), {
  epochs: 100, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: F.crossEntropy, seed: 0,
  validationData: val, earlyStopping: { monitor: 'valLoss', patience: 5, restoreBest: true },
});
const best = history.bestEpoch;
console.log(`epochs run: ${history.epochs.length}, best epoch: ${best}`);
console.log(`validation loss ${history.valLoss[best - 1].toFixed(4)}, accuracy ${(100 * history.valAccuracy[best - 1]).toFixed(1)}%`);
