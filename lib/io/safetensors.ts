/**
 * safetensors, the format PyTorch / Hugging Face use for state dicts: an 8-byte little-endian
 * u64 header length N, N bytes of JSON header (padded with spaces to a multiple of 8), then the
 * raw little-endian tensor bytes, each tensor at [begin, end) of that data area. Every field is
 * checked before anything is built, so a truncated or corrupt file fails with what is wrong.
 */
import { readFile, readFileSync } from './fsutil.js';
import { Tensor, shapeSize, fmtShape } from '../tensor.js';
import { DTYPE_SIZE, WRITE_DTYPES, decodeToFloat32, encodeFromFloat32, isDtype, type Dtype, type WriteDtype } from './dtypes.js';
import { writeFileAtomic, writeFileAtomicSync } from './atomic.js';
import { isPlainObject, options } from '../options.js';

/** Largest header accepted, as the reference implementation (a guard against hostile files). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Tensors by name, a state dict or a Map, as the safetensors writers take them. */
export type TensorMap = Record<string, Tensor> | Map<string, Tensor>;
/** A safetensors file's `__metadata__`: string keys to string values. */
export type Metadata = Record<string, string>;

/** A loaded safetensors file: `tensors` (float32, in file order) and the `__metadata__` strings. */
export interface SafetensorsFile {
  /** By the file's names (PyTorch's `fc1.weight`, `0.bias`), in the order of the data area. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` map (string to string), empty when the file has none. */
  metadata: Metadata;
}

/** One tensor's entry in a safetensors header: dtype, shape and its byte range in the data area. */
export interface HeaderEntry { dtype: Dtype; shape: number[]; begin: number; end: number }

/** A validated file: header entries in data order, and views of the bytes (nothing decoded). */
export interface ParsedSafetensors {
  entries: [string, HeaderEntry][];
  metadata: Metadata;
  data: Uint8Array;
}

/** How safetensors are written: dtype ('F32' default, 'F16', 'BF16', 'F64') and per-key dtypes. */
export interface WriteOptions {
  /** dtype for float tensors (F16/BF16 round to nearest even), as `sd = {k: v.half()}` before safetensors' save_file. @defaultValue 'F32' */
  dtype?: WriteDtype;
  /** Per-key dtype; `*.num_batches_tracked` is I64 unless named here, as PyTorch saves it. @defaultValue none (dtype for every key) */
  dtypes?: Record<string, WriteDtype>;
}

const WRITE_KEYS = ['dtype', 'dtypes'] as const;
const WRITE_FORM_KEYS = ['metadata', 'dtype', 'dtypes'] as const;

/**
 * The write arguments after the tensors, without ambiguity: `(metadata?, options?)` with two,
 * and with one: an options object `{ metadata?, dtype?, dtypes? }` when it has any of those keys,
 * otherwise the metadata (string to string). So `saveSafetensors(p, sd, { dtype: 'BF16' })`
 * writes BF16 (it is never stored as metadata); metadata with a key named `dtype` goes in
 * `{ metadata: { dtype: ... } }`.
 */
export function writeArgs(fn: string, third: unknown, fourth: unknown): { metadata?: Metadata; opts: WriteOptions } {
  if (fourth !== undefined) {
    return { metadata: third as Metadata | undefined, opts: checkWriteOptions(fn, options<WriteOptions>(fn, fourth, WRITE_KEYS)) };
  }
  if (isPlainObject(third) && WRITE_FORM_KEYS.some((k) => k in third)) {
    const o = options<WriteOptions & { metadata?: Metadata }>(fn, third, WRITE_FORM_KEYS);
    return { metadata: o.metadata, opts: checkWriteOptions(fn, { dtype: o.dtype, dtypes: o.dtypes }) };
  }
  return { metadata: third as Metadata | undefined, opts: {} };
}

