/**
 * The counterexample view is a read-only check of the task: the host says `kind: 'check'` and
 * refuses to train it.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { builtinTask, makeContext } from '../../../src/core/index';
import { BASELINE_MODE } from '../../../src/engine/modes/index';
import { DEFAULT_CONFIG } from '../../../src/engine/run-config';
import { RunFolder } from '../../../src/engine/run-folder';
import { RUN_FORMAT_VERSION, type RunMeta } from '../../../src/engine/run-types';
import { ExplorerController, type ControllerHost } from '../../../src/extension/controller';
import { RunSession } from '../../../src/extension/session';
import type { HostMessage } from '../../../src/protocol/explorer';
import { learnerModule, workerFile } from '../engine/fake-worker';

const pp = builtinTask('permutation-powering')!;

test('a check folder is shown as kind "check" with its counterexample; Step and Run are refused and start no worker', async () => {
  const folder = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'amp-check-')), 'check');
  const instance = { size: 8, seed: 'c', index: 0 };
  const meta: RunMeta = {
    formatVersion: RUN_FORMAT_VERSION, id: path.basename(folder), kind: 'check', createdAt: new Date().toISOString(), taskName: pp.name,
    config: { ...DEFAULT_CONFIG, task: pp.name, size: 8, mode: BASELINE_MODE }, backend: 'fake', versions: {},
  };
  const x = makeContext(pp, instance).facts[0][0];
  RunFolder.create(folder, meta).savePinned([{ id: 'counterexample', instance, question: pp.format.parseQuestion!(`σ^5(${x})`)!, label: 'counterexample 2 of 3' }]);
  const session = await RunSession.open(folder);
  const posted: HostMessage[] = [];
  const module = await learnerModule();
  const host: ControllerHost = { post: (m) => posted.push(m), command: () => undefined, openFile: () => undefined, workerOptions: () => ({ workerFile, learnerModule: module }) };
  const ctl = new ExplorerController(host);
  await ctl.setSession(session);
  const init = posted.find((m) => m.type === 'init') as Extract<HostMessage, { type: 'init' }>;
  assert.equal(init.run!.kind, 'check');
  assert.deepEqual(init.run!.rounds, []);
  assert.equal(init.pins[0].label, 'counterexample 2 of 3');
  assert.ok(posted.some((m) => m.type === 'tree'), 'its tree is shown');
  for (const m of [{ type: 'step' }, { type: 'runRounds', rounds: 3 }] as const) {
    posted.length = 0;
    await ctl.handle(m);
    const err = posted.find((p) => p.type === 'error') as Extract<HostMessage, { type: 'error' }> | undefined;
    assert.match(err?.message ?? '', /read-only: it has no training/, m.type);
  }
  assert.equal(session.worker, undefined, 'no worker was started');
  await session.dispose();
});
