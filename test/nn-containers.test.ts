/** Module containers, Module.apply / requiresGrad_ / zeroGrad / register*, the plain-array guard, and console.log(model). */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Tensor, nn, optim, tensor, zeros } from '../lib/index.js';

class Tower extends nn.Module {
  layers = new nn.ModuleList([new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2)]);
  heads = new nn.ModuleDict({ b: new nn.Linear(2, 1), a: new nn.Linear(2, 3) });
  scales = new nn.ParameterList([zeros([2]), zeros([1])]);
  forward(x: Tensor): Tensor {
    for (const m of this.layers) x = m.forward(x);
    return this.heads.get('a')!.forward(x);
  }
}

describe('containers', () => {
  it('register their contents under PyTorch names, in order', () => {
    const m = new Tower();
    // PyTorch's order: submodules as assigned, each container's contents in its own order
    expect(m.namedParameters().map(([k]) => k)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias',
      'heads.b.weight', 'heads.b.bias', 'heads.a.weight', 'heads.a.bias', 'scales.0', 'scales.1']);
    expect(Object.keys(m.stateDict())).toContain('heads.b.weight');
    expect(m.layers.length).toBe(3);
    expect(m.layers.at(-1)).toBeInstanceOf(nn.Linear);
    m.layers.insert(1, new nn.Identity());
    expect(m.layers.at(2)).toBeInstanceOf(nn.ReLU);
    expect(m.heads.keys()).toEqual(['b', 'a']);
    expect(() => m.heads.set('train', new nn.ReLU())).toThrow(/already exists/);
    expect(m.forward(zeros([5, 3])).shape).toEqual([5, 3]);
    expect(() => m.layers.forward()).toThrow(/not callable/);
    expect(m.scales.at(0)).toBeInstanceOf(nn.Parameter);
  });

  it('a plain array or object of modules/tensors throws at parameters(), pointing to the container', () => {
    class Bad extends nn.Module {
      layers = [new nn.Linear(2, 2)];
      forward(x: Tensor): Tensor { return x; }
    }
    expect(() => new Bad().parameters()).toThrow(/field 'layers' keeps modules in a plain array.*nn\.ModuleList/);
    class Bad2 extends nn.Module {
      ws = { a: tensor([1]) };
      forward(x: Tensor): Tensor { return x; }
    }
    expect(() => new Bad2().stateDict()).toThrow(/nn\.ParameterList/);
    class Fine extends nn.Module {
      sizes = [1, 2, 3];
      cfg = { depth: 2 };
      forward(x: Tensor): Tensor { return x; }
    }
    expect(new Fine().parameters()).toEqual([]);
  });
});

describe('Module helpers', () => {
  it('apply visits children first, requiresGrad_ freezes, zeroGrad fills or drops', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Linear(2, 1)));
    const seen: string[] = [];
    m.apply((x) => seen.push(x.constructor.name));
    expect(seen).toEqual(['Linear', 'Linear', 'Sequential', 'Sequential']);
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    m.requiresGrad_();
    const p = m.parameters()[0];
    p.grad = tensor([[1, 2], [3, 4]]);
    m.zeroGrad({ setToNone: false });
    expect(Array.from(p.grad.data)).toEqual([0, 0, 0, 0]);
    m.zeroGrad();
    expect(p.grad).toBeNull();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    p.grad = tensor([[1, 2], [3, 4]]);
    opt.zeroGrad({ setToNone: false });
    expect(Array.from(p.grad!.data)).toEqual([0, 0, 0, 0]);
  });

  it('zeroGrad: null by default (PyTorch 2.x), zeros with setToNone false (1.13); the next backward gives the same gradients', () => {
    const x = tensor([[1, -2], [0.5, 3]]);
    const grads: number[][][] = [];
    for (const [who, setToNone] of [['module', true], ['module', false], ['optimizer', true], ['optimizer', false]] as const) {
      const m = new nn.Linear(2, 2);
      const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
      m.forward(x).sum().backward();
      const held = m.weight.grad!;
      if (who === 'module') m.zeroGrad({ setToNone }); else opt.zeroGrad({ setToNone });
      if (setToNone) expect(m.weight.grad).toBeNull();
      else { expect(m.weight.grad).toBe(held); expect(Array.from(held.data)).toEqual([0, 0, 0, 0]); }
      if (who === 'module') m.zeroGrad(); else opt.zeroGrad(); // the default: null
      expect(m.weight.grad).toBeNull();
      if (!setToNone) m.weight.grad = held; // zero-filled, as 1.13 leaves it
      m.forward(x).sum().backward();
      grads.push(m.parameters().map((q) => Array.from(q.grad!.data)));
    }
    for (const g of grads) expect(g).toEqual(grads[0]);
    expect(() => new optim.SGD([tensor([1], { requiresGrad: true })], { lr: 0.1 }).zeroGrad({ setToNone: 1 } as never)).toThrow(/SGD.zeroGrad: setToNone must be a boolean/);
  });

  it('registerBuffer / registerParameter; console.log prints the summary', () => {
    class M extends nn.Module {
      constructor() {
        super();
        this.registerBuffer('steps', zeros([1]));
        this.registerParameter('scale', new nn.Parameter(zeros([2])));
      }
      forward(x: Tensor): Tensor { return x; }
    }
    const m = new M();
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['steps']);
    expect(m.namedParameters().map(([k]) => k)).toEqual(['scale']);
    expect(Object.keys(m.stateDict())).toEqual(['scale', 'steps']);
    expect(() => m.registerParameter('x', zeros([1]) as never)).toThrow(/nn.Parameter required/);
    expect(() => m.registerBuffer('forward', zeros([1]))).toThrow(/already exists/);
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(inspect(s)).toBe(String(s));
    expect(inspect(s)).not.toMatch(/Symbol/);
  });
});

