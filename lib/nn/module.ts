/**
 * Module: the base of every layer and model. Submodules, parameters and buffers are found
 * from the instance's own properties in declaration order, so names follow PyTorch
 * (`fc1.weight`, `0.bias` for Sequential children) and state dicts interoperate.
 */
import { bumpVersion } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { isPlainObject, options } from '../options.js';

/**
 * A tensor that a Module trains: requiresGrad on, and listed by parameters().
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const p = new nn.Parameter(zeros(3)); // torch.nn.Parameter(torch.zeros(3)): requires grad, registered when assigned to a Module
 * console.log(p.requiresGrad); // true
 * ```
 */
export class Parameter extends Tensor {
  constructor(t: Tensor) {
    super(t.data, t.shape, true, null);
  }
}

/** Called after a module's forward with (module, inputs, output) (PyTorch's register_forward_hook signature). */
export type ForwardHook = (module: Module, input: Tensor[], output: Tensor) => void;
/** Returned by hook registrations: `remove()` unregisters the hook (PyTorch's RemovableHandle). */
export interface HookHandle { remove(): void }
/** Parameter and buffer tensors by PyTorch-style dotted name (`fc1.weight`, `0.bias`), as model.state_dict(). */
export type StateDict = Record<string, Tensor>;

const BUFFERS = Symbol('buffers');
const HOOKS = Symbol('hooks');

