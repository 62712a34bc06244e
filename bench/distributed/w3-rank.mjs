// One rank of the scaling benchmark (bench/distributed/run.mjs): W3 (784-512-512-10, ReLU,
// cross-entropy, SGD momentum 0.9) at per-rank batch --batch, timed over --steps steps after --warmup
// warm-up steps (5). Under mpirun it trains through DistributedDataParallel; with --plain it is one
// process without MPI. Rank 0 prints one JSON line: samples/s over all ranks, the median step (ms between the ends of
// consecutive timed steps on rank 0), and per step the
// all-reduce time and the share of it hidden behind backward (medians). With --fit the same
// training goes through fit(model, { x, y }, { distributed: pg }) (1 + ceil(warmup / steps) epochs of `steps`
// steps per rank, all but the last the warm-up (as the hand-written rows' --warmup steps; session 9: epoch 3 still ran
// faster than epoch 2); samples/s from the last epoch's combined statistics); --fit-worker: the same
// with worker: true (each rank's steps in a worker thread, its collectives relayed through the calling thread).
// --loader: the hand-written loop takes its batches from the data fit gets (steps x batch rows per rank, shuffled,
// a DataLoader with a DistributedSampler, as fit builds it) instead of cycling 4 batches: the fit row's data cost without fit.
// --bucket-view: DDP with gradientAsBucketView (no copy back into .grad). With --profile DIR every rank also writes DIR/profile-<pid>.json ({ profile: ... }): per timed step the milliseconds of
// forward (zeroGrad, forward, loss), backward (loss.backward(), the bucket copies and launch inside),
// wait (syncGradients: the all-reduce not hidden, the copy back), step (opt.step) and the whole step,
// and per thread of the process its CPU time, run-queue wait (/proc/self/task/*/schedstat) and
// voluntary/involuntary context switches over the timed steps (bench/distributed/stepgap.mjs).
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join, dirname } from 'node:path';
const { values: a } = parseArgs({ options: { steps: { type: 'string', default: '30' }, batch: { type: 'string', default: '128' }, warmup: { type: 'string', default: '5' }, plain: { type: 'boolean', default: false }, fit: { type: 'boolean', default: false }, profile: { type: 'string' }, 'bucket-view': { type: 'boolean', default: false },
  'no-lend': { type: 'boolean', default: false }, loader: { type: 'boolean', default: false }, root: { type: 'string' },
  'fit-worker': { type: 'boolean', default: false } } });
// --root DIR: the library (DIR/dist, and its MPI addon DIR/build-mpi) of another checkout, the same benchmark code (ddpstep's --base)
const root = a.root ?? join(dirname(new URL(import.meta.url).pathname), '..', '..');
const { nn, optim, F, manualSeed, randn, tensor, distributed, fit, data } = await import(pathToFileURL(join(root, 'dist', 'esm', 'index.js')).href);
const steps = Number(a.steps), B = Number(a.batch), W = Number(a.warmup);
const pg = a.plain ? null : await distributed.init();
manualSeed(1);
const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
const ddp = pg ? await nn.DistributedDataParallel.create(model, pg, a['bucket-view'] ? { gradientAsBucketView: true } : undefined) : null;
// A/B switch for session 8's change (bench only, it reaches into DDP's internals): --no-lend, backward's gradients
// go to fresh arrays and are copied into the buckets (as before) instead of being written there by backward
if (ddp && a['no-lend']) ddp.lend = () => null;
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const med = (v) => { const s = [...v].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
// the median time between the ends of consecutive timed steps (robust to a step stretched by another process)
const stepMs = (ends) => (ends.length > 1 ? med(ends.slice(1).map((t, i) => t - ends[i])) : null);
if (a.fit) {
  const N = pg ? pg.worldSize : 1;
  const n = steps * B * N;
  const x = randn([n, 784]), y = Array.from({ length: n }, (_, j) => j % 10);
  const ar = [], hidden = [], exposed = [], ends = [];
  const E = 1 + Math.max(1, Math.ceil(W / steps));
  const h = await fit(ddp ?? model, { x, y }, {
    epochs: E, batchSize: B, optimizer: opt, loss: F.crossEntropy, seed: 1, worker: a['fit-worker'], ...(pg ? { distributed: pg } : {}),
    // per-step figures on the calling thread only: in a worker an onProgress makes every step wait for its report's turn
    ...(a['fit-worker'] ? {} : { progressIntervalMs: 0, onProgress: (p) => { if (p.epoch === E && !p.epochEnd) ends.push(performance.now()); if (ddp && p.epoch === E && !p.epochEnd) { ar.push(ddp.lastStats.allReduceSeconds * 1e3); hidden.push(ddp.lastStats.hiddenShare); exposed.push(ddp.lastStats.exposedSeconds * 1e3); } } }),
  });
  if (!pg || pg.rank === 0) {
    console.log(JSON.stringify({ ranks: N, batch: B, fit: true, samplesPerSec: h.epochs[E - 1].samplesPerSec, stepMs: stepMs(ends),
      allReduceMs: ar.length ? med(ar) : null, exposedMs: exposed.length ? med(exposed) : null, hiddenShare: hidden.length ? med(hidden) : null ,
    // the shared all-reduce's counters on rank 0 (session 9: blocks it reduced, calling thread / handed off / queued)
    shared: pg ? (await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href)).mpiRaw().info().shared ?? null : null }));
  }
  if (pg) await pg.destroy();
  process.exit(0);
}
const batches = a.loader ? await loaderBatches() : Array.from({ length: 4 }, (_, i) => ({ x: randn([B, 784]), y: tensor(Array.from({ length: B }, (_, j) => (i + j) % 10)) }));
const ar = [], hidden = [], exposed = [], ends = [];
let t0 = 0;
if (a.profile) await profiled();
for (let s = 0; s < steps + W && !a.profile; s++) {
  if (s === W) { if (pg) await pg.barrier(); t0 = performance.now(); }
  const { x, y } = a.loader ? await batches.next() : batches[s % 4];
  opt.zeroGrad();
  const loss = F.crossEntropy((ddp ?? model).forward(x), y);
  if (ddp) {
    await ddp.backward(loss);
    if (s >= W) { ar.push(ddp.lastStats.allReduceSeconds * 1e3); hidden.push(ddp.lastStats.hiddenShare); exposed.push(ddp.lastStats.exposedSeconds * 1e3); }
  } else loss.backward();
  opt.step();
  if (s >= W) ends.push(performance.now());
}
if (pg) await pg.barrier();
const sec = (performance.now() - t0) / 1000;
const N = pg ? pg.worldSize : 1;
if (!pg || pg.rank === 0) {
  console.log(JSON.stringify({ ranks: N, batch: B, samplesPerSec: (N * B * steps) / sec, stepMs: stepMs(ends),
    allReduceMs: ar.length ? med(ar) : null, exposedMs: exposed.length ? med(exposed) : null, hiddenShare: hidden.length ? med(hidden) : null ,
    // the shared all-reduce's counters on rank 0 (session 9: blocks it reduced, calling thread / handed off / queued)
    shared: pg ? (await import(pathToFileURL(join(root, 'dist', 'esm', 'distributed', 'addon.js')).href)).mpiRaw().info().shared ?? null : null }));
}
if (pg) await pg.destroy();