function checkWriteOptions(fn: string, o: WriteOptions): WriteOptions {
  const ok = (d: unknown): boolean => (WRITE_DTYPES as readonly unknown[]).includes(d);
  if (o.dtype !== undefined && !ok(o.dtype)) throw new RangeError(`${fn}: dtype must be one of ${WRITE_DTYPES.join(', ')}, got ${JSON.stringify(o.dtype)}`);
  if (o.dtypes !== undefined) {
    if (!isPlainObject(o.dtypes)) throw new TypeError(`${fn}: dtypes must be an object of tensor name -> dtype`);
    for (const [k, d] of Object.entries(o.dtypes)) if (!ok(d)) throw new RangeError(`${fn}: dtypes['${k}'] must be one of ${WRITE_DTYPES.join(', ')}, got ${JSON.stringify(d)}`);
  }
  return o;
}

function fail(source: string, msg: string, Err: typeof RangeError = RangeError): never {
  throw new Err(`safetensors: ${source}: ${msg}`);
}

/**
 * Check every header field against the bytes; throws on the first problem.
 * @example
 * ```js
 * import { io, tensor } from 'neurite';
 * const parsed = io.parseSafetensors(io.safetensorsToBuffer({ a: tensor([[1, 2, 3]]) })); // header only, nothing decoded
 * console.log(parsed.entries.map(([k, e]) => [k, e.dtype, e.shape])); // [ [ 'a', 'F32', [ 1, 3 ] ] ]
 * ```
 */
export function parseSafetensors(buf: Uint8Array, source = 'buffer'): ParsedSafetensors {
  if (!(buf instanceof Uint8Array)) fail(source, 'expected a Buffer or Uint8Array', TypeError);
  if (buf.length < 8) fail(source, `${buf.length} bytes is too short: a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const big = dv.getBigUint64(0, true);
  if (big < 2n) fail(source, `header length ${big} is too small (at least 2 bytes: '{}')`);
  if (big > BigInt(MAX_HEADER_BYTES)) fail(source, `header length ${big} exceeds the ${MAX_HEADER_BYTES}-byte limit: not a safetensors file, or corrupt`);
  const n = Number(big);
  if (n > buf.length - 8) fail(source, `header length ${n} exceeds the ${buf.length - 8} bytes after the length field: the file is truncated or not safetensors`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n));
  } catch {
    fail(source, 'header is not valid UTF-8', TypeError);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(source, `header is not valid JSON (${(e as Error).message})`, TypeError);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(source, 'header must be a JSON object', TypeError);
  const data = buf.subarray(8 + n);
  const metadata: Metadata = {};
  const entries: [string, HeaderEntry][] = [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(source, '__metadata__ must be an object of strings', TypeError);
      for (const [mk, mv] of Object.entries(v as Record<string, unknown>)) {
        if (typeof mv !== 'string') fail(source, `__metadata__ value '${mk}' must be a string, got ${JSON.stringify(mv)}`, TypeError);
        metadata[mk] = mv;
      }
      continue;
    }
    entries.push([key, checkEntry(source, key, v, data.length)]);
  }
  entries.sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let pos = 0;
  let prev = '';
  for (const [key, e] of entries) {
    if (e.begin < pos) fail(source, `tensor '${key}' [${e.begin}, ${e.end}) overlaps '${prev}' (which ends at ${pos})`);
    if (e.begin > pos) fail(source, `bytes [${pos}, ${e.begin}) of the data area belong to no tensor`);
    pos = e.end;
    prev = key;
  }
  if (pos !== data.length) {
    fail(source, `the data area has ${data.length} bytes but the tensors cover ${pos}: ${data.length - pos} bytes belong to no tensor`);
  }
  return { entries, metadata, data };
}

function checkEntry(source: string, key: string, v: unknown, dataLen: number): HeaderEntry {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(source, `entry '${key}' must be an object {dtype, shape, data_offsets}`, TypeError);
  const { dtype, shape, data_offsets: off } = v as Record<string, unknown>;
  if (!isDtype(dtype)) fail(source, `tensor '${key}' has unknown dtype ${JSON.stringify(dtype)}`, TypeError);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${key}' has an invalid shape ${JSON.stringify(shape)} (expected non-negative integers)`, TypeError);
  }
  if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${key}' has invalid data_offsets ${JSON.stringify(off)} (expected [begin, end])`, TypeError);
  }
  const [begin, end] = off as number[];
  if (begin > end) fail(source, `tensor '${key}' has data_offsets [${begin}, ${end}] with begin after end`);
  if (end > dataLen) fail(source, `tensor '${key}' ends at byte ${end} of the data area, which has only ${dataLen} bytes: the file is truncated`);
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  const want = numel * DTYPE_SIZE[dtype];
  if (end - begin !== want) {
    fail(source, `tensor '${key}' (${dtype}, shape ${fmtShape(shape as number[])}) needs ${want} bytes but data_offsets give ${end - begin}`);
  }
  return { dtype, shape: shape as number[], begin, end };
}

