/**
 * The safetensors dtypes: their byte sizes, and conversion of little-endian bytes to and from
 * float32 (neurite computes in float32 only; integer tensors such as BatchNorm's
 * num_batches_tracked come back as float32 values).
 */

export type Dtype = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64'
  | 'F8_E4M3' | 'F8_E5M2';

/** Bytes per element of every dtype the format defines. */
export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The dtypes a writer may choose: what PyTorch loads back as float or integer tensors. */
export type WriteDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32';
export const WRITE_DTYPES: readonly WriteDtype[] = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32'];

export function isDtype(s: unknown): s is Dtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half (binary16) bits to a number; exact (every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to half bits, rounding to nearest even (overflow to ±Infinity, as PyTorch). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1))) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) {
    r++;
    if (r === 0x400) { r = 0; e++; if (e >= 31) return sign | 0x7c00; }
  }
  return sign | (e << 10) | r;
}

/** bfloat16 bits to a number: the top half of a float32. */
export function bf16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** A number to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function floatToBf16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff)) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decode `n` elements of `dtype` from `bytes` (little-endian) into a new Float32Array; with
 * `share`, aligned F32 data comes back as a view of `bytes` (for buffers nobody else holds).
 */
export function decodeToFloat32(dtype: Dtype, bytes: Uint8Array, n: number, share = false): Float32Array {
  if (share && dtype === 'F32' && LITTLE && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  const out = new Float32Array(n);
  if (dtype === 'F32' && LITTLE) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4));
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true); break;
    case 'F64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true); break;
    case 'F16': for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true)); break;
    case 'BF16': for (let i = 0; i < n; i++) out[i] = bf16ToFloat(dv.getUint16(2 * i, true)); break;
    case 'I64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(8 * i, true)); break;
    case 'U64': for (let i = 0; i < n; i++) out[i] = Number(dv.getBigUint64(8 * i, true)); break;
    case 'I32': for (let i = 0; i < n; i++) out[i] = dv.getInt32(4 * i, true); break;
    case 'U32': for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, true); break;
    case 'I16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true); break;
    case 'U16': for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true); break;
    case 'I8': for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 'U8': case 'BOOL': for (let i = 0; i < n; i++) out[i] = bytes[i]; break;
    default: throw new TypeError(`safetensors: dtype ${dtype} cannot be read as float32 (8-bit floats are not supported)`);
  }
  return out;
}

/**
 * Encode float32 values as `dtype` bytes (little-endian); integer dtypes need integer values.
 * F32 on a little-endian machine is a view of `src`, not a copy: callers copy it once, into
 * the file's buffer.
 */
export function encodeFromFloat32(dtype: WriteDtype, src: Float32Array, key: string): Uint8Array {
  if (dtype === 'F32' && LITTLE) return new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  const size = DTYPE_SIZE[dtype];
  const out = new Uint8Array(src.length * size);
  const dv = new DataView(out.buffer);
  const n = src.length;
  const int = (v: number): number => {
    if (!Number.isInteger(v)) throw new RangeError(`safetensors: '${key}' holds ${v}, which is not an integer, so it cannot be written as ${dtype}`);
    return v;
  };
  switch (dtype) {
    case 'F32': for (let i = 0; i < n; i++) dv.setFloat32(4 * i, src[i], true); break;
    case 'F64': for (let i = 0; i < n; i++) dv.setFloat64(8 * i, src[i], true); break;
    case 'F16': for (let i = 0; i < n; i++) dv.setUint16(2 * i, floatToHalf(src[i]), true); break;
    case 'BF16': for (let i = 0; i < n; i++) dv.setUint16(2 * i, floatToBf16(src[i]), true); break;
    case 'I64': for (let i = 0; i < n; i++) dv.setBigInt64(8 * i, BigInt(int(src[i])), true); break;
    case 'I32': for (let i = 0; i < n; i++) dv.setInt32(4 * i, int(src[i]), true); break;
  }
  return out;
}