// --profile: the same loop, every phase timed (a separate loop so that the default one stays as it was)
async function profiled() {
  const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
  const threads = () => {
    const out = {};
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const d = `/proc/self/task/${tid}`;
        const [run, wait] = readFileSync(`${d}/schedstat`, 'utf8').split(' ').map(Number);
        const st = readFileSync(`${d}/status`, 'utf8');
        const num = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)[1]);
        out[tid] = { name: readFileSync(`${d}/comm`, 'utf8').trim(), runMs: run / 1e6, queueMs: wait / 1e6, vol: num('voluntary_ctxt_switches'), invol: num('nonvoluntary_ctxt_switches'),
          cpus: /Cpus_allowed_list:\s+(\S+)/.exec(st)[1] };
      } catch { /* the thread ended */ }
    }
    return out;
  };
  const rows = [];
  let before = null, prevEnd = 0;
  for (let s = 0; s < steps + W; s++) {
    if (s === W) { if (pg) await pg.barrier(); before = threads(); t0 = performance.now(); prevEnd = t0; }
    const { x, y } = batches[s % 4];
    const ru0 = process.resourceUsage();
    const ta = performance.now();
    opt.zeroGrad();
    const loss = F.crossEntropy((ddp ?? model).forward(x), y);
    const tb = performance.now();
    loss.backward();
    const tc = performance.now();
    if (ddp) await ddp.syncGradients();
    const td = performance.now();
    opt.step();
    const te = performance.now();
    const ru1 = process.resourceUsage();
    if (s >= W) {
      rows.push({ userMs: (ru1.userCPUTime - ru0.userCPUTime) / 1e3, sysMs: (ru1.systemCPUTime - ru0.systemCPUTime) / 1e3, minflt: ru1.minorPageFault - ru0.minorPageFault,
        gap: ta - prevEnd, forward: tb - ta, backward: tc - tb, wait: td - tc, step: te - td, total: te - prevEnd,
        ...(ddp ? { allReduce: ddp.lastStats.allReduceSeconds * 1e3, exposed: ddp.lastStats.exposedSeconds * 1e3 } : {}) });
      ar.push(ddp ? ddp.lastStats.allReduceSeconds * 1e3 : 0);
    }
    prevEnd = te;
  }
  const t1 = performance.now();
  const after = threads();
  const th = Object.entries(after).map(([tid, q]) => {
    const p = before[tid] ?? { runMs: 0, queueMs: 0, vol: 0, invol: 0 };
    return { tid: Number(tid), name: q.name, cpus: q.cpus, runMs: q.runMs - p.runMs, queueMs: q.queueMs - p.queueMs, vol: q.vol - p.vol, invol: q.invol - p.invol };
  }).filter((t) => t.runMs > 0.05 || t.vol > 0 || t.invol > 0);
  writeFileSync(join(a.profile, `profile-${process.pid}.json`), JSON.stringify({ profile: { rank: pg ? pg.rank : 0, pid: process.pid, wallMs: t1 - t0, steps: rows, threads: th } }));
}

// --loader: batches as fit draws them from { x, y } (the same rows per rank, a DataLoader over a TensorDataset with a
// DistributedSampler, reshuffled every `steps` batches), one at a time
async function loaderBatches() {
  const N = pg ? pg.worldSize : 1;
  const n = steps * B * N;
  const ds = new data.TensorDataset(randn([n, 784]), Int32Array.from({ length: n }, (_, j) => j % 10));
  const sampler = new distributed.DistributedSampler(n, pg ?? { rank: 0, worldSize: 1 }, { seed: 1 });
  const dl = new data.DataLoader(ds, { batchSize: B, sampler });
  let epoch = 0, it = null;
  return { next: async () => {
    for (;;) {
      if (it === null) { dl.setEpoch(epoch++); it = dl[Symbol.iterator](); }
      const r = it.next();
      if (!r.done) { const [x, y] = r.value; return { x, y: y instanceof Int32Array ? tensor(Array.from(y)) : y }; }
      it = null;
    }
  } };
}
