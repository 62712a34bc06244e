import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, nn, tensor, noGrad, Tensor } from '../lib/index.js';
import { floatToBf16, floatToHalf, halfToFloat } from '../lib/io/dtypes.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { GOLDENS_DIR, expectClose, goldens } from './helpers/goldens.js';

const GOLD = GOLDENS_DIR;
let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'neurite-st-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file from a header object and raw data bytes, written by hand. */
function handmade(header: unknown, data: Uint8Array | number[], opts: { pad?: boolean; rawHeader?: Uint8Array } = {}): Buffer {
  let hb = opts.rawHeader ? Buffer.from(opts.rawHeader) : Buffer.from(JSON.stringify(header));
  if (opts.pad !== false) hb = Buffer.concat([hb, Buffer.alloc((8 - (hb.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  return Buffer.concat([len, hb, Buffer.from(data instanceof Uint8Array ? data : Uint8Array.from(data))]);
}

const f32bytes = (xs: number[]): Uint8Array => new Uint8Array(Float32Array.from(xs).buffer);

describe('safetensors round trips', () => {
  it('keeps names, order, shapes, values and metadata (buffer and file, sync and async)', async () => {
    const sd = {
      'fc1.weight': tensor([[1.5, -2, 3e-8], [Infinity, -0, 7]]),
      'fc1.bias': tensor([0.25, -1e30]),
      'bn.num_batches_tracked': tensor(12),
      scalar: tensor(3.5),
      empty: new Tensor(new Float32Array(0), [0, 4]),
    };
    const buf = io.safetensorsToBuffer(sd, { format: 'pt', note: 'ünïcødé' });
    for (const back of [io.safetensorsFromBuffer(buf), await (async () => {
      const p = join(dir, 'rt.safetensors');
      await io.saveSafetensors(p, sd, { format: 'pt', note: 'ünïcødé' });
      expect(readFileSync(p).equals(buf)).toBe(true);
      return io.loadSafetensorsSync(p);
    })()]) {
      expect(Object.keys(back.tensors)).toEqual(Object.keys(sd));
      for (const [k, t] of Object.entries(sd)) {
        expect(back.tensors[k].shape, k).toEqual(t.shape);
        expect(Array.from(back.tensors[k].data), k).toEqual(Array.from(t.data));
      }
      expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcødé' });
    }
    // header padded to 8 and the num_batches_tracked counter stored as I64, as PyTorch keeps it
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    expect(header['bn.num_batches_tracked']).toEqual({ dtype: 'I64', shape: [], data_offsets: [32, 40] });
    expect(header['fc1.weight'].dtype).toBe('F32');
  });

  it('tensors never alias the caller\'s buffer or the model they came from', async () => {
    const t = tensor([1, 2, 3]);
    const buf = io.safetensorsToBuffer({ t });
    t.data[0] = 9; // encoded when called
    const back = io.safetensorsFromBuffer(buf);
    buf.fill(0, buf.length - 12);
    expect(Array.from(back.tensors.t.data)).toEqual([1, 2, 3]);
    const p = join(dir, 'alias.safetensors');
    await io.saveSafetensors(p, { a: tensor([1, 2]), b: tensor([3, 4]) });
    const one = io.loadSafetensorsSync(p), two = io.loadSafetensorsSync(p);
    one.tensors.a.data[0] = 7;
    expect(Array.from(one.tensors.b.data)).toEqual([3, 4]);
    expect(Array.from(two.tensors.a.data)).toEqual([1, 2]);
  });

  it('writes and reads every float dtype, and the integer ones', () => {
    for (const dtype of ['F32', 'F64', 'F16', 'BF16', 'I64', 'I32'] as const) {
      const vals = dtype.startsWith('I') ? [0, 1, -2, 5, 1024, -7, 3] : [0, 1, -2, 0.5, 1024, -0.125, 3];
      const t = tensor(vals, [7]);
      const buf = io.safetensorsToBuffer({ t }, undefined, { dtype });
      const back = io.safetensorsFromBuffer(buf).tensors.t;
      expect(Array.from(back.data), dtype).toEqual(vals);
      expect(JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString()).t.dtype).toBe(dtype);
    }
    expect(() => io.safetensorsToBuffer({ t: tensor([0.5]) }, undefined, { dtype: 'I64' })).toThrow(/not an integer/);
  });

  it('reads F16, BF16, F64, I64, I32 files built byte by byte', () => {
    const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x8000, 0x3555];
    const bf16 = [0x3f80, 0xc000, 0x4049, 0x0001, 0xff80, 0x7f7f];
    const u16 = (xs: number[]): number[] => xs.flatMap((h) => [h & 0xff, h >> 8]);
    const f64 = new Uint8Array(new Float64Array([Math.PI, -1e-300, 1e300]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([42n, -7n, 9007199254740993n]).buffer);
    const i32 = new Uint8Array(new Int32Array([-5, 2147483647]).buffer);
    const parts = [u16(f16), u16(bf16), Array.from(f64), Array.from(i64), Array.from(i32)];
    const names = ['h', 'b', 'd', 'l', 'i'];
    const dtypes = ['F16', 'BF16', 'F64', 'I64', 'I32'];
    const shapes = [[3, 3], [6], [3], [3], [1, 2]];
    const header: Record<string, unknown> = {};
    let off = 0;
    parts.forEach((p, k) => { header[names[k]] = { dtype: dtypes[k], shape: shapes[k], data_offsets: [off, off + p.length] }; off += p.length; });
    const { tensors: t } = io.safetensorsFromBuffer(handmade(header, parts.flat()));
    expect(Array.from(t.h.data)).toEqual([1, -2, 0.5, 65504, 2 ** -24, Infinity, -Infinity, -0, Math.fround(0.333251953125)]);
    expect(t.h.shape).toEqual([3, 3]);
    expect(Array.from(t.b.data)).toEqual([1, -2, 3.140625, Math.fround(9.183549615799121e-41), -Infinity, Math.fround(3.3895313892515355e38)]);
    expect(Array.from(t.d.data)).toEqual([Math.fround(Math.PI), -0, Infinity]);
    expect(Array.from(t.l.data)).toEqual([42, -7, Math.fround(9007199254740992)]);
    expect(Array.from(t.i.data)).toEqual([-5, Math.fround(2147483647)]);
  });

  it('rounds to half and bfloat16 to nearest even, overflowing to infinity', () => {
    expect(floatToHalf(1 / 3)).toBe(0x3555);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // halfway to the next binade: ties to even overflow
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie, even mantissa stays
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd mantissa rounds up
    expect(floatToHalf(2 ** -25)).toBe(0); // tie at the smallest subnormal: to even (zero)
    expect(floatToHalf(2 ** -24)).toBe(1);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    for (let h = 0; h < 0x7c00; h += 7) expect(floatToHalf(halfToFloat(h))).toBe(h);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie to even
    expect(floatToBf16(Math.fround(1 + 3 * 2 ** -8))).toBe(0x3f82);
    expect(floatToBf16(3.4e38)).toBe(0x7f80);
  });
});

describe('safetensors rejects corrupt files with the reason', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
  const data12 = f32bytes([1, 2, 3]);
  const lenOnly = (n: bigint): Buffer => { const b = Buffer.alloc(16, 0x20); b.writeBigUInt64LE(n); return b; };
  const cases: [string, () => Buffer, RegExp][] = [
    ['empty file', () => Buffer.alloc(0), /0 bytes is too short/],
    ['shorter than the length field', () => Buffer.from([1, 2, 3]), /3 bytes is too short/],
    ['header length 0', () => lenOnly(0n), /header length 0 is too small/],
    ['header length over 100 MB', () => lenOnly(200_000_000n), /exceeds the 100000000-byte limit/],
    ['header length 2^64-1', () => lenOnly(2n ** 64n - 1n), /exceeds the 100000000-byte limit/],
    ['header longer than the file', () => handmade(good, data12).subarray(0, 20), /exceeds the 12 bytes.*truncated/],
    ['header not UTF-8', () => handmade(null, data12, { rawHeader: Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]) }), /not valid UTF-8/],
    ['header not JSON', () => handmade(null, data12, { rawHeader: Buffer.from('{"a": [1,2') }), /not valid JSON/],
    ['header a JSON array', () => handmade([1, 2], data12), /must be a JSON object/],
    ['entry not an object', () => handmade({ a: 5 }, data12), /entry 'a' must be an object/],
    ['unknown dtype', () => handmade({ ...good, a: { ...good.a, dtype: 'F31' } }, data12), /'a' has unknown dtype "F31"/],
    ['negative dim', () => handmade({ ...good, a: { ...good.a, shape: [-2] } }, data12), /'a' has an invalid shape \[-2\]/],
    ['fractional dim', () => handmade({ ...good, a: { ...good.a, shape: [1.5] } }, data12), /invalid shape/],
    ['shape not an array', () => handmade({ ...good, a: { ...good.a, shape: 2 } }, data12), /invalid shape/],
    ['offsets of 3 numbers', () => handmade({ ...good, a: { ...good.a, data_offsets: [0, 4, 8] } }, data12), /invalid data_offsets/],
    ['begin after end', () => handmade({ ...good, a: { ...good.a, data_offsets: [8, 0] } }, data12), /begin after end/],
    ['offsets past the data (truncated data)', () => handmade(good, data12.subarray(0, 10)), /'b' ends at byte 12 of the data area, which has only 10 bytes: the file is truncated/],
    ['byte length differs from shape', () => handmade({ ...good, a: { ...good.a, shape: [3] } }, data12), /'a' \(F32, shape \[3\]\) needs 12 bytes but data_offsets give 8/],
    ['overlapping tensors', () => handmade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data12), /'b' \[4, 12\) overlaps 'a'/],
    ['a gap between tensors', () => handmade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, data12), /bytes \[4, 8\) of the data area belong to no tensor/],
    ['trailing bytes after the last tensor', () => handmade(good, [...data12, 0, 0, 0, 0]), /16 bytes but the tensors cover 12/],
    ['metadata value not a string', () => handmade({ ...good, __metadata__: { epoch: 3 } }, data12), /__metadata__ value 'epoch' must be a string/],
  ];
  it.each(cases)('%s', (_name, make, msg) => {
    const buf = make();
    expect(() => io.safetensorsFromBuffer(buf, 'x.safetensors')).toThrow(msg);
    expect(() => io.safetensorsFromBuffer(buf, 'x.safetensors')).toThrow(/^safetensors: x\.safetensors: /);
  });

  it('the hand-made file the cases start from is valid', () => {
    expect(Array.from(io.safetensorsFromBuffer(handmade(good, data12)).tensors.b.data)).toEqual([3]);
  });

  it('every truncation of a real PyTorch file fails, never returning partial tensors', () => {
    const full = readFileSync(join(GOLD, 'model.safetensors'));
    for (let cut = 0; cut < full.length; cut++) {
      expect(() => io.safetensorsFromBuffer(full.subarray(0, cut)), `cut at ${cut}`).toThrow(/safetensors: buffer: /);
    }
  });

  it('names the file when it is missing or a directory', async () => {
    await expect(io.loadSafetensors(join(dir, 'nope.safetensors'))).rejects.toThrow(/loadSafetensors: .*nope\.safetensors: no such file/);
    expect(() => io.loadSafetensorsSync(dir)).toThrow(/is a directory/);
  });

  it('refuses to write what it could not read back', () => {
    expect(() => io.safetensorsToBuffer({ __metadata__: tensor([1]) })).toThrow(/reserved/);
    expect(() => io.safetensorsToBuffer({ a: [1, 2] as unknown as Tensor })).toThrow(/'a' is not a Tensor/);
    expect(() => io.safetensorsToBuffer({ a: tensor([1]) }, { n: 3 as unknown as string })).toThrow(/metadata 'n' must be a string/);
  });
});

