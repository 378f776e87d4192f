/**
 * Explorer webview tests (see run.ts) of the header: "the round" is one value from the host
 * (StatusView.round, the rounds trained) and the pill, the progress line, the round label and the
 * tree agree at every message of a training sequence, of a pause and of a reopening; a check of a
 * task (its counterexample) is read-only; the header keeps to one line while training; the curves'
 * colours read on the panel in every theme.
 */
import assert from 'node:assert/strict';
import type { Explorer } from './driver';
import { loaded, type WebviewTest } from './context';
import type { Theme } from './harness';
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

/** The header's box, its rows, and the tops of the title row's items (one line: the same top). */
async function headerLayout(ex: Explorer): Promise<{ height: number; rows: number[]; titleTops: number[]; slider: { x: number; y: number; width: number } }> {
  return ex.page.evaluate(() => {
    const header = document.querySelector<HTMLElement>('header.top')!;
    const title = header.querySelector<HTMLElement>('.title-row')!;
    const items = [...title.children].filter((c) => !c.classList.contains('spacer') && getComputedStyle(c).display !== 'none');
    const slider = header.querySelector<HTMLElement>('.slider')!.getBoundingClientRect();
    return {
      height: header.getBoundingClientRect().height,
      rows: [...header.children].map((r) => Math.round(r.getBoundingClientRect().height)),
      titleTops: items.map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2)),
      slider: { x: Math.round(slider.x), y: Math.round(slider.y), width: Math.round(slider.width) },
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
        assert.equal(await ex.page.locator('.inspector .targets-section').count(), 0, 'no training targets (a check has no run)');
        await ex.screenshot(`check-${theme}`);
        // A run after it gets its controls back.
        await ex.send(initMessage({ compare: null }));
        assert.equal(await ex.page.getByRole('button', { name: 'Train one round' }).count(), 1);
        assert.deepEqual(await ex.problems(), []);
        await ex.close();
      }
    },
  },
  {
    name: 'header: one line of icons and a still timeline while training, at 700 and 1200 px',
    async run(ctx) {
      for (const width of [700, 1200]) {
        const ex = await ctx.open({ theme: 'dark', width, height: 800 });
        await ex.send(initMessage({ compare: null }));
        await ex.send({ type: 'tree', tree: pinTree('p1', 12) });
        const idle = await headerLayout(ex);
        ctx.log(`${width} px idle: ${JSON.stringify(idle)}`);
        for (const phase of ['targets', 'checkpoint']) {
          await ex.send({ type: 'status', status: { status: 'running', round: 12, phase } });
          const running = await headerLayout(ex);
          ctx.log(`${width} px ${phase}: ${JSON.stringify(running)}`);
          assert.equal(new Set(running.titleTops).size, 1, `${width} px, ${phase}: the title row is one line (${running.titleTops})`);
          assert.equal(running.height, idle.height, `${width} px, ${phase}: the header keeps its height`);
          assert.ok(running.rows.every((h) => h <= 32), `${width} px, ${phase}: no row wraps (${running.rows})`);
          assert.deepEqual({ x: running.slider.x, y: running.slider.y }, { x: idle.slider.x, y: idle.slider.y }, `${width} px, ${phase}: the timeline does not jump`);
          const overflow = await ex.page.evaluate(() => [...document.querySelectorAll<HTMLElement>('header.top .title-row > *, header.top .timeline > *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).map((el) => el.className));
          assert.deepEqual(overflow, [], `${width} px, ${phase}: nothing is pushed out of the panel`);
          const info = await ex.page.locator('header.top .round-info').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, text: el.textContent }));
          assert.ok(info.scroll <= info.client, `${width} px, ${phase}: the round's figures are whole (${JSON.stringify(info)})`);
        }
        if (width === 700) await ex.screenshot('header-700-training-dark');
        await ex.close();
      }
    },
  },
  {
    name: 'curve colours: every curve and its legend reads at ≥ 3:1 on the panel in the light, dark and both high-contrast themes',
    async run(ctx) {
      for (const theme of ['light', 'dark', 'hc', 'hc-light'] as Theme[]) {
        const ex = await loaded(ctx, theme);
        const found = await ex.page.evaluate(() => {
          const rgb = (c: string): number[] => {
            // Resolve any CSS colour to rgba through a canvas.
            const cv = document.createElement('canvas').getContext('2d')!;
            cv.fillStyle = c;
            const v = cv.fillStyle;
            if (v.startsWith('#')) return [1, 3, 5].map((i) => parseInt(v.slice(i, i + 2), 16)).concat(1);
            return v.replace(/[^\d.,]/g, '').split(',').map(Number);
          };
          const lum = ([r, g, b]: number[]): number => {
            const f = (x: number): number => ((x /= 255) <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const bg = rgb(getComputedStyle(document.querySelector('.charts-wrap')!).backgroundColor);
          const over = (c: number[]): number[] => (c[3] === undefined || c[3] >= 1 ? c : c.slice(0, 3).map((x, i) => x * c[3] + bg[i] * (1 - c[3])));
          const ratio = (c: string): number => {
            const [a, b] = [lum(over(rgb(c))), lum(bg)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);
          };
          const out: { what: string; colour: string; ratio: number }[] = [];
          for (const el of document.querySelectorAll<SVGPathElement>('.charts path.series')) {
            const colour = getComputedStyle(el).stroke;
            out.push({ what: `line ${el.getAttribute('class')}`, colour, ratio: ratio(colour) });
          }
          for (const el of document.querySelectorAll<HTMLElement>('.charts .legend .key')) {
            const colour = getComputedStyle(el).color;
            out.push({ what: `legend ${el.textContent}`, colour, ratio: ratio(colour) });
          }
          return out;
        });
        for (const cls of ['s-x', 's-target', 's-compare', 's-agree', 's-size', 's-calls']) assert.ok(found.some((f) => f.what.includes(cls)), `${theme}: a ${cls} line is measured`);
        assert.ok(found.some((f) => f.what.includes('targets (Amplify)')), `${theme}: the targets' legend is measured`);
        ctx.log(`${theme}: ${[...new Set(found.map((f) => `${f.what.replace(/^line series /, '')} ${f.ratio.toFixed(1)}`))].join(', ')}`);
        const low = found.filter((f) => f.ratio < 3);
        assert.deepEqual(low, [], `${theme}: colours under 3:1`);
        if (theme !== 'light') await ex.screenshot(`curves-${theme}`);
        await ex.close();
      }
    },
  },
];
