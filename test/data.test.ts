// data: TensorDataset, randomSplit, samplers and DataLoader (orders from seed and epoch,
// batches, options), and the streaming datasets (CSV through io/csv's parser, JSON lines),
// rebatched and shuffled through a bounded buffer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, data, distributed, io, manualSeed, tensor } from '../lib/index.js';

const { TensorDataset, DataLoader, randomSplit, RandomSampler, CsvDataset, JsonlDataset } = data;

let dir = '';
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-data-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x row i = [i, 10 i], y = i % 3. */
function rows(n: number): { x: Tensor; y: Int32Array } {
  return { x: tensor(Array.from({ length: n }, (_, i) => [i, 10 * i])), y: Int32Array.from({ length: n }, (_, i) => i % 3) };
}
const firstCol = (b: data.Batch): number[] => { const x = b[0] as Tensor; return Array.from({ length: x.shape[0] }, (_, i) => x.data[i * x.shape[1]]); };
const order = (batches: data.Batch[]): number[] => batches.flatMap(firstCol);
async function collect(it: AsyncIterable<data.Batch>): Promise<data.Batch[]> {
  const out: data.Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('TensorDataset and randomSplit', () => {
  it('indexes rows of every tensor; gathers batches into fresh storage', () => {
    const { x, y } = rows(5);
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(5);
    const [xi, yi] = ds.get(3);
    expect((xi as Tensor).toArray()).toEqual([3, 30]);
    expect(yi).toBe(0);
    expect(ds.get(-1)[1]).toBe(1);
    const [xb, yb] = ds.getBatch(Int32Array.from([4, 0]));
    expect((xb as Tensor).toArray()).toEqual([[4, 40], [0, 0]]);
    expect(Array.from(yb as Int32Array)).toEqual([1, 0]);
    expect((xb as Tensor).data.buffer).not.toBe(x.data.buffer);
    expect(() => ds.get(5)).toThrow(/TensorDataset.get: index 5 is out of range for 5 samples/);
    expect(() => new TensorDataset(x, Int32Array.from([1, 2]))).toThrow(/TensorDataset: size mismatch between tensors: tensor 0 has 5 rows, tensor 1 \[2\] has 2/);
    expect(() => new TensorDataset(x, [0, -1, 0, 0, 0])).toThrow(/not a class index/);
  });

  it('splits by fractions (PyTorch remainder rule) or counts, disjoint and complete, reproducible from the seed', () => {
    const ds = new TensorDataset(rows(10).x);
    const [a, b, c] = randomSplit(ds, [0.5, 0.3, 0.2], { seed: 1 });
    expect([a.length, b.length, c.length]).toEqual([5, 3, 2]);
    expect(randomSplit(new TensorDataset(rows(11).x), [0.5, 0.5], { seed: 1 }).map((s) => s.length)).toEqual([6, 5]);
    const all = [...a.indices, ...b.indices, ...c.indices].sort((p, q) => p - q);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(randomSplit(ds, [7, 3], { seed: 1 })[1].indices)).toEqual(Array.from(randomSplit(ds, [7, 3], { seed: 1 })[1].indices));
    expect(Array.from(randomSplit(ds, [7, 3], { seed: 1 })[0].indices)).not.toEqual(Array.from(randomSplit(ds, [7, 3], { seed: 2 })[0].indices));
    manualSeed(3); const u = randomSplit(ds, [5, 5])[0].indices;
    manualSeed(3); expect(randomSplit(ds, [5, 5])[0].indices).toEqual(u);
    expect((a.get(0)[0] as Tensor).toArray()).toEqual((ds.get(a.indices[0])[0] as Tensor).toArray());
    expect(() => randomSplit(ds, [6, 3])).toThrow(/randomSplit: lengths \[6,3\] must be counts summing to the dataset's 10 samples/);
    expect(() => randomSplit(ds, [0.5, 0.5], { generator: 1 } as never)).toThrow(/randomSplit: option 'generator' is not supported yet/);
  });
});

describe('DataLoader over a map-style dataset', () => {
  const ds = new TensorDataset(rows(10).x, rows(10).y);

  it('batches in order, with a smaller last batch or none (dropLast); length as len(loader)', () => {
    const l = new DataLoader(ds, { batchSize: 4 });
    const bs = [...l];
    expect(bs.map((b) => (b[0] as Tensor).shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(order(bs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(bs[0][1] as Int32Array)).toEqual([0, 1, 2, 0]);
    expect(l.length).toBe(3);
    const d = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect([...d].length).toBe(2);
    expect(d.length).toBe(2);
  });

  it('shuffles reproducibly from the seed: a new order each pass, setEpoch(e) replays epoch e', async () => {
    const l = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5 });
    const e0 = order([...l]);
    const e1 = order([...l]);
    expect([...e0].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e0);
    const again = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5 });
    expect(order([...again])).toEqual(e0);
    again.setEpoch(1);
    expect(order(await collect(again))).toEqual(e1); // async iteration gives the same batches
    expect(order([...new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 6 })])).not.toEqual(e0);
  });

  it('takes a sampler of your own (the interface a distributed sampler implements)', () => {
    const everyOther = { length: 5, indices: () => Int32Array.from([0, 2, 4, 6, 8]) };
    expect(order([...new DataLoader(ds, { batchSize: 2, sampler: everyOther })])).toEqual([0, 2, 4, 6, 8]);
    const rs = new RandomSampler(ds, { seed: 2 });
    const a = Array.from(rs.indices());
    rs.setEpoch(0);
    expect(Array.from(rs.indices())).toEqual(a);
    expect(() => new DataLoader(ds, { sampler: rs, shuffle: true })).toThrow(/sampler and shuffle are mutually exclusive/);
    const dist = new distributed.DistributedSampler(10, null, { numReplicas: 3, rank: 1, seed: 4 });
    const dl = new DataLoader(ds, { batchSize: 2, sampler: dist });
    dl.setEpoch(2);
    dist.setEpoch(2);
    expect(order([...dl])).toEqual(Array.from(dist.indices()));
  });

  it('stacks get(i) samples of a dataset of your own (tensors, and numbers as class indices)', () => {
    const mine = { length: 3, get: (i: number) => [tensor([i, 2 * i]), i] };
    const [b] = [...new DataLoader(mine, { batchSize: 3 })];
    expect((b[0] as Tensor).toArray()).toEqual([[0, 0], [1, 2], [2, 4]]);
    expect(b[1]).toEqual(Int32Array.from([0, 1, 2]));
  });

  it('checks its options strictly', () => {
    expect(() => new DataLoader(ds, { batch_size: 4 } as never)).toThrow(/DataLoader: unknown option 'batch_size' \(did you mean 'batchSize'\?\)/);
    expect(() => new DataLoader(ds, { numWorkers: 2 } as never)).toThrow(/DataLoader: option 'numWorkers' is not supported yet/);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new DataLoader(ds, { shuffleBuffer: 10 })).toThrow(/shuffleBuffer is for streams/);
    expect(() => new DataLoader(42 as never)).toThrow(/DataLoader: dataset must be/);
  });
});

