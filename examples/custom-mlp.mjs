// A model class of your own, in its own module, so fit() can build it in a worker thread
// (examples/train-custom-in-worker.mjs passes this file as moduleFile).
import { nn } from 'neurite';

export class MLP extends nn.Module {
  constructor(inFeatures, hidden, outFeatures) {
    super();
    this.fc1 = new nn.Linear(inFeatures, hidden);
    this.fc2 = new nn.Linear(hidden, outFeatures);
  }
  forward(x) {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}
