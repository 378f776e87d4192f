/**
 * Explorer webview tests (see run.ts) of the page around the tree: the welcome without a run,
 * errors (malformed host messages), the view state across a reload, training in progress, the
 * question bar.
 */
import assert from 'node:assert/strict';
import { clickNode, loaded, type WebviewTest } from './context';
import { initMessage, nodeAt, nodesOf, PINS, pinTree, TASKS } from './fixtures';

export const pageTests: WebviewTest[] = [
  {
    name: 'no run: the welcome lists the tasks and New Run posts the command',
    async run(ctx) {
      const ex = await ctx.open();
      await ex.send(initMessage({ run: null, compare: null, pins: [], selectedPin: null, selectedRound: null, status: { status: 'none', round: 0 } }));
      const welcome = ex.page.locator('.welcome');
      assert.ok(await welcome.isVisible(), 'the welcome shows');
      assert.equal(await ex.page.locator('.welcome .task').count(), TASKS.length);
      for (const t of TASKS) {
        const item = ex.page.locator('.welcome .task', { hasText: t.name });
        assert.ok((await item.textContent())!.includes(t.description), `${t.name} has its description`);
        assert.ok((await item.textContent())!.includes(t.example), `${t.name} has its example`);
      }
      await ex.screenshot('welcome-light');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Start a new training run' }).click();
      await ex.waitPosted('command', (m) => m.command === 'newRun');
      await ex.close();
    },
  },
  {
    name: 'malformed host messages show an error and leave the UI working',
    async run(ctx) {
      const ex = await loaded(ctx);
      const bad: unknown[] = [
        null,
        'tree',
        42,
        { type: 'nope' },
        { type: 'tree' },
        { type: 'tree', tree: { root: {}, facts: [] } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, children: 'many' } } },
        { type: 'init', pins: [], status: {}, tasks: [], run: null },
        { type: 'round', round: { round: 3 } },
        { type: 'status', status: { status: 'exploded', round: 1 } },
        { type: 'annotations', annotations: [{ id: 1 }] },
        // The protocol's newer fields, malformed.
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, opened: 'yes' } } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, mentions: [0, 99] } } },
        { type: 'tree', tree: { ...pinTree('p1', 12), root: { ...pinTree('p1', 12).root, history: [true, 'no'] } } },
        { type: 'error', message: 'bad place', file: 'a.ts', line: -3 },
      ];
      for (const m of bad) await ex.send(m);
      const banners = ex.page.locator('.banner.error');
      assert.ok((await banners.count()) >= 1, 'an error banner shows');
      assert.ok((await banners.last().textContent())!.includes('malformed'), await banners.last().textContent() ?? '');
      // The tree and the header are intact.
      assert.equal(await ex.page.locator('g.node').count(), [...nodesOf(pinTree('p1', 12).root)].length);
      assert.ok((await ex.page.locator('.round-label').textContent())!.includes('round 12'));
      assert.ok((await banners.last().textContent())!.includes('malformed error: line'), 'a malformed error place is refused');
      assert.equal(await ex.page.locator('.banner .open-file').count(), 0, 'no file link for an error without a file');
      // A host error with its detail and its place: "Open file:line" posts openFile.
      const file = 'examples/range-max.task.ts';
      await ex.send({ type: 'error', message: `${file} failed to compile`, detail: `${file}:12:3: ERROR: Expected ";"`, file, line: 12, column: 3 });
      assert.ok((await banners.last().textContent())!.includes('failed to compile'));
      const link = banners.last().locator('.banner-msg .open-file');
      assert.equal(await link.textContent(), `Open ${file}:12`);
      await ex.screenshot('errors-light');
      await ex.clearPosted();
      await link.click();
      assert.deepEqual(await ex.waitPosted('openFile'), { type: 'openFile', file, line: 12 });
      assert.ok((await banners.last().textContent())!.includes('earlier error'), 'earlier errors are listed');
      // Dismissable, and the UI still works.
      await banners.first().getByRole('button', { name: /^Dismiss this error/ }).click();
      assert.ok((await banners.last().textContent())!.includes('malformed'), 'the previous error shows');
      await banners.first().getByRole('button', { name: 'Dismiss all errors' }).click();
      assert.equal(await banners.count(), 0);
      await clickNode(ex, '1');
      assert.equal(await ex.selectedKey(), '1');
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      assert.deepEqual(ex.errors, [], 'no exception escaped');
      await ex.close();
    },
  },
  {
    name: 'the view state survives a reload (getState/setState)',
    async run(ctx) {
      const ex = await ctx.open();
      await ex.send(initMessage({ selectedPin: 'p2', selectedRound: 12 }));
      await ex.send({ type: 'tree', tree: pinTree('p2', 12) });
      await ex.press('[');
      await ex.send({ type: 'tree', tree: pinTree('p2', 11) });
      await ex.press('[');
      await ex.send({ type: 'tree', tree: pinTree('p2', 10) });
      await clickNode(ex, '0');
      await ex.press('ArrowLeft'); // collapse node 0 (locally)
      assert.ok((await ex.node('0').getAttribute('class'))!.includes('collapsed'));
      await ex.press('ArrowDown');
      assert.equal(await ex.selectedKey(), '1');
      const svgBox = (await ex.page.locator('svg.tree-svg').boundingBox())!;
      await ex.page.mouse.move(svgBox.x + svgBox.width / 2, svgBox.y + svgBox.height / 2);
      await ex.page.mouse.wheel(0, 240);
      await ex.page.mouse.down();
      await ex.page.mouse.move(svgBox.x + svgBox.width / 2 - 70, svgBox.y + svgBox.height / 2 + 40, { steps: 5 });
      await ex.page.mouse.up();
      await ex.frames();
      await ex.press('t'); // hide the truth
      const transform = await ex.transform();
      await ex.page.waitForTimeout(300); // the debounced save
      await ex.reload();
      assert.equal(await ex.page.locator('g.node').count(), 0);
      await ex.clearPosted();
      // A restarted host that forgot the pin and round: the webview asks for them again.
      await ex.send(initMessage({ selectedPin: 'p1', selectedRound: 12 }));
      await ex.waitPosted('selectPin', (m) => m.pin === 'p2');
      await ex.waitPosted('selectRound', (m) => m.round === 10);
      await ex.send({ type: 'tree', tree: pinTree('p2', 10) });
      assert.equal(await ex.selectedKey(), '1', 'the selection is restored');
      assert.ok((await ex.node('0').getAttribute('class'))!.includes('collapsed'), 'the collapsed node stays collapsed');
      assert.equal(await ex.transform(), transform, 'zoom and pan are restored');
      assert.equal(await ex.page.locator('.chip.c-truth').count(), 0, 'the truth stays hidden');
      assert.equal(await ex.page.locator('.inspector .insp-title').textContent(), nodeAt(pinTree('p2', 10).root, [1])!.label);
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'training in progress, pause, and a crash keep the recorded rounds browsable',
    async run(ctx) {
      const ex = await loaded(ctx, 'dark');
      await ex.clearPosted();
      await ex.page.locator('input.run-count').fill('5');
      await ex.page.getByRole('button', { name: 'Run more rounds of training' }).click();
      assert.deepEqual(await ex.waitPosted('runRounds'), { type: 'runRounds', rounds: 5 });
      await ex.send({ type: 'status', status: { status: 'running', round: 12, phase: 'train' } });
      assert.ok((await ex.page.locator('.status').textContent())!.includes('training round 13 · train'));
      assert.ok(await ex.page.locator('.progress').isVisible());
      assert.ok((await ex.page.locator('.progress').textContent())!.includes('left'), 'an ETA shows');
      await ex.screenshot('running-dark');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Pause training' }).click();
      await ex.waitPosted('pause');
      await ex.send({ type: 'status', status: { status: 'crashed', round: 12, message: 'worker exited with code 134 (out of memory)' } });
      const notice = ex.page.locator('.notice.crashed');
      assert.ok((await notice.textContent())!.includes('out of memory'));
      assert.ok((await ex.page.locator('.status').textContent())!.includes('crashed'));
      await ex.clearPosted();
      await ex.press('[');
      await ex.waitPosted('selectRound', (m) => m.round === 11);
      await ex.send({ type: 'tree', tree: pinTree('p1', 11) });
      await ex.screenshot('crashed-dark');
      await ex.clearPosted();
      await ex.page.getByRole('button', { name: 'Train one round' }).click();
      await ex.waitPosted('step');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
  {
    name: 'question bar: select a pin, sample, pin a typed question; buttons are named',
    async run(ctx) {
      const ex = await loaded(ctx);
      await ex.clearPosted();
      await ex.page.locator('.qbar select').selectOption('p3');
      await ex.waitPosted('selectPin', (m) => m.pin === 'p3');
      await ex.send({ type: 'tree', tree: pinTree('p3', 12) });
      assert.equal(await ex.node('').getAttribute('data-label'), PINS[2].label);
      await ex.page.getByRole('button', { name: 'Sample a new question' }).click();
      await ex.waitPosted('sampleQuestion');
      await ex.page.locator('.pin-text').fill('σ^5(ab)');
      await ex.page.getByRole('button', { name: 'Pin this question' }).click();
      await ex.waitPosted('pinQuestion', (m) => m.text === 'σ^5(ab)');
      await ex.send({ type: 'pins', pins: [...PINS, { id: 'p4', label: 'σ^5(ab)', question: ['pow', '0', '0', '0', '1', '0', '1', 'ab'] }], selectedPin: 'p4' });
      assert.equal(await ex.page.locator('.qbar select option').count(), 4);
      const unnamed = await ex.page.evaluate(() => [...document.querySelectorAll('button')].filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim())).length);
      assert.equal(unnamed, 0, 'every button has a name');
      for (const cmd of ['openRun', 'compareRuns', 'exportAnnotations'] as const) {
        const name = { openRun: 'Open Run…', compareRuns: 'Compare with another run…', exportAnnotations: 'Export the notes' }[cmd];
        await ex.page.getByRole('button', { name }).click();
        await ex.waitPosted('command', (m) => m.command === cmd);
      }
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
