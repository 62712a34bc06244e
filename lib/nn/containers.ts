/** ModuleList, ModuleDict and ParameterList: containers whose contents are registered (parameters, state dict, train/eval), as torch.nn. */
import { Tensor } from '../tensor.js';
import { Module, Parameter } from './module.js';

type Fields = Record<string, unknown>;

/**
 * Modules by position ('0', '1', ... in names and state dicts). Not callable: use its modules in your forward.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
 * let x = randn(1, 4);
 * for (const l of layers) x = l.forward(x);
 * console.log(layers.length, x.shape); // 2 [ 1, 4 ]
 * ```
 */
export class ModuleList extends Module implements Iterable<Module> {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }
  get length(): number { return this.namedChildren().length; }
  /** The module at i (negative counts from the end). */
  at(i: number): Module {
    const n = this.length;
    const k = Number.isInteger(i) ? (i < 0 ? n + i : i) : NaN;
    if (!(k >= 0 && k < n)) throw new RangeError(`ModuleList: index ${i} is out of range for ${n} modules`);
    return (this as unknown as Fields)[String(k)] as Module;
  }
  append(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError(`ModuleList.append: expected a Module, got ${m === null ? 'null' : typeof m}`);
    (this as unknown as Fields)[String(this.length)] = m;
    return this;
  }
  extend(ms: Iterable<Module>): this {
    if (ms === null || typeof (ms as Iterable<Module>)[Symbol.iterator] !== 'function') throw new TypeError('ModuleList: expected an iterable of Modules');
    for (const m of ms) this.append(m);
    return this;
  }
  /** Insert before index i, renumbering the ones after it. */
  insert(i: number, m: Module): this {
    if (!(m instanceof Module)) throw new TypeError('ModuleList.insert: expected a Module');
    const all = [...this];
    const n = all.length;
    const k = i < 0 ? Math.max(0, n + i) : Math.min(i, n);
    all.splice(k, 0, m);
    all.forEach((x, j) => { (this as unknown as Fields)[String(j)] = x; });
    return this;
  }
  *[Symbol.iterator](): Iterator<Module> { for (const [, m] of this.namedChildren()) yield m; }
  forward(): Tensor {
    throw new TypeError('ModuleList is not callable: call its modules in your own forward (for (const m of this.layers) x = m.forward(x))');
  }
}

/**
 * Modules by name, in insertion order. Keys must not clash with Module's own members (train, forward, ...).
 * @example
 * ```js
 * import { nn } from 'neurite';
 * const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), reg: new nn.Linear(8, 1) });
 * console.log(heads.get('reg').outFeatures); // 1
 * ```
 */
export class ModuleDict extends Module {
  private declare readonly order: string[];
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    Object.defineProperty(this, 'order', { value: [], enumerable: false });
    this.update(modules);
  }
  get size(): number { return this.order.length; }
  set(key: string, m: Module): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) throw new TypeError(`ModuleDict: key must be a non-empty string without '.', got ${JSON.stringify(key)}`);
    if (!(m instanceof Module)) throw new TypeError(`ModuleDict: '${key}' must be a Module, got ${m === null ? 'null' : typeof m}`);
    if (key in this && !this.order.includes(key)) throw new TypeError(`ModuleDict: attribute '${key}' already exists (a Module member): choose another key`);
    if (!this.order.includes(key)) this.order.push(key);
    (this as unknown as Fields)[key] = m;
    return this;
  }
  get(key: string): Module | undefined { return this.order.includes(key) ? (this as unknown as Fields)[key] as Module : undefined; }
  has(key: string): boolean { return this.order.includes(key); }
  delete(key: string): boolean {
    const i = this.order.indexOf(key);
    if (i < 0) return false;
    this.order.splice(i, 1);
    delete (this as unknown as Fields)[key];
    return true;
  }
  keys(): string[] { return this.order.slice(); }
  values(): Module[] { return this.order.map((k) => (this as unknown as Fields)[k] as Module); }
  entries(): [string, Module][] { return this.order.map((k) => [k, (this as unknown as Fields)[k] as Module]); }
  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    if (modules === null || typeof modules !== 'object') throw new TypeError('ModuleDict: expected an object or iterable of [key, Module]');
    const pairs = typeof (modules as Iterable<[string, Module]>)[Symbol.iterator] === 'function'
      ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of pairs) this.set(k, m);
    return this;
  }
  /** In insertion order (JS would put integer-like keys first). */
  override namedChildren(): [string, Module][] { return this.entries(); }
  forward(): Tensor {
    throw new TypeError('ModuleDict is not callable: call its modules in your own forward (this.heads.get(name)!.forward(x))');
  }
}

/**
 * Parameters by position ('0', '1', ...): a Tensor is wrapped as a Parameter (sharing its data).
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const ps = new nn.ParameterList([zeros(2), zeros(3)]);
 * console.log(ps.length); // 2
 * ```
 */
export class ParameterList extends Module implements Iterable<Parameter> {
  constructor(params: Iterable<Tensor> = []) {
    super();
    this.extend(params);
  }
  get length(): number { return this.ownParameters().length; }
  at(i: number): Parameter {
    const n = this.length;
    const k = Number.isInteger(i) ? (i < 0 ? n + i : i) : NaN;
    if (!(k >= 0 && k < n)) throw new RangeError(`ParameterList: index ${i} is out of range for ${n} parameters`);
    return (this as unknown as Fields)[String(k)] as Parameter;
  }
  append(p: Tensor): this {
    if (!(p instanceof Tensor)) throw new TypeError(`ParameterList.append: expected a Tensor, got ${p === null ? 'null' : typeof p}`);
    (this as unknown as Fields)[String(this.length)] = p instanceof Parameter ? p : new Parameter(p);
    return this;
  }
  extend(ps: Iterable<Tensor>): this {
    if (ps === null || typeof (ps as Iterable<Tensor>)[Symbol.iterator] !== 'function') throw new TypeError('ParameterList: expected an iterable of Tensors');
    for (const p of ps) this.append(p);
    return this;
  }
  *[Symbol.iterator](): Iterator<Parameter> { for (const [, p] of this.ownParameters()) yield p; }
  extraRepr(): string {
    return this.ownParameters().map(([k, p]) => `(${k}): Parameter containing: [Float32 of size ${p.shape.join('x')}]`).join('\n');
  }
  forward(): Tensor {
    throw new TypeError('ParameterList is not callable: use its parameters in your own forward');
  }
}
