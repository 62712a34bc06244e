// Trains the digits classifier the service serves (64 pixels -> 64 -> 10, ReLU) on the
// handwritten-digits data shipped in data/, with fit(), and saves its weights as safetensors
// (PyTorch key names) with the layer sizes in the metadata.
// Usage: node examples/service/make-model.mjs [out.safetensors]
import { fileURLToPath } from 'node:url';
import { F, fit, io, manualSeed, nn, optim } from 'neurite';

export const HIDDEN = 64;

export async function makeModel(out) {
  const { x, y } = await io.loadCsv(fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url)));
  for (let i = 0; i < x.data.length; i++) x.data[i] /= 16; // pixels are 0..16
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(64, HIDDEN), new nn.ReLU(), new nn.Linear(HIDDEN, 10));
  const h = await fit(model, { x, y }, { epochs: 30, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 0.003 }), loss: F.crossEntropy, seed: 1 });
  await io.saveSafetensors(out, model.stateDict(), { in: '64', hidden: String(HIDDEN), out: '10', data: 'digits (pixels / 16)' });
  return h;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? 'digits-mlp.safetensors';
  const h = await makeModel(out);
  console.log(`trained in ${h.mode === 'worker' ? 'a worker thread' : 'this thread'}: training accuracy ${(100 * h.accuracy.at(-1)).toFixed(1)}%, wrote ${out}`);
}
