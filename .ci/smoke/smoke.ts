// A TypeScript consumer: type-checked (tsc --noEmit, NodeNext) against the types the package ships.
// The @ts-expect-error lines prove the types are real (not `any`).
import { F, type FitHistory, type Shape, Tensor, fit, nn, optim, randn, backend, type BackendName } from 'neurite';

const b: BackendName = backend();
const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
const x: Tensor = randn([16, 4]);
const s: Shape = x.shape;
const loss: Tensor = F.mseLoss(model.forward(x), randn([16, 1]));
const v: number = loss.item();
// @ts-expect-error backend() is 'js' | 'native', not any string
const wrong: 'gpu' = backend();
// @ts-expect-error lr is a number
new optim.SGD(model.parameters(), { lr: 'fast' });
async function run(): Promise<FitHistory> {
  return fit(model, { x, y: randn([16, 1]) }, { epochs: 1, batchSize: 4, optimizer: opt, loss: F.mseLoss });
}
export { b, s, v, wrong, run };
