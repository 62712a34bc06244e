/**
 * Strided views and in-place ops: layouts (shape, strides, offset) as PyTorch's, aliasing both
 * ways (write through a view, read the base, and the reverse), autograd through views
 * (finite differences), in-place autograd (history rebase, version-counter errors), matmul on
 * transposed views, and the `inplace` activations, on every backend.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { F, Tensor, arange, matmul, nn, noGrad, optim, randn, tensor, zeros } from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { gradcheck } from './helpers/gradcheck.js';
import { B } from '../lib/backend/index.js';
import { Act } from '../lib/backend/types.js';
import { linear as linearOp } from '../lib/ops/linalg.js';

const ar = (n: number, shape: number[]): Tensor => arange(n).reshape(shape);

describe.each(availableBackends())('%s backend', (name) => {
  useBackend(name);

  describe('layouts as PyTorch', () => {
    it('transpose, T, mT and permute swap strides and share storage', () => {
      const x = ar(24, [2, 3, 4]);
      const t = x.transpose(0, 2);
      expect(t.shape).toEqual([4, 3, 2]);
      expect(t.stride()).toEqual([1, 4, 12]);
      expect(t.storage).toBe(x.storage);
      expect(t.isContiguous()).toBe(false);
      expect(x.T.stride()).toEqual([1, 4, 12]);
      expect(x.mT.shape).toEqual([2, 4, 3]);
      expect(x.mT.stride()).toEqual([12, 1, 4]);
      const p = x.permute(1, 0, 2);
      expect(p.stride()).toEqual([4, 12, 1]);
      expect(x.permute([2, 0, 1]).shape).toEqual([4, 2, 3]);
      expect(p.toArray()).toEqual([[[0, 1, 2, 3], [12, 13, 14, 15]], [[4, 5, 6, 7], [16, 17, 18, 19]], [[8, 9, 10, 11], [20, 21, 22, 23]]]);
      expect(Array.from(x.T.contiguous().data)).toEqual(Array.from(x.T.data));
      expect(x.T.contiguous().isContiguous()).toBe(true);
      expect(() => x.permute(0, 0, 1)).toThrow(/permute: dims \[0,0,1\] are not a permutation/);
    });

    it('narrow, select, slice and index move the offset and scale strides', () => {
      const x = ar(20, [4, 5]);
      const n = x.narrow(1, 1, 3);
      expect([n.shape, n.stride(), n.storageOffset()]).toEqual([[4, 3], [5, 1], 1]);
      const s = x.select(0, 2);
      expect([s.shape, s.stride(), s.storageOffset(), s.toArray()]).toEqual([[5], [1], 10, [10, 11, 12, 13, 14]]);
      expect(x.select(1, -1).toArray()).toEqual([4, 9, 14, 19]);
      // x[1:4:2, ::2], x[-2:], x[:, 10:] (empty), x[2, 1:3]
      const sl = x.slice(0, 1, 4, 2).slice(1, null, null, 2);
      expect([sl.shape, sl.stride(), sl.storageOffset(), sl.toArray()]).toEqual([[2, 3], [10, 2], 5, [[5, 7, 9], [15, 17, 19]]]);
      expect(x.slice(0, -2).toArray()).toEqual([[10, 11, 12, 13, 14], [15, 16, 17, 18, 19]]);
      expect(x.slice(1, 10).shape).toEqual([4, 0]);
      expect(x.index(2, [1, 3]).toArray()).toEqual([11, 12]);
      expect(x.index(null, [0, null, 4]).toArray()).toEqual([[0, 4], [5, 9], [10, 14], [15, 19]]);
      expect(() => x.narrow(0, 2, 3)).toThrow(/narrow: start \(2\) \+ length \(3\) exceeds dim 0 of size 4/);
      expect(() => x.select(0, 4)).toThrow(/select: index 4 is out of range/);
      expect(() => x.slice(0, 0, 2, 0)).toThrow(/slice: step must be a positive integer/);
    });

    it('expand, unsqueeze, squeeze, view, reshape, flatten, unflatten, split, chunk', () => {
      const x = ar(3, [3, 1]);
      const e = x.expand(2, 3, 4);
      expect([e.shape, e.stride()]).toEqual([[2, 3, 4], [0, 1, 0]]);
      expect(e.toArray()).toEqual([[[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]], [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]]]);
      expect(x.expand(-1, 2).shape).toEqual([3, 2]);
      expect(() => x.expand(4, 2)).toThrow(/expand: the size of dim 0 \(3\) cannot be expanded to 4/);
      expect(x.unsqueeze(0).shape).toEqual([1, 3, 1]);
      expect(x.unsqueeze(-1).stride()).toEqual([1, 1, 1]);
      expect(x.squeeze().shape).toEqual([3]);
      expect(x.squeeze(0).shape).toEqual([3, 1]);
      const y = ar(12, [3, 4]);
      expect(y.view(2, 6).storage).toBe(y.storage);
      expect(y.view([4, -1]).shape).toEqual([4, 3]);
      expect(y.reshape(-1).shape).toEqual([12]);
      // a transpose cannot be viewed flat; reshape copies it
      expect(() => y.T.view(12)).toThrow(/view: size \[12\] is not compatible with input of shape \[4,3\] and strides \[1,4\]/);
      const flat = y.T.reshape(12);
      expect(flat.storage).not.toBe(y.storage);
      expect(flat.toArray()).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
      // a view of a narrowed tensor that keeps the non-contiguous run apart is still a view
      const nv = ar(24, [4, 6]).narrow(1, 0, 4).view(4, 2, 2);
      expect([nv.stride(), nv.toArray()[1]]).toEqual([[6, 2, 1], [[6, 7], [8, 9]]]);
      expect(ar(24, [2, 3, 4]).flatten(1).shape).toEqual([2, 12]);
      expect(ar(24, [2, 12]).unflatten(1, [3, -1]).shape).toEqual([2, 3, 4]);
      const parts = ar(10, [5, 2]).split(2);
      expect(parts.map((p) => p.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
      expect(parts[2].storageOffset()).toBe(8);
      expect(ar(10, [5, 2]).split([1, 4]).map((p) => p.shape[0])).toEqual([1, 4]);
      expect(ar(10, [2, 5]).chunk(3, 1).map((p) => p.shape[1])).toEqual([2, 2, 1]);
    });

    it('detach shares storage and version, cuts the graph', () => {
      const x = randn([3], { requiresGrad: true });
      const d = x.detach();
      expect(d.storage).toBe(x.storage);
      expect(d.requiresGrad).toBe(false);
      d.add_(1);
      expect(x.version).toBe(1);
    });
  });

  describe('aliasing', () => {
    it('a write through a view is seen by the base, and the reverse', () => {
      const x = zeros([3, 4]);
      x.T.select(0, 1).fill_(7); // column 1
      expect(x.toArray()).toEqual([[0, 7, 0, 0], [0, 7, 0, 0], [0, 7, 0, 0]]);
      const v = x.slice(1, 0, null, 2); // columns 0 and 2
      v.copy_(tensor([1, 2])); // broadcast over rows
      expect(x.toArray()).toEqual([[1, 7, 2, 0], [1, 7, 2, 0], [1, 7, 2, 0]]);
      x.mul_(2);
      expect(v.toArray()).toEqual([[2, 4], [2, 4], [2, 4]]);
      expect(Array.from(v.data)).toEqual([2, 4, 2, 4, 2, 4]);
      // a contiguous view's data is the live storage window
      const row = x.select(0, 1);
      row.data[3] = 5;
      expect(x.toArray()[1]).toEqual([2, 14, 4, 5]);
      expect(row.version).toBe(x.version);
      // initialisers write through a view's layout too (counted as an in-place write)
      const v0 = x.version;
      nn.init.constant_(x.T.select(0, 3), -1);
      expect(x.toArray().map((r) => (r as number[])[3])).toEqual([-1, -1, -1]);
      expect(x.version).toBe(v0 + 1);
    });

    it('in-place ops on transposed views match the out-of-place result', () => {
      const a = randn([5, 3]);
      const b = randn([3, 5]);
      const want = a.T.add(b).mul(b).sub(1).div(b).clamp(-1, 1).toArray();
      const base = tensor(a.data.slice(), a.shape);
      base.T.add_(b).mul_(b).sub_(1).div_(b).clamp_(-1, 1);
      expect(base.T.toArray()).toEqual(want);
    });

    it('refuses to write an expanded tensor and to grow a shape', () => {
      const e = zeros([3, 1]).expand(3, 4);
      expect(() => e.fill_(1)).toThrow(/fill_: unsupported operation: more than one element of the written-to tensor/);
      expect(() => zeros([3]).add_(zeros([2, 3]))).toThrow(/add_: output with shape \[3\] doesn't match the broadcast shape \[2,3\]/);
    });

    it('a non-contiguous view reads the same through data, toArray, item', () => {
      fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 5 }), (a, b, c, perm) => {
          const x = arange(a * b * c).reshape(a, b, c);
          const order = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]][perm];
          const p = x.permute(order);
          const flat = Array.from(p.data);
          for (let i = 0; i < flat.length; i++) {
            const idx: number[] = [];
            let rem = i;
            for (let d = 2; d >= 0; d--) { idx[d] = rem % p.shape[d]; rem = Math.floor(rem / p.shape[d]); }
            const src = [0, 0, 0];
            order.forEach((o, k) => { src[o] = idx[k]; });
            if (flat[i] !== (src[0] * b + src[1]) * c + src[2]) return false;
          }
          return JSON.stringify(p.contiguous().toArray()) === JSON.stringify(p.toArray());
        }), { numRuns: 60 });
    });
  });

  describe('autograd through views (finite differences)', () => {
    // a view chain is a gather: its float64 reference reads x at the indices the chain reads from arange
    const chains: [string, number[], (t: Tensor) => Tensor][] = [
      ['transpose', [3, 4], (t) => t.T],
      ['permute + narrow', [2, 3, 4], (t) => t.permute(2, 0, 1).narrow(0, 1, 2)],
      ['slice with step + select', [5, 4], (t) => t.slice(0, 1, null, 2).select(1, 2)],
      ['expand (sums)', [3, 1], (t) => t.expand(2, 3, 4)],
      ['unsqueeze + squeeze + view', [2, 6], (t) => t.unsqueeze(1).squeeze(1).view(3, 4).T],
      ['reshape of a transpose (copy)', [3, 4], (t) => t.T.reshape(2, 6)],
      ['split / chunk', [6, 2], (t) => t.split(4)[1].mul(t.chunk(3)[2])],
      ['index', [4, 5], (t) => t.index([1, 4], [0, null, 2])],
    ];
    for (const [nm, shape, f] of chains) {
      it(nm, () => {
        const n = shape.reduce((p, q) => p * q, 1);
        const split = nm.startsWith('split');
        const ix = split ? null : Array.from(f(arange(n).reshape(shape)).data);
        gradcheck([{ shape }], ([x]) => f(x).exp(), ([x]) => {
          if (split) { // rows 4..5 times rows 4..5
            return Array.from({ length: 4 }, (_, i) => Math.exp(x[8 + i] * x[8 + i]));
          }
          return ix!.map((i) => Math.exp(x[i]));
        });
      });
    }

    it('matmul with transposed views reads them in place, values and gradients as with copies', () => {
      const a = randn([7, 5], { requiresGrad: true }), b = randn([6, 5], { requiresGrad: true });
      const y = matmul(a, b.T);
      const a2 = tensor(a.data.slice(), a.shape, { requiresGrad: true });
      const bt = tensor(b.T.data, [5, 6], { requiresGrad: true });
      const y2 = matmul(a2, bt);
      // the GEMM sums in another order with a transpose flag: equal to float32 rounding
      const close = (p: Float32Array, q: Float32Array): void => {
        expect(p.length).toBe(q.length);
        for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(q[i])));
      };
      close(y.data, y2.data);
      const g = randn(y.shape);
      y.backward(g); y2.backward(g);
      close(a.grad!.data, a2.grad!.data);
      close(b.grad!.data, bt.grad!.T.data);
      // transposed a too
      const c = randn([5, 7], { requiresGrad: true });
      const z = matmul(c.T, b.T);
      const c2 = tensor(c.T.data, [7, 5], { requiresGrad: true });
      const z2 = matmul(c2, tensor(b.T.data, [5, 6]));
      close(z.data, z2.data);
      gradcheck([{ shape: [4, 3] }, { shape: [5, 4] }], ([p, q]) => p.T.matmul(q.T), ([p, q]) => {
        const out: number[] = [];
        for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
          let s = 0;
          for (let k = 0; k < 4; k++) s += p[k * 3 + i] * q[j * 4 + k];
          out.push(s);
        }
        return out;
      });
    });
  });

  it('linear with a transposed weight view reads it in place (no copy): values, gradients, gradcheck', () => {
    const be = B() as { stridedCopy: (...a: never[]) => void };
    const orig = be.stridedCopy;
    let copies = 0;
    const close = (p: Float32Array, q: Float32Array): void => {
      expect(p.length).toBe(q.length);
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(q[i])));
    };
    for (const act of [Act.identity, Act.relu, Act.geluErf]) { // the fused epilogue, needing pre or not
      const x = randn([9, 5], { requiresGrad: true }), v = randn([5, 6], { requiresGrad: true });
      const bias = randn([6], { requiresGrad: true });
      const f = (w: Tensor, xx: Tensor, bb: Tensor): Tensor => linearOp(xx, w, bb, act);
      copies = 0;
      be.stridedCopy = (...a: never[]) => { copies++; orig.apply(be, a); };
      let y: Tensor;
      try {
        y = f(v.T, x, bias); // v.T: [6, 5], the weight layout, stored transposed
        expect(copies).toBe(0); // forward: the weight is read in place
        y.backward(tensor(Array.from({ length: 54 }, (_, i) => Math.sin(i)), [9, 6]));
      } finally { be.stridedCopy = orig; }
      // backward reads the weight in place too; the one copy is v.T's own view backward
      // scattering the [6, 5] gradient into v's [5, 6] layout (as after matmul(x, v.T))
      expect(copies).toBe(1);
      const x2 = tensor(x.data.slice(), x.shape, { requiresGrad: true });
      const w2 = tensor(v.T.data, [6, 5], { requiresGrad: true }), b2 = tensor(bias.data.slice(), [6], { requiresGrad: true });
      const y2 = f(w2, x2, b2);
      y2.backward(tensor(Array.from({ length: 54 }, (_, i) => Math.sin(i)), [9, 6]));
      close(y.data, y2.data);
      close(x.grad!.data, x2.grad!.data);
      close(v.grad!.data, w2.grad!.T.data);
      close(bias.grad!.data, b2.grad!.data);
    }
    gradcheck([{ shape: [3, 4] }, { shape: [4, 2] }], ([p, q]) => F.linear(p, q.T), ([p, q]) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += p[i * 4 + k] * q[k * 2 + j];
        out.push(s);
      }
      return out;
    });
  });

  describe('in place, with autograd', () => {
    it('an in-place op on a non-leaf differentiates through the op', () => {
      gradcheck([{ shape: [3, 4] }, { shape: [4] }], ([x, w]) => {
        const h = x.mul(1);
        h.mul_(w).add_(w).sub_(0.5).div_(w.add(3)); // (x·w + w - 0.5) / (w + 3)
        return h;
      }, ([x, w]) => Array.from({ length: 12 }, (_, i) => (x[i] * w[i % 4] + w[i % 4] - 0.5) / (w[i % 4] + 3)));
    });

    it('an in-place op through a view rebases the base (as CopySlices)', () => {
      gradcheck([{ shape: [3, 4] }, { shape: [3] }], ([x, w]) => {
        const h = x.mul(2);
        h.T.select(0, 1).mul_(w); // column 1 times w
        h.narrow(1, 2, 2).relu_();
        return h.exp();
      }, ([x, w]) => Array.from({ length: 12 }, (_, i) => {
        const r = Math.floor(i / 4), c = i % 4;
        let v = 2 * x[i];
        if (c === 1) v *= w[r];
        if (c >= 2) v = Math.max(v, 0);
        return Math.exp(v);
      }));
    });

    it('past users of a rebased tensor keep its old history', () => {
      const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
      const h = x.mul(1);
      const y = h.add(1); // add saves nothing: h may change afterwards
      h.mul_(5);
      y.sum().add(h.sum()).backward();
      expect(x.grad!.toArray()).toEqual([6, 6, 6]);
    });

    it('modifying a tensor backward needs is an error at backward naming the op', () => {
      const x = tensor([1, -2, 3], undefined, { requiresGrad: true });
      const y = x.exp();
      y.add_(1);
      expect(() => y.sum().backward()).toThrow(/modified by an inplace operation \(add_\): the output of exp is at version 1; expected version 0/);
      const a = x.mul(1);
      const b = a.mul(a);
      a.zero_();
      expect(() => b.sum().backward()).toThrow(/\(zero_\): the input 0 of mul is at version 1; expected version 0/);
      const r = F.relu(x.mul(1), { inplace: true });
      r.mul_(2);
      expect(() => r.sum().backward()).toThrow(/\(mul_\): the output of relu_ is at version 2/);
      // the base changed after a view was taken: as PyTorch, the view's history is rebuilt through the in-place op
      const base = x.mul(1);
      const v = base.T;
      base.add_(1);
      v.mul(v).sum().backward();
      expect(Array.from(x.grad!.data)).toEqual([2 * 2, 2 * -1, 2 * 4]);
      expect(v.gradFn!.op).toBe('asStrided');
      // ... but not for an output of split / chunk (PyTorch's error)
      const [p0] = x.mul(1).split(2);
      noGrad(() => p0.base!.add_(1));
      expect(() => p0.sum()).toThrow(/split: an output of split is a view and its base or another view of its base has been modified in place/);
    });

    it('leaves that require grad are written only under noGrad', () => {
      const w = tensor([1, 2, 3], undefined, { requiresGrad: true });
      expect(() => w.add_(1)).toThrow(/add_: a leaf tensor that requires grad is being used in an in-place operation/);
      expect(() => w.narrow(0, 0, 2).fill_(0)).toThrow(/fill_: a view of a leaf tensor that requires grad/);
      w.mul(w).sum().backward();
      noGrad(() => w.sub_(w.grad!.mul(0.1)));
      expect(Array.from(w.data)).toEqual([1 - 0.2, 2 - 0.4, 3 - 0.6].map(Math.fround));
      expect(w.isLeaf).toBe(true);
      expect(w.version).toBe(1);
    });

    it('an optimizer step is an in-place update: a graph recorded before it refuses backward', () => {
      const w = randn([3], { requiresGrad: true });
      const opt = new optim.SGD([w], { lr: 0.1 });
      w.mul(w).sum().backward();
      const stale = w.mul(w).sum();
      opt.step();
      expect(w.version).toBe(1);
      expect(() => stale.backward()).toThrow(/\(SGD.step\): the input 0 of mul is at version 1; expected version 0/);
      expect(() => new optim.Adam([randn([2, 3]).T], { lr: 0.1 })).toThrow(/Adam param group: params\[0\] is a non-contiguous view/);
    });

    it('inplace activations overwrite their input and return it', () => {
      const x = tensor([-1, 2, -3, 4]);
      expect(F.relu(x, { inplace: true })).toBe(x);
      expect(x.toArray()).toEqual([0, 2, 0, 4]);
      const m = new nn.ReLU({ inplace: true });
      const y = tensor([-5, 5]);
      expect(m.forward(y)).toBe(y);
      expect(String(m)).toBe('ReLU(inplace=True)');
      expect(() => new nn.ReLU({ inPlace: true } as never)).toThrow(/ReLU: unknown option 'inPlace' \(did you mean 'inplace'\?\)/);
      const z = tensor([-1, 1]);
      F.leakyRelu(z, 0.5, { inplace: true });
      expect(z.toArray()).toEqual([-0.5, 1]);
      gradcheck([{ shape: [6] }], ([t]) => F.elu(t.mul(1), 1, { inplace: true }), ([t]) => Array.from(t, (v) => (v > 0 ? v : Math.exp(v) - 1)));
      gradcheck([{ shape: [6] }], ([t]) => t.mul(1).relu_(), ([t]) => Array.from(t, (v) => Math.max(v, 0)));
    });
  });
});