/**
 * Decode a buffer in safetensors format into float32 tensors (copies: the buffer stays the caller's).
 * @example
 * ```js
 * import { io, tensor } from 'neurite';
 * const buf = io.safetensorsToBuffer({ a: tensor([1, 2]) });
 * console.log(io.safetensorsFromBuffer(buf).tensors.a.toArray()); // [ 1, 2 ]  (safetensors.torch.load(bytes))
 * ```
 */
export function safetensorsFromBuffer(buf: Uint8Array, source = 'buffer'): SafetensorsFile {
  return decodeFile(buf, source, false);
}

/** `share`: F32 tensors may be views of `buf` (the loaders' own file buffers: no second copy). */
function decodeFile(buf: Uint8Array, source: string, share: boolean): SafetensorsFile {
  const { entries, metadata, data } = parseSafetensors(buf, source);
  const tensors: Record<string, Tensor> = {};
  for (const [key, e] of entries) {
    const n = shapeSize(e.shape, `safetensors: ${source}: '${key}'`);
    tensors[key] = new Tensor(decodeToFloat32(e.dtype, data.subarray(e.begin, e.end), n, share), e.shape);
  }
  return { tensors, metadata };
}

function dtypeFor(key: string, opts: WriteOptions): WriteDtype {
  return opts.dtypes?.[key] ?? (/(^|\.)num_batches_tracked$/.test(key) ? 'I64' : opts.dtype ?? 'F32');
}

/** One tensor's bytes, already encoded (checkpoints store integer arrays this way). */
export interface RawEntry { key: string; dtype: Dtype; shape: number[]; bytes: Uint8Array }

/**
 * Encode tensors (state-dict order) and optional string metadata in safetensors format:
 * `(tensors, metadata?, options?)` or `(tensors, { metadata?, dtype?, dtypes? })` (see writeArgs).
 * @example
 * ```js
 * import { io, tensor } from 'neurite';
 * const buf = io.safetensorsToBuffer({ a: tensor([1, 2]) }, { note: 'in memory' }); // safetensors.torch.save(sd, metadata)
 * console.log(buf.length > 0, io.safetensorsFromBuffer(buf).metadata); // true { note: 'in memory' }
 * ```
 */
export function safetensorsToBuffer(tensors: TensorMap, metadata?: Metadata | WriteForm, opts?: WriteOptions): Buffer {
  return encodeTensors('safetensorsToBuffer', tensors, metadata, opts);
}

/** The one-argument write form: options and metadata together. */
export interface WriteForm extends WriteOptions { metadata?: Metadata }

function encodeTensors(fn: string, tensors: TensorMap, third: unknown, fourth: unknown): Buffer {
  const { metadata, opts } = writeArgs(fn, third, fourth);
  if (tensors === null || typeof tensors !== 'object') throw new TypeError(`${fn}: expected a state dict (name -> Tensor)`);
  const items = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const k of Object.keys(opts.dtypes ?? {})) {
    if (!items.some(([key]) => key === k)) throw new RangeError(`${fn}: dtypes names '${k}', which is not one of the tensors`);
  }
  const raw: RawEntry[] = items.map(([key, t]) => {
    if (!(t instanceof Tensor)) throw new TypeError(`safetensorsToBuffer: '${key}' is not a Tensor`);
    const dtype = dtypeFor(key, opts);
    return { key, dtype, shape: t.shape, bytes: encodeFromFloat32(dtype, t.data, key) };
  });
  return encodeRaw(raw, metadata);
}

