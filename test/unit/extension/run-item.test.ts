import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/engine/run';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../../src/engine/run-types';
import type { RunItem } from '../../../src/extension/run-discovery';
import { runItemText } from '../../../src/extension/runs/run-item';

const meta = {
  formatVersion: RUN_FORMAT_VERSION, id: '2026-11-30T20-44-permutation-amplify-a1b2', taskName: 'permutation', backend: 'cpu',
  createdAt: '2026-11-30T20:44:00Z', config: { ...DEFAULT_CONFIG, mode: 'amplify' },
} as unknown as RunMeta;

test('a Runs row: short label (task · mode), round and X% in the description, the full id and details in the tooltip', () => {
  const r: RunItem = { kind: 'run', folder: '/w/.amplification/runs/x', meta, round: 12, accuracy: 0.923, size: 16, experiment: 'sweep' };
  const t = runItemText(r, 2, 'idle');
  assert.equal(t.label, 'permutation · amplify');
  assert.equal(t.description, 'r12 · X 92%');
  // What the default sidebar width (~300 px, ~35 characters beside the icon) shows.
  assert.ok(`${t.label}  ${t.description}`.length <= 35, `${t.label}  ${t.description}`);
  for (const part of [`**${meta.id}**`, 'task: permutation', 'mode: amplify', 'rounds: 12', "X's accuracy: 92.3%", 'N=16', 'human transcripts: 2', 'experiment: sweep', 'status: idle', '/w/.amplification/runs/x']) {
    assert.ok(t.tooltip.includes(part), `tooltip has ${part}`);
  }
});

test('a Runs row of a run not trained yet: round 0, no X%, no optional details', () => {
  const t = runItemText({ kind: 'run', folder: '/r', meta, round: 0, accuracy: undefined, size: undefined }, 0, 'running');
  assert.equal(t.description, 'r0');
  assert.ok(!t.tooltip.includes('accuracy') && !t.tooltip.includes('N=') && !t.tooltip.includes('human') && !t.tooltip.includes('experiment'));
  assert.ok(t.tooltip.includes('status: running'));
});
