/**
 * Checkpoint files of the model X: a folder holding `model.json` (format, preset, architecture,
 * optimiser settings, step, tokenizer and a table of tensors) and one binary file of float32
 * little-endian weights (student, teacher, Adam moments) that `model.json` names.
 *
 * Writes are atomic: the weights go to a new uniquely named file (written, fsynced, renamed), then
 * `model.json` is replaced the same way, then stale weight files are removed. A reader therefore
 * always sees a complete checkpoint, the old one or the new one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { TokenizerJSON } from './tokenizer';

export const CHECKPOINT_FORMAT = 'amplification-explorer/model-x';
export const CHECKPOINT_VERSION = 1;
export const MODEL_JSON = 'model.json';

/** What a checkpoint records besides the tensors. */
export interface CheckpointMeta {
  preset: string;
  config: Record<string, number | boolean>;
  optimiser: Record<string, number>;
  seed: number;
  step: number;
  tokenizer: TokenizerJSON;
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
  dtype: 'float32';
  /** Offset in the weights file, in bytes. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

interface ModelJSON extends CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  savedAt: string;
  weightsFile: string;
  tensors: TensorEntry[];
}

/** Writes `dir/name` atomically: a temp file in the same folder, fsynced, then renamed. */
export async function writeFileAtomic(dir: string, name: string, data: readonly (Uint8Array | string)[]): Promise<void> {
  const tmp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    for (const chunk of data) await handle.writeFile(chunk); // each continues at the current position
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, join(dir, name));
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function syncDir(dir: string): Promise<void> {
  // Makes the renames durable; not supported everywhere (e.g. Windows), where it is best effort.
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* best effort */
  }
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

/** Writes a checkpoint into `dir` (created if needed), atomically. */
export async function writeCheckpoint(dir: string, meta: CheckpointMeta, tensors: readonly CheckpointTensor[]): Promise<void> {
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
  await writeFileAtomic(dir, weightsFile, chunks);
  const json: ModelJSON = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    savedAt: new Date().toISOString(),
    ...meta,
    weightsFile,
    tensors: entries,
  };
  await writeFileAtomic(dir, MODEL_JSON, [JSON.stringify(json, null, 1) + '\n']);
  await syncDir(dir);
  for (const name of await fs.readdir(dir)) {
    if (/^weights-.*\.bin$/.test(name) && name !== weightsFile) await fs.rm(join(dir, name), { force: true });
  }
}

/** Reads a checkpoint written by `writeCheckpoint`. */
export async function readCheckpoint(dir: string): Promise<{ meta: CheckpointMeta; tensors: CheckpointTensor[] }> {
  let json: ModelJSON;
  try {
    json = JSON.parse(await fs.readFile(join(dir, MODEL_JSON), 'utf8')) as ModelJSON;
  } catch (e) {
    throw new Error(`no model X checkpoint in ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (json.format !== CHECKPOINT_FORMAT) throw new Error(`${join(dir, MODEL_JSON)} is not a model X checkpoint (format ${String(json.format)})`);
  if (json.version !== CHECKPOINT_VERSION) throw new Error(`${join(dir, MODEL_JSON)}: unsupported checkpoint version ${String(json.version)}`);
  if (typeof json.weightsFile !== 'string' || json.weightsFile.includes('/') || json.weightsFile.includes('\\')) {
    throw new Error(`${join(dir, MODEL_JSON)}: bad weightsFile`);
  }
  const bytes = await fs.readFile(join(dir, json.weightsFile));
  const tensors = json.tensors.map((e) => {
    if (e.offset + 4 * e.length > bytes.byteLength) throw new Error(`checkpoint: tensor ${e.name} lies beyond the end of ${json.weightsFile}`);
    return { name: e.name, shape: e.shape, data: fromLittleEndian(bytes.subarray(e.offset, e.offset + 4 * e.length)) };
  });
  const { format: _f, version: _v, savedAt: _s, weightsFile: _w, tensors: _t, ...meta } = json;
  return { meta, tensors };
}
