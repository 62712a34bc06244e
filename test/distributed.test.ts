/**
 * Distributed training (issue 14), the part that needs no MPI: the launcher's command lines,
 * the error distributed.init() gives without the MPI addon, and DistributedDataParallel's
 * buckets, handshake and averaging on an in-process world of stand-in process groups. The
 * multi-process tests under mpirun are test/mpi/distributed.mpi.test.ts (npm run test:mpi).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nn, optim, F, manualSeed, randn, Tensor, tensor, distributed, fit, data } from '../lib/index.js';
import type { FitHistory } from '../lib/index.js';
import type { Collectives } from '../lib/distributed/ddp.js';
import { launchCommand, lostRank, parseLaunchArgs } from '../lib/cli/launch.js';
import { parseTrainArgs } from '../lib/cli/args.js';

const root = fileURLToPath(new URL('..', import.meta.url));

// ---------- an in-process world: one stand-in process group per rank, collectives meet in a hub
function fakeWorld(n: number): Collectives[] {
  const pending = new Map<number, { bufs: Float32Array[]; done: (() => void)[]; kind: string }>();
  // the k-th collective of every rank meets the others' k-th; the last to arrive completes it
  const seq = new Array(n).fill(0);
  const meet = (rank: number, kind: string, buf: Float32Array, finish: (bufs: Float32Array[]) => void): Promise<Float32Array[]> => {
    const k = seq[rank]++;
    let e = pending.get(k);
    if (!e) { e = { bufs: [], done: [], kind }; pending.set(k, e); }
    if (e.kind !== kind) throw new Error(`collective #${k}: rank ${rank} calls ${kind}, another ${e.kind}`);
    e.bufs[rank] = buf;
    const entry = e;
    return new Promise((res) => {
      entry.done.push(() => res(entry.bufs));
      if (entry.done.length === n) { finish(entry.bufs); pending.delete(k); entry.done.forEach((f) => f()); }
    });
  };
  return Array.from({ length: n }, (_, rank) => ({
    rank, worldSize: n,
    async allReduce(t: Float32Array) {
      await meet(rank, `allReduce(${t.length})`, t, (bufs) => {
        const s = new Float32Array(t.length);
        for (const b of bufs) for (let i = 0; i < s.length; i++) s[i] += b[i];
        for (const b of bufs) b.set(s);
      });
      return t;
    },
    async broadcast(t: Float32Array, r = 0) {
      await meet(rank, `broadcast(${t.length})`, t, (bufs) => { for (const b of bufs) b.set(bufs[r]); });
      return t;
    },
    async allGather(t: Float32Array) {
      const bufs = await meet(rank, `allGather(${t.length})`, t.slice(), () => {});
      const out = new Float32Array(n * t.length);
      bufs.forEach((b, i) => out.set(b, i * t.length));
      return new Tensor(out, [n, t.length]);
    },
  }));
}

const mlp = (dims: number[]): nn.Sequential => {
  const layers: nn.Module[] = [];
  for (let i = 0; i + 1 < dims.length; i++) { layers.push(new nn.Linear(dims[i], dims[i + 1])); if (i + 2 < dims.length) layers.push(new nn.ReLU()); }
  return new nn.Sequential(...layers);
};

describe('DistributedDataParallel on an in-process world (no MPI needed)', () => {
  it('broadcasts rank 0, averages gradients over ranks = the gradient of the whole batch, any bucket size', async () => {
    for (const cap of [25, 0.001, 1e-6]) {
      manualSeed(5);
      const ref = mlp([6, 16, 16, 3]);
      const x = randn([8, 6]);
      const y = tensor([0, 1, 2, 0, 1, 2, 0, 1]);
      F.crossEntropy(ref.forward(x), y).backward();
      const world = fakeWorld(2);
      const models = world.map((_, r) => { manualSeed(r === 0 ? 5 : 77); return mlp([6, 16, 16, 3]); });
      const ddps = await Promise.all(models.map((m, r) => nn.DistributedDataParallel.create(m, world[r], { bucketCapMB: cap })));
      // each rank: rows r, r+2, ... (DistributedSampler's layout)
      for (let r = 0; r < 2; r++) {
        const idx = [0, 2, 4, 6].map((i) => i + r);
        const xr = new Tensor(Float32Array.from(idx.flatMap((i) => Array.from(x.data.subarray(i * 6, i * 6 + 6)))), [4, 6]);
        const yr = tensor(idx.map((i) => y.data[i]));
        F.crossEntropy(ddps[r].forward(xr), yr).backward();
      }
      await Promise.all(ddps.map((d) => d.syncGradients()));
      const refP = ref.parameters();
      for (const m of models) {
        m.parameters().forEach((p, i) => {
          expect(Array.from(p.data)).toEqual(Array.from(refP[i].data));
          const g = p.grad!.data, gr = refP[i].grad!.data;
          for (let j = 0; j < g.length; j++) expect(Math.abs(g[j] - gr[j])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(gr[j])));
        });
      }
      expect(ddps[0].lastStats.buckets).toBe(cap === 25 ? 1 : cap === 0.001 ? 3 : 6); // 1e-6 MiB: one parameter per bucket
      ddps.forEach((d) => d.detachHooks());
    }
  });

  it('gradientAsBucketView and a native-style allReduceScaled give the same gradients, bit for bit, two steps, setToNone true and false', async () => {
    // a world whose groups scale in the collective (as ProcessGroup does on its communication thread)
    const scaledWorld = (n: number): Collectives[] => fakeWorld(n).map((pg) => ({
      ...pg,
      allReduce: pg.allReduce,
      async allReduceScaled(t: Float32Array, s: number) { for (let i = 0; i < t.length; i++) t[i] = t[i] * s; return pg.allReduce(t); },
    }));
    const run = async (world: Collectives[], view: boolean, setToNone: boolean): Promise<{ grads: number[][]; same: boolean }> => {
      const models = world.map(() => { manualSeed(9); return mlp([5, 12, 3]); });
      const ddps = await Promise.all(models.map((m, r) => nn.DistributedDataParallel.create(m, world[r], { gradientAsBucketView: view, bucketCapMB: 1e-4 })));
      const opts = models.map((m) => new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }));
      let first: (Tensor | null)[] = [];
      let same = true;
      for (let step = 0; step < 2; step++) {
        for (let r = 0; r < world.length; r++) {
          opts[r].zeroGrad({ setToNone });
          manualSeed(100 + 10 * step + r);
          F.crossEntropy(ddps[r].forward(randn([4, 5])), tensor([0, 1, 2, r % 3])).backward();
        }
        await Promise.all(ddps.map((d) => d.syncGradients()));
        const gs = models[0].parameters().map((p) => p.grad);
        if (step === 0) first = gs; else same = gs.every((g, i) => g === first[i]);
        opts.forEach((o) => o.step());
      }
      ddps.forEach((d) => d.detachHooks());
      return { grads: models.flatMap((m) => m.parameters().map((p) => Array.from(p.grad!.data))), same };
    };
    const ref = await run(fakeWorld(2), false, true);
    for (const setToNone of [true, false]) {
      const v = await run(scaledWorld(2), true, setToNone);
      expect(v.grads).toEqual(ref.grads);
      expect(v.same).toBe(true); // .grad is the bucket's view, the same Tensor each step
      expect((await run(fakeWorld(2), true, setToNone)).grads).toEqual(ref.grads);
    }
    expect((await run(scaledWorld(2), false, true)).grads).toEqual(ref.grads);
    expect(() => new nn.DistributedDataParallel(mlp([3, 2]), fakeWorld(1)[0], { gradientAsBucketView: 1 } as never)).toThrow(/gradientAsBucketView must be a boolean/);
  });

  it('buckets in shared memory (sharedBuffer + allReduceSharedScaled, as ProcessGroup on one host): the same gradients bit for bit, each bucket a 16-float-aligned part of one shared array; null keeps them private', async () => {
    const made: Float32Array[] = [];
    const sharedWorld = (n: number, give: boolean): Collectives[] => fakeWorld(n).map((pg) => {
      const scaled = async (t: Float32Array, s: number) => { for (let i = 0; i < t.length; i++) t[i] = t[i] * s; return pg.allReduce(t); };
      return { ...pg, allReduce: pg.allReduce,
        async sharedBuffer(count: number) { if (!give) return null; const b = new Float32Array(count); made.push(b); return b; },
        allReduceSharedScaled: scaled };
    });
    const run = async (world: Collectives[], view: boolean) => {
      const models = world.map(() => { manualSeed(9); return mlp([5, 12, 3]); });
      const ddps = await Promise.all(models.map((m, r) => nn.DistributedDataParallel.create(m, world[r], { gradientAsBucketView: view, bucketCapMB: 1e-4 })));
      const opts = models.map((m) => new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }));
      for (let step = 0; step < 2; step++) {
        for (let r = 0; r < world.length; r++) {
          opts[r].zeroGrad({ setToNone: !view });
          manualSeed(100 + 10 * step + r);
          F.crossEntropy(ddps[r].forward(randn([4, 5])), tensor([0, 1, 2, r % 3])).backward();
        }
        await Promise.all(ddps.map((d) => d.syncGradients()));
        opts.forEach((o) => o.step());
      }
      ddps.forEach((d) => d.detachHooks());
      return { grads: models.flatMap((m) => m.parameters().map((p) => Array.from(p.grad!.data))), params: models.flatMap((m) => m.parameters().map((p) => Array.from(p.data))),
        shared: ddps.map((d) => d.sharedMemory), grad0: models[0].parameters().map((p) => p.grad!.data) };
    };
    const ref = await run(fakeWorld(2), false);
    for (const view of [false, true]) {
      made.length = 0;
      const v = await run(sharedWorld(2, true), view);
      expect(v.grads).toEqual(ref.grads);
      expect(v.params).toEqual(ref.params);
      expect(v.shared).toEqual([true, true]);
      expect(made.length).toBe(2); // one shared array per rank, all buckets in it
      // 4 buckets (one parameter each) of 3, 36, 12, 60 floats, each on whole 16-float lines
      expect(made[0].length).toBe(16 + 48 + 16 + 64);
      // with gradientAsBucketView each .grad is a view of rank 0's shared array
      if (view) expect(v.grad0.every((g) => g.buffer === made[0].buffer)).toBe(true);
    }
    const none = await run(sharedWorld(2, false), true);
    expect(none.grads).toEqual(ref.grads);
    expect(none.shared).toEqual([false, false]);
  });

  it('backward writes a gradient straight into its bucket (gradTarget): the same bits as plain backward, weight tying included; .grad is the parameter\'s own array after sync unless gradientAsBucketView; a second backward leaves the bucket alone', async () => {
    // two ranks with the same data: (g/2 + g/2) = g exactly, so DDP's gradient must equal plain backward's bit for bit
    class Tied extends nn.Module {
      fc = new nn.Linear(6, 6);
      head = new nn.Linear(6, 3);
      forward(x: Tensor): Tensor { return this.head.forward(F.relu(this.fc.forward(F.relu(this.fc.forward(x))))); }
    }
    const made: Float32Array[] = [];
    const sharedWorld = (n: number): Collectives[] => fakeWorld(n).map((pg) => ({ ...pg,
      async sharedBuffer(count: number) { const b = new Float32Array(count); made.push(b); return b; },
      async allReduceSharedScaled(t: Float32Array, s: number) { for (let i = 0; i < t.length; i++) t[i] = t[i] * s; return pg.allReduce(t); } }));
    for (const model of [() => mlp([6, 16, 16, 3]), () => new Tied()]) {
      for (const view of [false, true]) {
        for (const shared of [false, true]) {
          made.length = 0;
          manualSeed(21);
          const ref = model();
          const x = randn([5, 6]);
          const y = tensor([0, 1, 2, 0, 1]);
          F.crossEntropy(ref.forward(x), y).backward();
          const world = shared ? sharedWorld(2) : fakeWorld(2);
          const models = world.map(() => { manualSeed(21); return model(); });
          const ddps = await Promise.all(models.map((m, r) => nn.DistributedDataParallel.create(m, world[r], { gradientAsBucketView: view })));
          for (const d of ddps) F.crossEntropy(d.forward(x), y).backward();
          if (shared) {
            // before sync each gradient lies in its rank's shared bucket: backward wrote it there, no copy
            models.forEach((m, r) => m.parameters().forEach((p) => expect(p.grad!.data.buffer).toBe(made[r].buffer)));
            // a second backward before sync throws and does not write into the bucket being reduced
            const before = made[0].slice();
            expect(() => F.crossEntropy(ddps[0].forward(x), y).backward()).toThrow(/second gradient before syncGradients/);
            expect(made[0]).toEqual(before);
          }
          await Promise.all(ddps.map((d) => d.syncGradients()));
          for (const m of models) {
            m.parameters().forEach((p, i) => {
              expect(Array.from(p.grad!.data)).toEqual(Array.from(ref.parameters()[i].grad!.data));
              if (shared) expect(p.grad!.data.buffer === made[0].buffer || p.grad!.data.buffer === made[1].buffer).toBe(view);
            });
          }
          ddps.forEach((d) => d.detachHooks());
        }
      }
    }
  });

  it('a model that differs on one rank fails at construction, naming the parameter on every rank', async () => {
    const world = fakeWorld(2);
    const results = await Promise.allSettled([
      nn.DistributedDataParallel.create(mlp([4, 8, 2]), world[0]),
      nn.DistributedDataParallel.create(mlp([4, 9, 2]), world[1]),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason.message)).toMatch(/differs across ranks at parameter #0 \(rank 0: '0\.weight' \[8,4\]; rank 1: '0\.weight' \[9,4\]\)/);
    }
  });

  it('forward before ready, a second backward before sync, and bad options are clear errors', async () => {
    const [pg] = fakeWorld(1);
    const d = new nn.DistributedDataParallel(mlp([3, 2]), pg);
    expect(() => d.forward(randn([1, 3]))).toThrow(/not ready/);
    await d.ready;
    const x = randn([2, 3]);
    d.forward(x).sum().backward();
    expect(() => d.forward(x).sum().backward()).toThrow(/second gradient before syncGradients/);
    d.detachHooks();
    expect(() => new nn.DistributedDataParallel(mlp([3, 2]), pg, { bucket_cap_mb: 1 } as never)).toThrow(/unknown option 'bucket_cap_mb' \(did you mean 'bucketCapMB'\?\)/);
    expect(() => new nn.DistributedDataParallel(mlp([3, 2]), pg, { bucketCapMB: 0 })).toThrow(RangeError);
    expect(() => new nn.DistributedDataParallel(mlp([3, 2]), {} as never)).toThrow(/process group/);
  });

  it('noSync: micro-batches accumulate locally with no collective, the next backward all-reduces the sum; = the whole batch\'s gradient; view or not', async () => {
    for (const view of [false, true]) {
      manualSeed(8);
      const ref = mlp([5, 9, 3]);
      const x = randn([12, 5]);
      const y = tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
      // one process: the sum over 3 micro-batches of each rank's mean loss, averaged over the 2 ranks
      const rows = (r: number, k: number): number[] => [0, 1].map((j) => 4 * k + 2 * j + r);
      const part = (idx: number[]): [Tensor, Tensor] => [new Tensor(Float32Array.from(idx.flatMap((i) => Array.from(x.data.subarray(i * 5, i * 5 + 5)))), [idx.length, 5]), tensor(idx.map((i) => y.data[i]))];
      for (let r = 0; r < 2; r++) for (let k = 0; k < 3; k++) { const [xr, yr] = part(rows(r, k)); F.crossEntropy(ref.forward(xr), yr).mul(0.5).backward(); }
      const world = fakeWorld(2);
      const calls = [0, 0];
      world.forEach((g, r) => { const f = g.allReduce.bind(g); g.allReduce = (t, op) => { calls[r]++; return f(t, op); }; });
      const models = world.map(() => { manualSeed(8); return mlp([5, 9, 3]); });
      const ddps = await Promise.all(models.map((m, r) => nn.DistributedDataParallel.create(m, world[r], { gradientAsBucketView: view })));
      for (let r = 0; r < 2; r++) {
        const out = ddps[r].noSync(() => {
          for (let k = 0; k < 2; k++) { const [xr, yr] = part(rows(r, k)); F.crossEntropy(ddps[r].forward(xr), yr).backward(); }
          return 'inside';
        });
        expect(out).toBe('inside');
      }
      expect(calls).toEqual([0, 0]); // nothing sent under noSync
      // an async scope works the same (it ends when the promise settles)
      await Promise.all(ddps.map((d) => d.noSync(async () => { await Promise.resolve(); })));
      for (let r = 0; r < 2; r++) { const [xr, yr] = part(rows(r, 2)); F.crossEntropy(ddps[r].forward(xr), yr).backward(); }
      await Promise.all(ddps.map((d) => d.syncGradients()));
      expect(calls).toEqual([1, 1]); // one bucket, once
      const refP = ref.parameters();
      for (const m of models) {
        m.parameters().forEach((p, i) => {
          const g = p.grad!.data, gr = refP[i].grad!.data;
          let worst = 0;
          for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(g[j] - gr[j]) / (1e-3 + Math.abs(gr[j])));
          expect(worst).toBeLessThan(1e-5);
        });
      }
      // the ranks hold the same averaged gradients, bit for bit
      expect(models[0].parameters().flatMap((p) => Array.from(p.grad!.data))).toEqual(models[1].parameters().flatMap((p) => Array.from(p.grad!.data)));
      ddps.forEach((d) => d.detachHooks());
    }
  });

  it('noSync refuses a pending unsynced backward and a non-function; its scope ends after a throw', async () => {
    const [pg] = fakeWorld(1);
    const d = await nn.DistributedDataParallel.create(mlp([3, 2]), pg);
    const x = randn([2, 3]);
    expect(() => d.noSync(null as never)).toThrow(/fn must be a function/);
    expect(() => d.noSync(() => { throw new Error('boom'); })).toThrow('boom');
    d.forward(x).sum().backward(); // outside any scope: sent to the buckets
    expect(() => d.noSync(() => 1)).toThrow(/not synced yet; call `await ddp.syncGradients\(\)` first/);
    await d.syncGradients();
    for (const p of d.parameters()) p.grad = null;
    d.noSync(() => d.forward(x).sum().backward());
    const local = d.parameters().map((p) => Array.from(p.grad!.data));
    await d.backward(d.forward(x).sum()); // accumulates onto the local gradient and syncs (a world of one: the sum)
    d.parameters().forEach((p, i) => expect(Array.from(p.grad!.data)).toEqual(local[i].map((v) => v + v)));
    d.detachHooks();
  });

  it('a world of one changes nothing: the same training, bit for bit', async () => {
    const run = async (useDdp: boolean): Promise<number[]> => {
      manualSeed(3);
      const m = mlp([5, 12, 1]);
      const [pg] = fakeWorld(1);
      const d = useDdp ? await nn.DistributedDataParallel.create(m, pg) : null;
      const opt = new optim.Adam(m.parameters(), { lr: 1e-2 });
      manualSeed(4);
      for (let s = 0; s < 5; s++) {
        opt.zeroGrad();
        const loss = F.mseLoss((d ?? m).forward(randn([6, 5])), randn([6, 1]));
        if (d) await d.backward(loss); else loss.backward();
        opt.step();
      }
      d?.detachHooks();
      return m.parameters().flatMap((p) => Array.from(p.data));
    };
    expect(await run(true)).toEqual(await run(false));
  });
});

describe('fit(model, data, { distributed }) on an in-process world (no MPI needed)', () => {
  const params = (m: nn.Module): number[] => m.parameters().flatMap((p) => Array.from(p.data));
  const relDiff = (a: number[], b: number[]): number => {
    let d = 0, mx = 0;
    a.forEach((v, i) => { d = Math.max(d, Math.abs(v - b[i])); mx = Math.max(mx, Math.abs(v)); });
    return d / mx;
  };
  /** N ranks of fit on an in-process world; `dataOf(rank)` gives each rank's data argument. */
  // groups like ProcessGroup on one host: they scale in the all-reduce and give shared buffers; `sab` counts the
  // scaled all-reduces of a SharedArrayBuffer (a worker's bucket, reduced in place by the calling thread)
  const sab = { n: 0 };
  const nativeWorld = (n: number): Collectives[] => fakeWorld(n).map((pg) => {
    const scaled = async (t: Float32Array, s: number) => { for (let i = 0; i < t.length; i++) t[i] = t[i] * s; return pg.allReduce(t); };
    return { ...pg,
      async allReduceScaled(t: Float32Array, s: number) { if (t.buffer instanceof SharedArrayBuffer) sab.n++; return scaled(t, s); },
      async sharedBuffer(count: number) { return new Float32Array(count); },
      allReduceSharedScaled: scaled };
  });
  async function ranks(N: number, dataOf: (r: number) => Parameters<typeof fit>[1], o: { batch?: number; adam?: boolean; val?: boolean; seed?: number; worker?: boolean; native?: boolean } = {}) {
    const world = o.native ? nativeWorld(N) : fakeWorld(N);
    const models = world.map((_, r) => { manualSeed(r === 0 ? 11 : 50 + r); return mlp([6, 16, 3]); }); // rank 0's weights win the broadcast
    manualSeed(12);
    const vx = randn([7, 6]);
    const histories = await Promise.all(models.map((m, r) => fit(m, dataOf(r), {
      epochs: 3, batchSize: o.batch, seed: o.seed ?? 5, loss: F.crossEntropy, distributed: world[r], worker: o.worker ?? false,
      optimizer: o.adam ? new optim.Adam(m.parameters(), { lr: 1e-2 }) : new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }),
      ...(o.val ? { validationData: { x: vx, y: [0, 1, 2, 0, 1, 2, 0] } } : {}),
    })));
    return { models, histories };
  }
  async function plain(d: Parameters<typeof fit>[1], o: { batch?: number; adam?: boolean; val?: boolean; seed?: number } = {}) {
    manualSeed(11);
    const m = mlp([6, 16, 3]);
    manualSeed(12);
    const vx = randn([7, 6]);
    const h = await fit(m, d, {
      epochs: 3, batchSize: o.batch, seed: o.seed ?? 5, loss: F.crossEntropy, worker: false,
      optimizer: o.adam ? new optim.Adam(m.parameters(), { lr: 1e-2 }) : new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }),
      ...(o.val ? { validationData: { x: vx, y: [0, 1, 2, 0, 1, 2, 0] } } : {}),
    });
    return { model: m, history: h };
  }
  manualSeed(13);
  const x = randn([32, 6]);
  const y = Array.from({ length: 32 }, (_, i) => (i * 5) % 3);
  const sameHistory = (hs: FitHistory[]): void => {
    for (const h of hs.slice(1)) {
      expect(h.loss).toEqual(hs[0].loss);
      expect(h.accuracy).toEqual(hs[0].accuracy);
      expect(h.valLoss).toEqual(hs[0].valLoss);
      expect(h.epochs.map((e) => e.samples)).toEqual(hs[0].epochs.map((e) => e.samples));
    }
  };

  it('N = 1 through the distributed path is bit-identical to plain fit (weights and history)', async () => {
    for (const adam of [false, true]) {
      const p = await plain({ x, y }, { batch: 8, adam, val: true });
      const d = await ranks(1, () => ({ x, y }), { batch: 8, adam, val: true });
      expect(params(d.models[0])).toEqual(params(p.model));
      expect(d.histories[0].loss).toEqual(p.history.loss);
      expect(d.histories[0].valLoss).toEqual(p.history.valLoss);
      expect(d.histories[0].accuracy).toEqual(p.history.accuracy);
      expect(d.histories[0].mode).toBe('main');
    }
  });

  it.each([2, 4])('N = %i ranks at batchSize B (per rank) = one process at N x B, shuffled; every rank returns the same history', async (N) => {
    for (const adam of [false, true]) {
      const p = await plain({ x, y }, { batch: 16, adam, val: true });
      const d = await ranks(N, () => ({ x, y }), { batch: 16 / N, adam, val: true });
      for (const m of d.models) expect(relDiff(params(p.model), params(m))).toBeLessThanOrEqual(1e-5);
      sameHistory(d.histories);
      d.histories[0].loss.forEach((l, i) => expect(Math.abs(l - p.history.loss[i]) / l).toBeLessThanOrEqual(1e-5));
      d.histories[0].valLoss!.forEach((l, i) => expect(Math.abs(l - p.history.valLoss![i]) / l).toBeLessThanOrEqual(1e-5));
      expect(d.histories[0].accuracy).toEqual(p.history.accuracy);
      expect(d.histories[0].epochs[0].samples).toBe(32);
    }
  });

  it('a dataset and a shuffling DataLoader are shared out the same way; a DDP model is taken as it is', async () => {
    const p = await plain({ x, y }, { batch: 8 });
    const ds = new data.TensorDataset(x, Int32Array.from(y));
    const a = await ranks(2, () => ds, { batch: 4 });
    const b = await ranks(2, () => new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 }));
    for (const d of [a, b]) for (const m of d.models) expect(relDiff(params(p.model), params(m))).toBeLessThanOrEqual(1e-5);
    expect(params(b.models[0])).toEqual(params(a.models[0]));
    // a DistributedSampler of the user's: used as given
    const world = fakeWorld(2);
    const ms = world.map(() => { manualSeed(11); return mlp([6, 16, 3]); });
    const ddps = await Promise.all(ms.map((m, r) => nn.DistributedDataParallel.create(m, world[r])));
    await Promise.all(ms.map((m, r) => fit(ddps[r], new data.DataLoader(ds, { batchSize: 4, sampler: new distributed.DistributedSampler(32, world[r], { seed: 5 }) }), {
      epochs: 3, loss: F.crossEntropy, distributed: world[r], optimizer: new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }), worker: false })));
    ddps.forEach((d) => d.detachHooks());
    expect(params(ms[1])).toEqual(params(b.models[1]));
  });

  it('worker: true trains each rank in a worker thread (collectives relayed through the calling thread): the same weights and history as on the calling thread, bit for bit', async () => {
    for (const [N, adam] of [[2, false], [2, true], [4, false]] as const) {
      const main = await ranks(N, () => ({ x, y }), { batch: 16 / N, adam, val: true });
      const work = await ranks(N, () => ({ x, y }), { batch: 16 / N, adam, val: true, worker: true });
      expect(work.histories.map((h) => h.mode)).toEqual(new Array(N).fill('worker'));
      work.models.forEach((m, r) => expect(params(m), `N=${N} rank ${r}`).toEqual(params(main.models[r])));
      sameHistory([main.histories[0], ...work.histories]);
    }
  });

  it('worker: true with a group that scales natively (ProcessGroup): the worker\'s buckets live in a SharedArrayBuffer the calling thread all-reduces in place (no copy between the threads); the same weights and history as on the calling thread (there: shared buckets), bit for bit', async () => {
    for (const [N, adam] of [[2, false], [2, true], [4, false]] as const) {
      const main = await ranks(N, () => ({ x, y }), { batch: 16 / N, adam, val: true, native: true });
      sab.n = 0;
      const work = await ranks(N, () => ({ x, y }), { batch: 16 / N, adam, val: true, native: true, worker: true });
      expect(sab.n, 'buckets reduced in the worker\'s SharedArrayBuffer').toBeGreaterThanOrEqual(N * 3 * 2); // every rank, 3 epochs of 2 steps, each bucket
      work.models.forEach((m, r) => expect(params(m), `N=${N} rank ${r}`).toEqual(params(main.models[r])));
      sameHistory([main.histories[0], ...work.histories]);
    }
  });

  it('worker: true: a collective that fails on the calling thread fails fit with its message', async () => {
    const [g] = fakeWorld(1);
    let calls = 0;
    const f = g.allReduce.bind(g);
    g.allReduce = (t, op) => (++calls === 3 ? Promise.reject(new Error('allReduce: rank 1 (pid 4242) was lost')) : f(t, op));
    const m = mlp([6, 3]);
    await expect(fit(m, { x, y }, { epochs: 2, batchSize: 4, loss: F.crossEntropy, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), distributed: g, worker: true }))
      .rejects.toThrow(/rank 1 \(pid 4242\) was lost/);
    expect(calls).toBe(3);
  });

  it('clear errors: a DDP model without the option, a foreign sampler, a sampler for another rank, uneven batches', async () => {
    const [pg] = fakeWorld(1);
    const m = mlp([6, 3]);
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    const base = { epochs: 1, loss: F.crossEntropy, optimizer: opt } as const;
    await expect(fit(m, { x, y }, { ...base, loss: (o: Tensor, t: Tensor) => F.crossEntropy(o, t), batchSize: 4, distributed: pg, worker: true })).rejects.toThrow(/cannot train in a worker thread: the loss is a custom function/);
    await expect(fit(m, { x, y }, { ...base, batchSize: 4, distributed: {} as never })).rejects.toThrow(/distributed must be a process group/);
    const ddp = await nn.DistributedDataParallel.create(m, pg);
    await expect(fit(ddp, { x, y }, { ...base, batchSize: 4 })).rejects.toThrow(/is a DistributedDataParallel: pass its process group/);
    ddp.detachHooks();
    const ds = new data.TensorDataset(x, Int32Array.from(y));
    await expect(fit(m, new data.DataLoader(ds, { sampler: { length: 32, indices: () => Int32Array.from({ length: 32 }, (_, i) => i) } }), { ...base, distributed: pg, worker: false }))
      .rejects.toThrow(/a sampler of its own: under distributed, give it a distributed.DistributedSampler/);
    await expect(fit(m, new data.DataLoader(ds, { sampler: new distributed.DistributedSampler(32, null, { numReplicas: 2, rank: 1 }) }), { ...base, distributed: pg, worker: false }))
      .rejects.toThrow(/DistributedSampler is for rank 1 of 2; this is rank 0 of 1/);
    // each rank's own batches, one rank with fewer: every rank fails at the same step, nobody hangs
    const world = fakeWorld(2);
    const batches = (k: number) => Array.from({ length: k }, () => ({ x: randn([4, 6]), y: [0, 1, 2, 0] }));
    const res = await Promise.allSettled(world.map((g, r) => {
      const mm = mlp([6, 3]);
      return fit(mm, batches(r === 0 ? 3 : 2), { epochs: 1, loss: F.crossEntropy, optimizer: new optim.SGD(mm.parameters(), { lr: 0.1 }), distributed: g, worker: false });
    }));
    for (const r of res) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason.message)).toMatch(/different numbers of batches in epoch 1: at step 3, 1 of 2 ranks had none/);
    }
  });

  it('checkpoint: rank 0 alone writes it; every rank resumes from it to the uninterrupted run\'s weights, bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'neurite-ddp-ck-'));
    const run = async (epochs: number, o: { checkpoint?: (r: number) => string; resumeFrom?: string }) => {
      const world = fakeWorld(2);
      const models = world.map(() => { manualSeed(11); return mlp([6, 16, 3]); });
      await Promise.all(models.map((m, r) => fit(m, { x, y }, {
        epochs, batchSize: 4, seed: 5, loss: F.crossEntropy, distributed: world[r], worker: false,
        optimizer: new optim.Adam(m.parameters(), { lr: 1e-2 }),
        ...(o.checkpoint ? { checkpoint: o.checkpoint(r) } : {}), ...(o.resumeFrom ? { resumeFrom: o.resumeFrom } : {}),
      })));
      return models.map(params);
    };
    const full = await run(4, {});
    await run(2, { checkpoint: (r) => join(dir, `ck${r}.safetensors`) });
    expect(existsSync(join(dir, 'ck0.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'ck1.safetensors'))).toBe(false);
    const resumed = await run(4, { resumeFrom: join(dir, 'ck0.safetensors') });
    expect(resumed[0]).toEqual(full[0]);
    expect(resumed[1]).toEqual(full[0]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** The collectives of a fake world's rank 0, by kind (allReduce buckets, allGathers...). */
  const counted = (world: Collectives[]): Record<string, number> => {
    const n: Record<string, number> = {};
    const g = world[0] as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const k of ['allReduce', 'allGather', 'broadcast']) {
      const f = g[k];
      g[k] = (...a: unknown[]) => { n[k] = (n[k] ?? 0) + 1; return f(...a); };
    }
    return n;
  };

  it('collectives: one all-gather per step (the agreement) and one per epoch (the statistics) besides DDP\'s all-reduce, whoever made the wrapper', async () => {
    for (const own of [true, false]) {
      const world = fakeWorld(2);
      const n = counted(world);
      await Promise.all(world.map(async (g) => {
        manualSeed(11);
        const m = mlp([6, 16, 3]);
        const model = own ? m : await nn.DistributedDataParallel.create(m, g);
        await fit(model, { x, y }, { epochs: 3, batchSize: 4, seed: 5, loss: F.crossEntropy, distributed: g, worker: false, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }) });
        if (model instanceof nn.DistributedDataParallel) model.detachHooks();
      }));
      // 32 samples over 2 ranks at 4 per rank: 4 steps per epoch; one bucket; the handshake: 2 all-gathers, 1 broadcast
      expect(n.allReduce).toBe(3 * 4);
      expect(n.broadcast).toBe(1);
      // per epoch: 4 + 1 agreements (the last one: no rank has a batch), 1 for the statistics
      expect(n.allGather).toBe(2 + 3 * (4 + 1 + 1));
    }
  });

  it('a stop asked for during step k on one rank (abort, onProgress throwing) stops every rank after step k, with the same errors, whoever made the wrapper', async () => {
    for (const own of [true, false]) {
      for (const how of ['abort', 'throw'] as const) {
        const world = fakeWorld(2);
        const ac = new AbortController();
        const boom = new Error('boom');
        const res = await Promise.allSettled(world.map(async (g, r) => {
          const mm = mlp([6, 3]);
          const model = own ? mm : await nn.DistributedDataParallel.create(mm, g);
          try {
            return await fit(model, { x, y }, { epochs: 5, batchSize: 2, loss: F.crossEntropy, optimizer: new optim.SGD(mm.parameters(), { lr: 0.1 }), distributed: g, worker: false,
              progressIntervalMs: 0, ...(r === 1 ? { signal: ac.signal } : {}),
              onProgress: (p) => { if (r === 1 && p.globalStep === 10) { if (how === 'abort') ac.abort(); else throw boom; } } });
          } finally {
            if (model instanceof nn.DistributedDataParallel) model.detachHooks();
          }
        }));
        const errs = res.map((q) => (q as PromiseRejectedResult).reason as { name: string; steps: number; cause: unknown });
        expect(res.map((q) => q.status)).toEqual(['rejected', 'rejected']);
        expect(errs[0].name).toBe('AbortError');
        expect(errs[0].steps).toBe(10);
        expect(String(errs[0].cause)).toMatch(/rank 1 stopped/);
        if (how === 'abort') expect(errs[1].steps).toBe(errs[0].steps);
        else expect(errs[1]).toBe(boom);
      }
    }
  });

  it.each([false, true])('an abort on one rank stops every rank at the same step with an AbortError (worker: %s)', async (worker) => {
    const world = fakeWorld(2);
    const ac = new AbortController();
    const res = await Promise.allSettled(world.map((g, r) => {
      const mm = mlp([6, 3]);
      return fit(mm, { x, y }, { epochs: 5, batchSize: 2, loss: F.crossEntropy, optimizer: new optim.SGD(mm.parameters(), { lr: 0.1 }), distributed: g, worker,
        progressIntervalMs: 0, onProgress: (p) => { if (r === 1 && p.globalStep === 10) ac.abort(); }, ...(r === 1 ? { signal: ac.signal } : {}) });
    }));
    const errs = res.map((r) => (r as PromiseRejectedResult).reason as { name: string; steps: number; cause: unknown; history: FitHistory });
    expect(errs.map((e) => e.name)).toEqual(['AbortError', 'AbortError']);
    expect(errs[0].steps).toBe(errs[1].steps);
    expect(errs[0].steps).toBeGreaterThanOrEqual(10);
    expect(errs[0].steps).toBeLessThan(40); // 5 epochs of 8 steps per rank: stopped before the end
    expect(String(errs[0].cause)).toMatch(/rank 1 stopped/);
  });
});

