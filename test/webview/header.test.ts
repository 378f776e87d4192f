/**
 * Explorer webview tests (see run.ts) of the header: "the round" is one value from the host
 * (StatusView.round, the rounds trained) and the pill, the progress line, the round label and the
 * tree agree at every message of a training sequence, of a pause and of a reopening; a check of a
 * task (its counterexample) is read-only.
 */
import assert from 'node:assert/strict';
import type { Explorer } from './driver';
import type { WebviewTest } from './context';
import { initMessage, pinTree, PINS, rounds, run } from './fixtures';

/** What each part of the page says of the round. */
async function roundsShown(ex: Explorer): Promise<{ pill: string; progress: string | null; label: string; tree: string }> {
  return ex.page.evaluate(() => {
    const text = (sel: string): string => (document.querySelector(sel)?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const progress = document.querySelector<HTMLElement>('.progress');
    return {
      pill: text('header.top .status').slice(text('header.top .status .glyph').length).trim(),
      progress: progress && !progress.hidden ? text('.progress') : null,
      label: text('header.top .round-label'),
      tree: /round (\d+)/.exec(text('.qbar .root-summary'))?.[1] ?? '',
    };
  });
}

export const headerTests: WebviewTest[] = [
  {
    name: 'rounds: the pill, the progress line, the round label and the tree agree during training, pause and reopening',
    async run(ctx) {
      const ex = await ctx.open({ theme: 'light' });
      // Round 12 recorded, idle.
      await ex.send(initMessage({ compare: null }));
      await ex.send({ type: 'tree', tree: pinTree('p1', 12) });
      assert.deepEqual(await roundsShown(ex), { pill: 'idle', progress: null, label: 'round 12 / 12', tree: '12' });
      // Round 13 trains: the header says so and shows round 12.
      for (const phase of ['targets', 'train', 'eval', 'pinned', 'checkpoint']) {
        await ex.send({ type: 'status', status: { status: 'running', round: 12, phase } });
        const s = await roundsShown(ex);
        assert.equal(s.pill, `training round 13 · ${phase}`);
        assert.ok(s.progress?.startsWith(`Training round 13 · ${phase}`), `progress: ${s.progress}`);
        assert.deepEqual([s.label, s.tree], ['round 12 / 12', '12'], phase);
      }
      // Round 13 is recorded (the host posts the round, the status, then the tree).
      const r13 = rounds(13)[12];
      await ex.send({ type: 'round', round: r13 });
      await ex.send({ type: 'status', status: { status: 'running', round: 13 } });
      let s = await roundsShown(ex);
      assert.equal(s.pill, 'training round 14');
      assert.deepEqual([s.label, s.tree], ['round 12 / 13', '12'], 'the tree shown is still round 12, and says so');
      await ex.send({ type: 'tree', tree: pinTree('p1', 13) });
      s = await roundsShown(ex);
      assert.deepEqual([s.label, s.tree], ['round 13 / 13', '13']);
      assert.ok(s.progress?.startsWith('Training round 14'), `progress: ${s.progress}`);
      // Pause: the worker finishes round 14, which is recorded, then goes idle.
      await ex.send({ type: 'status', status: { status: 'running', round: 13, phase: 'checkpoint' } });
      await ex.send({ type: 'round', round: { ...r13, round: 14 } });
      await ex.send({ type: 'status', status: { status: 'running', round: 14 } });
      await ex.send({ type: 'tree', tree: pinTree('p1', 14) });
      await ex.send({ type: 'status', status: { status: 'idle', round: 14 } });
      const paused = await roundsShown(ex);
      assert.deepEqual(paused, { pill: 'idle', progress: null, label: 'round 14 / 14', tree: '14' });
      // Reopening the run shows the same.
      await ex.reload();
      const recorded = [...rounds(13), { ...r13, round: 14 }];
      await ex.send(initMessage({ compare: null, run: { ...run(), rounds: recorded }, selectedRound: 14, status: { status: 'idle', round: 14 } }));
      await ex.send({ type: 'tree', tree: pinTree('p1', 14) });
      assert.deepEqual(await roundsShown(ex), paused, 'the same after reopening');
      assert.deepEqual(await ex.problems(), []);
    },
  },
  {
    name: 'check view: a counterexample is a read-only check of the task, without training controls or curves',
    async run(ctx) {
      for (const theme of ['light', 'dark'] as const) {
        const ex = await ctx.open({ theme });
        const check = { ...run('20261130-check-permutation-powering', 0), kind: 'check' as const, mode: 'supervised', backend: 'fake' };
        await ex.send(initMessage({ run: check, compare: null, pins: [{ ...PINS[0], label: 'counterexample 2 of 3' }], selectedRound: 0, status: { status: 'idle', round: 0 } }));
        await ex.send({ type: 'tree', tree: pinTree('p1', 0, { previous: null, recorded: 0 }) });
        const title = (await ex.page.locator('header.top .run-summary').textContent())!.replace(/\s+/g, ' ');
        assert.equal(title, 'check·permutation-powering·counterexample 2 of 3');
        assert.equal((await ex.page.locator('header.top .status').textContent())!.slice(1), 'read-only');
        for (const name of ['Run more rounds of training', 'Pause training', 'Train one round', 'Previous round ([)', 'Next round (])']) {
          assert.equal(await ex.page.getByRole('button', { name }).count(), 0, `no ${name}`);
        }
        assert.equal(await ex.page.locator('header.top .timeline').count(), 0, 'no rounds');
        assert.ok(!(await ex.page.locator('details.charts-wrap').isVisible()), 'no curves');
        const text = await ex.page.evaluate(() => document.body.innerText);
        for (const word of ['targets (Amplify)', 'supervised', 'Training round', 'round 0']) assert.ok(!text.includes(word), `no "${word}"`);
        assert.ok(await ex.node('').isVisible(), 'the tree shows');
        await ex.screenshot(`check-${theme}`);
        // A run after it gets its controls back.
        await ex.send(initMessage({ compare: null }));
        assert.equal(await ex.page.getByRole('button', { name: 'Train one round' }).count(), 1);
        assert.deepEqual(await ex.problems(), []);
        await ex.close();
      }
    },
  },
];