/** A name for registerBuffer/registerParameter: a non-empty string without '.', not a method or field already there. */
function checkName(m: Module, fn: string, name: string): void {
  if (typeof name !== 'string' || name === '' || name.includes('.')) throw new TypeError(`${fn}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
  if (name in m && !Object.prototype.hasOwnProperty.call(m, name)) throw new TypeError(`${fn}: attribute '${name}' already exists`);
}

/**
 * Modules or tensors kept in a plain array or object are not registered (PyTorch ignores them
 * too, silently): say so at the first look, and name the container that registers them.
 */
function unregistered(m: Module, k: string, v: object): void {
  let what: string | null = null;
  if (Array.isArray(v)) {
    for (const x of v) if (x instanceof Module || x instanceof Tensor) { what = x instanceof Module ? 'modules' : 'tensors'; break; }
  } else if (isPlainObject(v)) {
    for (const x of Object.values(v)) if (x instanceof Module || x instanceof Tensor) { what = x instanceof Module ? 'modules' : 'tensors'; break; }
  }
  if (what === null) return;
  const kind = Array.isArray(v) ? 'a plain array' : 'a plain object';
  const fix = what === 'modules' ? (Array.isArray(v) ? 'nn.ModuleList' : 'nn.ModuleDict') : 'nn.ParameterList (or registerBuffer)';
  throw new TypeError(`${m.constructor.name}: field '${k}' keeps ${what} in ${kind}, so they would not be registered `
    + `(no parameters, no state dict, no train()/eval()); use ${fix}: this.${k} = new ${fix.split(' ')[0]}(...)`);
}

/**
 * Base class of every layer and model (torch.nn.Module): parameters, buffers and children registered by assignment,
 * `forward`, `train()`/`eval()`, `stateDict()`/`loadStateDict()`, hooks.
 * @example
 * ```js
 * import { F, nn, randn } from 'neurite';
 * class MLP extends nn.Module {
 *   constructor() { super(); this.fc1 = new nn.Linear(10, 64); this.fc2 = new nn.Linear(64, 1); }
 *   forward(x) { return this.fc2.forward(F.relu(this.fc1.forward(x))); }
 * }
 * const model = new MLP();
 * console.log(model.forward(randn(4, 10)).shape, model.parameters().length); // [ 4, 1 ] 4
 * console.log(Object.keys(model.stateDict())); // [ 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias' ]
 * ```
 */
export abstract class Module {
  training = true;
  private [BUFFERS]?: Set<string>;
  private [HOOKS]?: Set<ForwardHook>;

  abstract forward(...inputs: Tensor[]): Tensor;

  /** Register a tensor that is state but not trained (BatchNorm's running statistics): in stateDict(), not in parameters(). */
  registerBuffer(name: string, t: Tensor): void {
    checkName(this, 'registerBuffer', name);
    if (!(t instanceof Tensor) || t instanceof Parameter) throw new TypeError(`registerBuffer: '${name}' must be a Tensor (not a Parameter), got ${t === null ? 'null' : t?.constructor?.name ?? typeof t}`);
    (this[BUFFERS] ??= new Set()).add(name);
    (this as unknown as Record<string, Tensor>)[name] = t;
  }

  /** Add a parameter under `name` (as assigning `this.name = new nn.Parameter(t)`). */
  registerParameter(name: string, p: Parameter): void {
    checkName(this, 'registerParameter', name);
    if (!(p instanceof Parameter)) throw new TypeError(`registerParameter: cannot assign '${p === null ? 'null' : (p as object)?.constructor?.name ?? typeof p}' as parameter '${name}' (nn.Parameter required)`);
    (this as unknown as Record<string, Tensor>)[name] = p;
  }

  /** Direct submodules with their property names, in declaration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Module) out.push([k, v]);
      else if (typeof v === 'object' && v !== null) unregistered(this, k, v);
    }
    return out;
  }

  /** fn(module) for every submodule (children first, as PyTorch), then this one; returns this. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError('apply: fn must be a function (module) => void');
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Turn gradient recording of every parameter on or off (freezing); returns this. */
  requiresGrad_(requiresGrad = true): this {
    if (typeof requiresGrad !== 'boolean') throw new TypeError(`requiresGrad_: expected a boolean, got ${typeof requiresGrad}`);
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every submodule, depth first, with dotted paths ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** This module's own parameters (not its children's). */
  protected ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Parameter) out.push([k, v]);
      else if (typeof v === 'object' && v !== null && !(v instanceof Module) && !(v instanceof Tensor)) unregistered(this, k, v);
    }
    return out;
  }

  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Parameter>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [k, p] of m.ownParameters()) {
        if (seen.has(p)) continue; // shared parameters are listed once, as PyTorch
        seen.add(p);
        out.push([path ? `${path}.${k}` : k, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements. */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const k of m[BUFFERS] ?? []) {
        out.push([path ? `${path}.${k}` : k, (m as unknown as Record<string, Tensor>)[k]]);
      }
    }
    return out;
  }

  /** Training mode (dropout active, batch statistics) for this module and all below. */
  train(on = true): this {
    if (typeof on !== 'boolean') throw new TypeError(`train: training mode is expected to be a boolean, got ${typeof on}`);
    for (const m of this.modules()) m.training = on;
    return this;
  }

  /** Evaluation mode: dropout off, BatchNorm uses running statistics. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Clear every parameter's gradient before the next backward. By default (`setToNone: true`,
   * PyTorch 2.x's default) the gradients become `null`; `{ setToNone: false }` (PyTorch 1.13's
   * default) fills them with zeros and keeps the tensors. The next backward gives the same
   * gradients either way; code that reads `p.grad` before it sees `null` in the first case.
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    const none = options<{ setToNone?: boolean }>('zeroGrad', opts, ['setToNone']).setToNone ?? true;
    if (typeof none !== 'boolean') throw new TypeError(`zeroGrad: setToNone must be a boolean, got ${typeof none}`);
    for (const p of this.parameters()) {
      if (none) p.grad = null;
      else if (p.grad) p.grad.data.fill(0);
    }
  }

  /** Parameters and buffers by PyTorch name (each module's own first, then its children's). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    const visit = (m: Module, prefix: string): void => {
      for (const [k, p] of m.ownParameters()) sd[prefix + k] = p.detach();
      for (const k of m[BUFFERS] ?? []) sd[prefix + k] = (m as unknown as Record<string, Tensor>)[k].detach();
      for (const [k, c] of m.namedChildren()) visit(c, `${prefix}${k}.`);
    };
    visit(this, '');
    return sd;
  }

  /**
   * Copy values from a state dict. Everything is checked first (key sets when strict, shapes
   * always), so a failed load changes nothing.
   */
  loadStateDict(sd: StateDict | Map<string, Tensor>, opts?: { strict?: boolean }): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = options<{ strict?: boolean }>('loadStateDict', opts, ['strict']).strict ?? true;
    if (typeof strict !== 'boolean') throw new TypeError(`loadStateDict: strict must be a boolean, got ${typeof strict}`);
    if (sd === null || typeof sd !== 'object') throw new TypeError('loadStateDict: expected a state dict (an object or Map of name -> Tensor)');
    const src = sd instanceof Map ? sd : new Map(Object.entries(sd));
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !src.has(k));
    const unexpected = [...src.keys()].filter((k) => !(k in own));
    if (strict && (missing.length > 0 || unexpected.length > 0)) {
      const parts = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new RangeError(`loadStateDict: ${parts.join('; ')}`);
    }
    for (const [k, t] of Object.entries(own)) {
      const v = src.get(k);
      if (v === undefined) continue;
      if (!(v instanceof Tensor)) throw new TypeError(`loadStateDict: '${k}' is not a Tensor`);
      const numel = v.size;
      const sameShape = v.shape.length === t.shape.length && v.shape.every((d, i) => d === t.shape[i]);
      if (!sameShape && !(t.size === 1 && numel === 1)) {
        throw new RangeError(`loadStateDict: size mismatch for '${k}': checkpoint has ${fmtShape(v.shape)}, model has ${fmtShape(t.shape)}`);
      }
    }
    for (const [k, t] of Object.entries(own)) {
      const v = src.get(k);
      if (v !== undefined) { t.data.set(v.data); bumpVersion(t, 'loadStateDict'); } // an in-place write, as torch's copy_
    }
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  /** Call fn(module, inputs, output) after every forward of this module; remove() detaches it. */
  registerForwardHook(fn: ForwardHook): HookHandle {
    const hooks = (this[HOOKS] ??= new Set());
    hooks.add(fn);
    if (hooks.size === 1) {
      // hooks exist: route this instance's forward through a wrapper (none otherwise: no cost)
      const proto = Object.getPrototypeOf(this) as { forward: (...a: Tensor[]) => Tensor };
      Object.defineProperty(this, 'forward', {
        value: (...inputs: Tensor[]): Tensor => {
          const out = proto.forward.apply(this, inputs);
          for (const h of [...hooks]) h(this, inputs, out);
          return out;
        },
        configurable: true, writable: true, enumerable: false,
      });
    }
    return {
      remove: () => {
        hooks.delete(fn);
        if (hooks.size === 0) delete (this as { forward?: unknown }).forward;
      },
    };
  }

  /** Whether any forward hook is attached (fused paths stay off so hooks see every module). */
  hasForwardHooks(): boolean {
    return (this[HOOKS]?.size ?? 0) > 0;
  }

  /** Module name for printing, e.g. `Linear(in_features=10, out_features=64, bias=true)`. */
  extraRepr(): string {
    return '';
  }

  /** console.log(model) prints the same summary as String(model). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (kids.length === 0) return `${head})`;
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().replace(/\n/g, '\n  ')}`).join('\n');
    return `${head}\n${body}\n)`;
  }
}