export function encodeRaw(items: RawEntry[], metadata?: Metadata): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw new TypeError('safetensorsToBuffer: metadata must be an object of strings');
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensorsToBuffer: metadata '${k}' must be a string (safetensors metadata is string to string), got ${typeof v}`);
    }
    if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  }
  let off = 0;
  for (const { key, dtype, shape, bytes } of items) {
    if (key === '__metadata__') throw new RangeError("safetensorsToBuffer: '__metadata__' is reserved and cannot name a tensor");
    if (Object.prototype.hasOwnProperty.call(header, key)) throw new RangeError(`safetensorsToBuffer: duplicate tensor name '${key}'`);
    header[key] = { dtype, shape, data_offsets: [off, off + bytes.length] };
    off += bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.allocUnsafe(8 + json.length + off);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let pos = 8 + json.length;
  for (const { bytes } of items) { out.set(bytes, pos); pos += bytes.length; }
  return out;
}

/**
 * Write a state dict as a safetensors file, atomically (a crash leaves the old file or the
 * new one, never a mix). The tensors are encoded when called, so training may go on while
 * the bytes are written.
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * const model = new nn.Linear(4, 2);
 * await io.saveSafetensors('model.safetensors', model.stateDict(), { epoch: '3' }); // safetensors.torch.save_file(sd, path, metadata)
 * const { tensors, metadata } = await io.loadSafetensors('model.safetensors');
 * console.log(Object.keys(tensors), metadata); // [ 'weight', 'bias' ] { epoch: '3' }
 * ```
 */
export async function saveSafetensors(path: string, tensors: TensorMap, metadata?: Metadata | WriteForm, opts?: WriteOptions): Promise<void> {
  await writeFileAtomic(path, encodeTensors('saveSafetensors', tensors, metadata, opts));
}

/**
 * saveSafetensors, synchronously: same arguments (path, tensors, metadata?, options?), for scripts.
 * @example
 * ```js
 * import { io, nn } from 'neurite';
 * io.saveSafetensorsSync('half.safetensors', new nn.Linear(4, 2).stateDict(), { dtype: 'BF16' }); // bfloat16 on disk
 * console.log(io.loadSafetensorsSync('half.safetensors').tensors.weight.shape); // [ 2, 4 ] (float32 again in memory)
 * ```
 */
export function saveSafetensorsSync(path: string, tensors: TensorMap, metadata?: Metadata | WriteForm, opts?: WriteOptions): void {
  writeFileAtomicSync(path, encodeTensors('saveSafetensorsSync', tensors, metadata, opts));
}

/**
 * Read a safetensors file: every tensor as float32 under its PyTorch name, and the metadata.
 * @example
 * ```js
 * import { io, nn, tensor } from 'neurite';
 * await io.saveSafetensors('w.safetensors', { w: tensor([[1, 2]]) });
 * const model = new nn.Linear(2, 1, { bias: false });
 * const { tensors } = await io.loadSafetensors('w.safetensors'); // safetensors.torch.load_file(path)
 * model.loadStateDict({ weight: tensors.w });
 * console.log(model.weight.toArray()); // [ [ 1, 2 ] ]
 * ```
 */
export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  return decodeFile(await readFile(path, 'loadSafetensors'), path, true);
}

/**
 * loadSafetensors, synchronously: `{ tensors, metadata }` of a checked safetensors file.
 * @example
 * ```js
 * import { io, tensor } from 'neurite';
 * io.saveSafetensorsSync('t.safetensors', { t: tensor([1, 2, 3]) });
 * console.log(io.loadSafetensorsSync('t.safetensors').tensors.t.toArray()); // [ 1, 2, 3 ]
 * ```
 */
export function loadSafetensorsSync(path: string): SafetensorsFile {
  return decodeFile(readFileSync(path, 'loadSafetensors'), path, true);
}