class SeedMLP extends nn.Module {
  fc1 = new nn.Linear(10, 64);
  fc2 = new nn.Linear(64, 64);
  fc3 = new nn.Linear(64, 1);
  forward(x: Tensor): Tensor {
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(x).relu()).relu());
  }
}

describe.each(availableBackends())('PyTorch safetensors files from the goldens (%s backend)', (name) => {
  useBackend(name);

  it('model.safetensors loads into Sequential(Linear(3,4), GELU, Linear(4,2)) and reproduces PyTorch', async () => {
    const g = goldens().fixed_model;
    const { tensors, metadata } = await io.loadSafetensors(join(GOLD, 'model.safetensors'));
    expect(metadata).toEqual({ format: 'pt' });
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.Linear(4, 2));
    model.loadStateDict(tensors);
    for (const [k, p] of Object.entries(g.params) as [string, { values: number[] }][]) expectClose(model.stateDict()[k].data, p.values, k, { rel: 0, abs: 0 });
    const out = noGrad(() => model.forward(tensor(g.input.values)));
    expectClose(out.data, g.losses.cross_entropy.output.values, 'fixed_model output');
  });

  it('seed_mlp.safetensors loads into the seed MLP(10, 64, 1) and reproduces PyTorch', () => {
    const g = goldens().seed_mlp_fixed;
    const model = new SeedMLP();
    model.loadStateDict(io.loadSafetensorsSync(join(GOLD, 'seed_mlp.safetensors')).tensors);
    const out = noGrad(() => model.forward(tensor(g.input.values)));
    expectClose(out.data, g.output.values, 'seed_mlp output');
  });
});