describe('neurite launch (command lines, no MPI needed)', () => {
  it('Open MPI: oversubscribe past the cores, root variables, hosts', () => {
    const c = parseLaunchArgs(['-n', '4', 'train.mjs', '--epochs', '2']);
    if (c === 'help') throw new Error('help');
    const l = launchCommand(c, 'openmpi', { cores: 2, root: true, node: '/usr/bin/node' });
    expect(l.args).toEqual(['-np', '4', '-x', 'NEURITE_LAUNCH_DIR', '-x', 'NEURITE_NUM_THREADS', '--oversubscribe', '/usr/bin/node', 'train.mjs', '--epochs', '2']);
    expect(l.env).toEqual({ NEURITE_NUM_THREADS: '1', OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none' });
    const two = launchCommand({ ...c, np: 2 }, 'openmpi', { cores: 2, root: false, node: 'node' });
    expect(two.args).not.toContain('--oversubscribe');
    expect(two.env).toEqual({ NEURITE_NUM_THREADS: '1', OMPI_MCA_btl_vader_single_copy_mechanism: 'none' });
    const h = launchCommand({ ...c, np: 8, hosts: 'a:4,b:4' }, 'openmpi', { cores: 2, root: false, node: 'node' });
    expect(h.args.slice(0, 7)).toEqual(['-np', '8', '--host', 'a:4,b:4', '--mca', 'btl_tcp_links', '2']);
    // the user's own OMPI_MCA_btl_tcp_links wins (mpirun reads it from the environment)
    expect(launchCommand({ ...c, np: 8, hosts: 'a:4,b:4' }, 'openmpi', { cores: 2, root: false, node: 'node', tcpLinksSet: true }).args).not.toContain('btl_tcp_links');
    expect(h.args).not.toContain('--oversubscribe');
    expect(h.env.NEURITE_NUM_THREADS).toBe('1');
    expect(launchCommand({ ...c, hosts: 'a:2,b:2' }, 'mpich', { cores: 2, root: true, node: 'node' }).args.slice(0, 4)).toEqual(['-n', '4', '-hosts', 'a:2,b:2']);
  });
  it('compute threads per rank: the cores shared out over the ranks of this host, unless NEURITE_NUM_THREADS is set', () => {
    const c = parseLaunchArgs(['-n', '2', 'train.mjs']);
    if (c === 'help') throw new Error('help');
    expect(launchCommand(c, 'openmpi', { cores: 8, root: false, node: 'node' }).env.NEURITE_NUM_THREADS).toBe('4');
    expect(launchCommand({ ...c, np: 3 }, 'mpich', { cores: 8, root: false, node: 'node' }).env.NEURITE_NUM_THREADS).toBe('2');
    expect(launchCommand({ ...c, np: 16 }, 'openmpi', { cores: 8, root: false, node: 'node' }).env.NEURITE_NUM_THREADS).toBe('1');
    expect(launchCommand(c, 'openmpi', { cores: 8, root: false, node: 'node', numThreads: '3' }).env.NEURITE_NUM_THREADS).toBe('3');
  });
  it('`neurite launch -n N train ...` runs `neurite train --distributed ...` on every rank', () => {
    const c = parseLaunchArgs(['-n', '2', 'train', '--epochs', '2']);
    if (c === 'help') throw new Error('help');
    const env = { cores: 2, root: false, node: '/usr/bin/node', neurite: '/x/bin/neurite.mjs' };
    expect(launchCommand(c, 'openmpi', env).args.slice(-5)).toEqual(['/x/bin/neurite.mjs', 'train', '--distributed', '--epochs', '2']);
    expect(launchCommand({ ...c, args: ['--distributed'] }, 'mpich', env).args.slice(-3)).toEqual(['/x/bin/neurite.mjs', 'train', '--distributed']);
    const t = parseTrainArgs(['--distributed', '--epochs', '2']);
    expect(t !== 'help' && t.distributed).toBe(true);
    const u = parseTrainArgs([]);
    expect(u !== 'help' && u.distributed).toBe(false);
  });
  it('flags: -n is required and positive; help', () => {
    expect(() => parseLaunchArgs(['train.mjs'])).toThrow(/-n must be a positive integer/);
    expect(() => parseLaunchArgs(['-n', '0', 'train.mjs'])).toThrow(/-n must be/);
    expect(() => parseLaunchArgs(['-n', '2'])).toThrow(/no script/);
    expect(parseLaunchArgs(['--help'])).toBe('help');
  });
  it('names the lost rank from either launcher\'s report', () => {
    expect(lostRank('mpirun noticed that process rank 2 with PID 0 on node vm exited on signal 9 (Killed).')).toEqual({ rank: 2, how: 'signal 9' });
    expect(lostRank('  Process name: [[696,1],1]\n  Exit code:    3\n')).toEqual({ rank: 1, how: 'exit code 3' });
    expect(lostRank('=   PID 9576 RUNNING AT vm\n=   EXIT CODE: 9\n', new Map([[9576, 1]]))).toEqual({ rank: 1, how: 'exit code 9' });
    expect(lostRank('nothing here')).toBeNull();
  });
});

describe('distributed.init without the MPI addon', () => {
  it('rejects with an error that says how to install MPI', () => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e',
      `import('${join(root, 'dist', 'esm', 'index.js')}').then(({ distributed }) => distributed.init()).then(() => console.log('no error'), (e) => console.log(e.message))`],
    { encoding: 'utf8', env: { ...process.env, NEURITE_MPI_ADDON: join(tmpdir(), 'no-such-neurite-mpi.node') } });
    expect(r.stdout).toMatch(/MPI addon is not built.*apt-get install libopenmpi-dev openmpi-bin/);
  });
  it('isAvailable() is a boolean and importing neurite loads no MPI', () => {
    expect(typeof distributed.isAvailable).toBe('function');
    expect(distributed.group()).toBeNull();
  });
});


