/**
 * Saved models for `neurite info FILE` and `neurite predict`: what a safetensors file holds
 * (tensors, dtypes, metadata, the architecture neurite train records), and rebuilding the
 * trained MLP with its input standardisation from it.
 */
import { readFileSync } from '../io/fsutil.js';
import { parseSafetensors, safetensorsFromBuffer, type Metadata } from '../io/safetensors.js';
import { ACTIVATION_FLAGS, type ActivationFlag } from './args.js';
import { UsageError } from './errors.js';
import { buildMlp } from './train.js';
import type { Sequential } from '../nn/layers.js';
import type { Standardizer } from './dataset.js';
import type { ProgressStream } from './progress.js';

export interface Architecture { inputs: number; hidden: number[]; classes: number; activation: ActivationFlag }

function read(path: string, shown: string): Buffer {
  try {
    return readFileSync(path, 'neurite');
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^neurite: /, ''));
  }
}

function parse(buf: Buffer, shown: string): ReturnType<typeof parseSafetensors> {
  try {
    return parseSafetensors(buf, shown);
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (is ${shown} a safetensors file?)`);
  }
}

/** The architecture neurite train recorded, checked; null when the file has none. */
export function architecture(meta: Metadata, shown: string): Architecture | null {
  const raw = meta['neurite.architecture'];
  if (raw === undefined) return null;
  let a: Architecture;
  try { a = JSON.parse(raw); } catch { throw new UsageError(`${shown}: metadata 'neurite.architecture' is not JSON`); }
  const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  if (!a || !posInt(a.inputs) || !posInt(a.classes) || !Array.isArray(a.hidden) || !a.hidden.every(posInt) || !ACTIVATION_FLAGS.includes(a.activation)) {
    throw new UsageError(`${shown}: metadata 'neurite.architecture' is not a neurite train MLP: ${raw.slice(0, 80)}`);
  }
  return a;
}

function standardizer(meta: Metadata, inputs: number, shown: string): Standardizer | null {
  const raw = meta['neurite.standardize'];
  if (raw === undefined) return null;
  try {
    const s = JSON.parse(raw) as { mean: number[]; std: number[] };
    if (s.mean.length === inputs && s.std.length === inputs) return { mean: Float32Array.from(s.mean), std: Float32Array.from(s.std) };
  } catch { /* reported below */ }
  throw new UsageError(`${shown}: metadata 'neurite.standardize' does not hold ${inputs} means and standard deviations`);
}

/** `neurite info FILE`: architecture, parameters, dtypes and metadata of a saved model or checkpoint. */
export function describeModelFile(path: string, shown: string, out: ProgressStream): void {
  const { entries, metadata } = parse(read(path, shown), shown);
  const arch = architecture(metadata, shown);
  const lines = [`${shown}: safetensors, ${entries.length} tensors`];
  if (arch) {
    lines.push(`architecture: MLP ${[arch.inputs, ...arch.hidden, arch.classes].join('-')} (${arch.activation}), ${arch.classes} classes (written by neurite train)`);
  }
  let total = 0;
  const dtypes = new Map<string, number>();
  const w = Math.max(4, ...entries.map(([k]) => k.length));
  const rows = entries.map(([k, e]) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    total += n;
    dtypes.set(e.dtype, (dtypes.get(e.dtype) ?? 0) + n);
    return `  ${k.padEnd(w)}  ${e.dtype.padEnd(4)}  [${e.shape.join(', ')}]  ${n.toLocaleString('en-US')}`;
  });
  lines.push(`parameters: ${total.toLocaleString('en-US')} values (${[...dtypes].map(([d, n]) => `${d} ${n.toLocaleString('en-US')}`).join(', ')})`);
  lines.push('tensors:', ...rows);
  const keys = Object.keys(metadata);
  if (keys.length) {
    lines.push('metadata:');
    for (const k of keys) {
      const v = metadata[k];
      lines.push(`  ${k}: ${v.length > 100 ? `${v.slice(0, 100)}... (${v.length} characters)` : v}`);
    }
  }
  out.write(`${lines.join('\n')}\n`);
}

/** The trained MLP of a neurite train model file, its weights loaded, and its input standardisation. */
export function loadTrainedModel(path: string, shown: string): { model: Sequential; arch: Architecture; stdz: Standardizer | null } {
  const buf = read(path, shown);
  const { metadata } = parse(buf, shown);
  const arch = architecture(metadata, shown);
  if (!arch) throw new UsageError(`${shown}: no 'neurite.architecture' metadata; predict runs models written by 'neurite train'`);
  const model = buildMlp(arch.inputs, arch.hidden, arch.classes, arch.activation);
  try {
    model.loadStateDict(safetensorsFromBuffer(buf, shown).tensors);
  } catch (e) {
    throw new UsageError(`${shown}: the weights do not fit the recorded architecture: ${(e as Error).message}`);
  }
  return { model, arch, stdz: standardizer(metadata, arch.inputs, shown) };
}
