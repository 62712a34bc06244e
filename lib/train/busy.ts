/**
 * While fit() owns a model and its optimizer, the calls that would change them under it
 * throw: optimizer.step(), optimizer.loadStateDict(), model.loadStateDict(), and a second
 * fit(). The guards are own properties of the two instances, removed when fit settles, so
 * nothing else pays for them. Writes straight into tensor data cannot be caught: see
 * the README (In Node services) for the rule.
 */
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';

const owned = new WeakSet<object>();

function guard(obj: object, method: string, who: string): () => void {
  const own = Object.getOwnPropertyDescriptor(obj, method);
  Object.defineProperty(obj, method, {
    configurable: true, enumerable: false, writable: true,
    value: () => {
      throw new Error(`${who}.${method}: fit() is training this ${who} right now; await it (or abort it with its signal) first`);
    },
  });
  return () => {
    if (own) Object.defineProperty(obj, method, own);
    else delete (obj as Record<string, unknown>)[method];
  };
}

export function isBusy(obj: object): boolean {
  return owned.has(obj);
}

/**
 * Claim the model and optimizer for one fit; returns the real optimizer step (for fit's own
 * use) and the release function. Throws when either is already claimed.
 */
export function claim(model: Module, opt: Optimizer<{ lr: number }>): { step: () => void; release: () => void } {
  if (owned.has(model)) throw new Error('fit: this model is already being trained by another fit(); await it first');
  if (owned.has(opt)) throw new Error('fit: this optimizer is already in use by another fit(); await it first');
  const step = opt.step.bind(opt);
  const undo = [guard(opt, 'step', 'optimizer'), guard(opt, 'loadStateDict', 'optimizer'), guard(model, 'loadStateDict', 'model')];
  owned.add(model);
  owned.add(opt);
  return {
    step,
    release: () => {
      for (const u of undo) u();
      owned.delete(model);
      owned.delete(opt);
    },
  };
}