describe('DistributedSampler (PyTorch\'s layout)', () => {
  const { DistributedSampler } = distributed;
  it('rank r takes every N-th index of the epoch\'s permutation; all ranks together: every sample once', () => {
    for (const [n, N] of [[10, 2], [10, 3], [7, 4], [1, 2], [12, 4]]) {
      const ranks = Array.from({ length: N }, (_, r) => new DistributedSampler(n, null, { numReplicas: N, rank: r, seed: 5 }));
      ranks.forEach((s) => s.setEpoch(3));
      const one = new DistributedSampler(n, null, { numReplicas: 1, rank: 0, seed: 5 });
      one.setEpoch(3);
      const perm = one.indices();
      const padded = [...perm]; for (let i = 0; padded.length < Math.ceil(n / N) * N; i++) padded.push(perm[i % perm.length]);
      ranks.forEach((s, r) => expect(s.indices()).toEqual(padded.filter((_, i) => i % N === r)));
      expect(new Set(ranks.flatMap((s) => s.indices()))).toEqual(new Set(perm));
      ranks.forEach((s) => expect(s.length).toBe(Math.ceil(n / N)));
    }
  });
  it('no shuffle: 0..n-1 strided, as torch (n=10, N=3, rank 1 -> 1,4,7,0); dropLast cuts the tail', () => {
    expect(new DistributedSampler(10, null, { numReplicas: 3, rank: 1, shuffle: false }).indices()).toEqual([1, 4, 7, 0]);
    expect(new DistributedSampler(10, null, { numReplicas: 3, rank: 1, shuffle: false, dropLast: true }).indices()).toEqual([1, 4, 7]);
    expect(new DistributedSampler(10, { rank: 2, worldSize: 3 }, { shuffle: false, dropLast: true }).indices()).toEqual([2, 5, 8]);
  });
  it('setEpoch changes the permutation, the same epoch gives the same one, the global generator is untouched', () => {
    const s = new DistributedSampler(50, null, { numReplicas: 2, rank: 0 });
    manualSeed(9); const before = randn([3]).data;
    const e0 = s.indices(); s.setEpoch(1); const e1 = s.indices(); s.setEpoch(0);
    expect(s.indices()).toEqual(e0);
    expect(e1).not.toEqual(e0);
    manualSeed(9); s.indices(); expect(randn([3]).data).toEqual(before);
  });
  it('bad arguments are clear errors', () => {
    expect(() => new DistributedSampler(10, null, { numReplicas: 2, rank: 2 })).toThrow(/invalid rank 2/);
    expect(() => new DistributedSampler(10, null)).toThrow(/process group or both/);
    expect(() => new DistributedSampler(10, null, { num_replicas: 2 } as never)).toThrow(/did you mean 'numReplicas'/);
    expect(() => new DistributedSampler(10, { rank: 0, worldSize: 1 }).setEpoch(-1)).toThrow(RangeError);
  });
});
