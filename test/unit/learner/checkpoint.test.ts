// The one checkpoint format of X and H′ (src/learner/checkpoint.ts) and the one atomic file write
// of src/ (src/learner/files.ts): round trips, the model kind, H′'s older layout, damaged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_KINDS, MODEL_JSON, readCheckpoint, tensorTaker, writeCheckpoint, type CheckpointMeta } from '../../../src/learner/checkpoint';
import { writeFileAtomic } from '../../../src/learner/files';

const meta = (step: number): CheckpointMeta & { vocabulary: { tokens: string[] } } => ({
  preset: 'tiny', config: { dModel: 4, heads: 2 }, optimiser: { learningRate: 0.001 }, seed: 3, step, backend: 'wasm', vocabulary: { tokens: ['a', 'b'] },
});
const tensors = [
  { name: 'param/w', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-8, -7]) },
  { name: 'adam/m', shape: [6], data: Float32Array.from([0.25, 0, 0, 0, 0, 1]) },
];

function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'checkpoint-'));
  return f(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('writeFileAtomic: writes the chunks in order, replaces the file, creates the folder, leaves no temp files', () => withDir(async (dir) => {
  const file = join(dir, 'sub', 'f.bin');
  writeFileAtomic(file, ['ab', Uint8Array.from([0x63]), 'd']);
  assert.equal(readFileSync(file, 'utf8'), 'abcd');
  writeFileAtomic(file, 'new');
  assert.equal(readFileSync(file, 'utf8'), 'new');
  writeFileAtomic(file, Uint8Array.from([1, 2]));
  assert.deepEqual([...readFileSync(file)], [1, 2]);
  assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.bin']);
}));

test('a checkpoint round trips its meta and tensors; rewriting leaves one weights file', () => withDir(async (dir) => {
  await writeCheckpoint(dir, 'h', meta(1), tensors);
  await writeCheckpoint(dir, 'h', meta(2), tensors);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('weights-')).length, 1);
  assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('weights-')), [MODEL_JSON]);
  const json = JSON.parse(readFileSync(join(dir, MODEL_JSON), 'utf8'));
  assert.equal(json.format, CHECKPOINT_KINDS.h.format);
  assert.equal(json.tensors[0].dtype, 'float32');
  const back = await readCheckpoint<ReturnType<typeof meta>>(dir, 'h');
  assert.deepEqual(back.meta, meta(2));
  assert.deepEqual(back.tensors, tensors);
  const take = tensorTaker('h', back.tensors);
  assert.deepEqual(take('param/w', [2, 3]), tensors[0].data);
  assert.throws(() => take('param/w', [3, 2]), /H′ checkpoint: tensor param\/w has shape \[2, 3\], the model needs \[3, 2\]/);
  assert.throws(() => take('param/v', [1]), /H′ checkpoint: missing tensor param\/v/);
}));

test('the kind is checked: an H′ checkpoint is not a model X checkpoint, and the other way round', () => withDir(async (dir) => {
  await writeCheckpoint(dir, 'h', meta(1), tensors);
  await assert.rejects(readCheckpoint(dir, 'x'), /is not a model X checkpoint \(format amplification-explorer\/model-h\)/);
  await writeCheckpoint(dir, 'x', meta(1), tensors);
  await assert.rejects(readCheckpoint(dir, 'h'), /is not an H′ checkpoint \(format amplification-explorer\/model-x\)/);
  await assert.rejects(readCheckpoint(join(dir, 'nowhere'), 'h'), /no H′ checkpoint in/);
}));

test('H′’s older layout (a tensor table without dtype) reads; a damaged table or weights file is a clear error', () => withDir(async (dir) => {
  await writeCheckpoint(dir, 'h', meta(4), tensors);
  const file = join(dir, MODEL_JSON);
  const json = JSON.parse(readFileSync(file, 'utf8'));
  for (const e of json.tensors) delete e.dtype;
  writeFileSync(file, JSON.stringify(json));
  assert.deepEqual((await readCheckpoint(dir, 'h')).tensors, tensors);
  json.tensors[1].dtype = 'int32';
  writeFileSync(file, JSON.stringify(json));
  await assert.rejects(readCheckpoint(dir, 'h'), /tensor adam\/m has dtype int32, not float32/);
  writeFileSync(file, JSON.stringify({ ...json, weightsFile: '../elsewhere.bin' }));
  await assert.rejects(readCheckpoint(dir, 'h'), /bad weightsFile/);
  writeFileSync(file, JSON.stringify({ ...json, version: 2 }));
  await assert.rejects(readCheckpoint(dir, 'h'), /unsupported H′ checkpoint version 2/);
  delete json.tensors[1].dtype;
  writeFileSync(file, JSON.stringify(json));
  writeFileSync(join(dir, json.weightsFile), new Uint8Array(8));
  await assert.rejects(readCheckpoint(dir, 'h'), /H′ checkpoint: tensor param\/w lies beyond the end/);
}));