describe('streaming datasets', () => {
  const N = 103;
  let csv = '';
  let gz = '';
  let jsonl = '';
  beforeAll(() => {
    const lines = ['a,b,label', ...Array.from({ length: N }, (_, i) => `${i},${10 * i},${i % 3}`)];
    csv = join(dir, 'rows.csv');
    writeFileSync(csv, lines.join('\r\n') + '\r\n');
    gz = join(dir, 'rows.csv.gz');
    writeFileSync(gz, gzipSync(lines.join('\n')));
    jsonl = join(dir, 'rows.jsonl');
    writeFileSync(jsonl, Array.from({ length: N }, (_, i) => JSON.stringify({ x: [i, 10 * i], y: i % 3 })).join('\n'));
  });

  it('CsvDataset reads the rows io.loadCsv reads, in blocks, plain or gzip', async () => {
    const ref = await io.loadCsv(csv);
    for (const f of [csv, gz]) {
      const ds = new CsvDataset(f, { blockRows: 10 });
      const blocks = await collect(ds);
      expect(blocks.length).toBe(11);
      expect(blocks.flatMap((b) => Array.from((b[0] as Tensor).data))).toEqual(Array.from(ref.x.data));
      expect(blocks.flatMap((b) => Array.from((b[1] as Tensor).data))).toEqual(Array.from(ref.y as Int32Array));
      expect(ds.header).toEqual(['a', 'b', 'label']);
    }
  });

  it('CsvDataset reports bad cells with file, line and column, as loadCsv', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, '1,2,0\n3,4,1\n5,n/a,1\n');
    await expect(collect(new CsvDataset(bad))).rejects.toThrow(/loadCsv: .*bad.csv:3: column 2 is not a number: 'n\/a'/);
    await expect(collect(new CsvDataset(join(dir, 'none.csv')))).rejects.toThrow(/CsvDataset: .*none.csv: no such file/);
    expect(() => new CsvDataset(bad, { labelColum: 'last' } as never)).toThrow(/CsvDataset: unknown option 'labelColum' \(did you mean 'labelColumn'\?\)/);
  });

  it('JsonlDataset reads {x, y} lines and names the bad line', async () => {
    const blocks = await collect(new JsonlDataset(jsonl, { blockRows: 50 }));
    expect(blocks.map((b) => (b[0] as Tensor).shape)).toEqual([[50, 2], [50, 2], [3, 2]]);
    expect(order(blocks)).toEqual(Array.from({ length: N }, (_, i) => i));
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"x":[1,2],"y":0}\n{"x":[1],"y":0}\n');
    await expect(collect(new JsonlDataset(bad))).rejects.toThrow(/JsonlDataset: .*bad.jsonl:2: 'x' has shape \[1\], the first line's has \[2\]/);
  });

  it('a DataLoader rebatches a stream; without shuffle the file order, dropLast as for datasets', async () => {
    const l = new DataLoader(new CsvDataset(csv, { blockRows: 7 }), { batchSize: 16 });
    expect(l.length).toBeNull();
    const bs = await collect(l);
    expect(bs.map((b) => rowsOfBatch(b))).toEqual([16, 16, 16, 16, 16, 16, 7]);
    expect(order(bs)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(() => [...l]).toThrow(/a stream is read asynchronously: use for await/);
    const d = await collect(new DataLoader(new CsvDataset(csv, { blockRows: 7 }), { batchSize: 16, dropLast: true }));
    expect(d.length).toBe(6);
  });

  it('shuffles a stream through a bounded buffer: every row once, reproducible, new order each epoch; buffer 1 keeps the order', async () => {
    const mk = (seed: number, buf = 20): data.DataLoader => new DataLoader(new JsonlDataset(jsonl, { blockRows: 9 }), { batchSize: 8, shuffle: true, seed, shuffleBuffer: buf });
    const l = mk(1);
    const e0 = order(await collect(l));
    const e1 = order(await collect(l));
    expect([...e0].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(e0).not.toEqual(Array.from({ length: N }, (_, i) => i));
    expect(e1).not.toEqual(e0);
    expect(order(await collect(mk(1)))).toEqual(e0);
    const l2 = mk(1);
    l2.setEpoch(1);
    expect(order(await collect(l2))).toEqual(e1);
    // a row can only move as far as the buffer lets it: row i comes out after row i - buffer
    e0.forEach((row, pos) => expect(pos).toBeGreaterThanOrEqual(row - 20));
    expect(order(await collect(mk(1, 1)))).toEqual(Array.from({ length: N }, (_, i) => i));
  });

  it('a DataLoader over your own async iterable of {x, y} blocks', async () => {
    async function* blocks(): AsyncGenerator<{ x: Tensor; y: number[] }> {
      for (let i = 0; i < 3; i++) yield { x: tensor([[i], [i + 0.5]]), y: [i, i] };
    }
    const bs = await collect(new DataLoader(blocks(), { batchSize: 4 }));
    expect(bs.map((b) => (b[0] as Tensor).toArray())).toEqual([[[0], [0.5], [1], [1.5]], [[2], [2.5]]]);
    expect(bs[0][1]).toEqual(Int32Array.from([0, 0, 1, 1]));
  });
});

function rowsOfBatch(b: data.Batch): number {
  return (b[0] as Tensor).shape[0];
}
