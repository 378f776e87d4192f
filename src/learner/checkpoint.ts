/**
 * The checkpoint format of both learned models, X and H′: a folder holding `model.json` (format,
 * version, preset, architecture, optimiser settings, seed, step, the model's tokenizer or
 * vocabulary, and a table of tensors) and one binary file of float32 little-endian values that
 * `model.json` names. `format` says which model it is (X: `amplification-explorer/model-x`, H′:
 * `amplification-explorer/model-h`), so loading one as the other is a clear error.
 *
 * Writes are atomic: the weights go to a new uniquely named file (written, fsynced, renamed), then
 * `model.json` is replaced the same way, then stale weight files are removed. A reader therefore
 * always sees a complete checkpoint, the old one or the new one.
 *
 * Older checkpoints: X's have always had this layout. H′'s were written by code of their own whose
 * tensor table had no `dtype` (always float32); `readCheckpoint` reads a missing dtype as float32.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { syncDir, writeFileAtomic } from './files';

export const CHECKPOINT_VERSION = 1;
export const MODEL_JSON = 'model.json';

/** The models a checkpoint can hold: format string, name in messages, prefix of the weights' tensor names. */
export const CHECKPOINT_KINDS = {
  x: { format: 'amplification-explorer/model-x', name: 'model X', article: 'a', weights: 'student' },
  h: { format: 'amplification-explorer/model-h', name: 'H′', article: 'an', weights: 'param' },
} as const;
export type CheckpointKind = keyof typeof CHECKPOINT_KINDS;

/** What every checkpoint records besides the tensors; each model adds its tokenizer or vocabulary. */
export interface CheckpointMeta {
  preset: string;
  config: object;
  optimiser: object;
  seed: number;
  step: number;
  /** The backend the model was trained on (informational; any backend can load it). */
  backend: string;
}

export interface CheckpointTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface TensorEntry {
  name: string;
  shape: number[];
  /** Always float32; absent in H′'s older checkpoints. */
  dtype?: 'float32';
  /** Offset in the weights file, in bytes. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

interface ModelJSON extends CheckpointMeta {
  format: string;
  version: typeof CHECKPOINT_VERSION;
  savedAt: string;
  weightsFile: string;
  tensors: TensorEntry[];
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

function littleEndianBytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return bytes;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes); // aligned, owned
  if (LITTLE_ENDIAN) return new Float32Array(copy.buffer);
  const view = new DataView(copy.buffer);
  return Float32Array.from({ length: copy.length / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/** Writes a checkpoint of a model of this kind into `dir` (created if needed), atomically. */
export async function writeCheckpoint<M extends CheckpointMeta>(dir: string, kind: CheckpointKind, meta: M, tensors: readonly CheckpointTensor[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`checkpoint: tensor ${t.name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    entries.push({ name: t.name, shape: [...t.shape], dtype: 'float32', offset, length: t.data.length });
    chunks.push(littleEndianBytes(t.data));
    offset += 4 * t.data.length;
  }
  const weightsFile = `weights-${meta.step}-${randomBytes(4).toString('hex')}.bin`;
  writeFileAtomic(join(dir, weightsFile), chunks);
  const json: ModelJSON = {
    format: CHECKPOINT_KINDS[kind].format,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...meta,
    weightsFile,
    tensors: entries,
  };
  writeFileAtomic(join(dir, MODEL_JSON), JSON.stringify(json, null, 1) + '\n');
  syncDir(dir);
  for (const name of await fs.readdir(dir)) {
    if (/^weights-.*\.bin$/.test(name) && name !== weightsFile) await fs.rm(join(dir, name), { force: true });
  }
}

/** Reads a checkpoint of a model of this kind written by `writeCheckpoint` (or by H′'s older code). */
export async function readCheckpoint<M extends CheckpointMeta>(dir: string, kind: CheckpointKind): Promise<{ meta: M; tensors: CheckpointTensor[] }> {
  const { format, name, article } = CHECKPOINT_KINDS[kind];
  const file = join(dir, MODEL_JSON);
  let json: ModelJSON;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as ModelJSON;
  } catch (e) {
    throw new Error(`no ${name} checkpoint in ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (json.format !== format) throw new Error(`${file} is not ${article} ${name} checkpoint (format ${String(json.format)})`);
  if (json.version !== CHECKPOINT_VERSION) throw new Error(`${file}: unsupported ${name} checkpoint version ${String(json.version)}`);
  if (typeof json.weightsFile !== 'string' || json.weightsFile.includes('/') || json.weightsFile.includes('\\')) throw new Error(`${file}: bad weightsFile`);
  const bytes = await fs.readFile(join(dir, json.weightsFile));
  const tensors = json.tensors.map((e) => {
    if (e.dtype !== undefined && e.dtype !== 'float32') throw new Error(`${name} checkpoint: tensor ${e.name} has dtype ${String(e.dtype)}, not float32`);
    if (e.offset + 4 * e.length > bytes.byteLength) throw new Error(`${name} checkpoint: tensor ${e.name} lies beyond the end of ${json.weightsFile}`);
    return { name: e.name, shape: e.shape, data: fromLittleEndian(bytes.subarray(e.offset, e.offset + 4 * e.length)) };
  });
  const { format: _f, version: _v, savedAt: _s, weightsFile: _w, tensors: _t, ...meta } = json;
  return { meta: meta as unknown as M, tensors };
}

/** A lookup of a checkpoint's tensors by name that checks each one's shape against the model's. */
export function tensorTaker(kind: CheckpointKind, tensors: readonly CheckpointTensor[]): (name: string, shape: readonly number[]) => Float32Array {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const label = `${CHECKPOINT_KINDS[kind].name} checkpoint`;
  return (name, shape) => {
    const t = byName.get(name);
    if (!t) throw new Error(`${label}: missing tensor ${name}`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`${label}: tensor ${name} has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
    }
    return t.data;
  };
}
