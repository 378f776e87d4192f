/**
 * Explorer webview tests (see run.ts) of the fit: the tree is fitted on every change until the user
 * pans or zooms (then a Re-fit button), never below a readable scale, without overlaps on the
 * largest trees of all five tasks; and the Curves panel (no space when empty, collapsible, resizable).
 */
import assert from 'node:assert/strict';
import type { Explorer } from './driver';
import { loaded, type WebviewTest } from './context';
import { initMessage, pinTree, run } from './fixtures';
import { largestTaskTree, TASK_NAMES } from './task-trees';

/** Chip text is 11 px at scale 1. */
const CHIP_PX = 11;

async function scale(ex: Explorer): Promise<number> {
  const t = (await ex.transform()) ?? '';
  return Number(/scale\(([\d.e-]+)\)/.exec(t)![1]);
}

const fitted = async (ex: Explorer): Promise<boolean> => (await ex.page.locator('svg.tree-svg').getAttribute('data-fitted')) === 'true';

interface Box {
  key: string;
  part: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The boxes (in layout coordinates) of the cards, stacks, "hidden" lines and order labels drawn
 * now, and the layout coordinates of the pane's top and bottom edges.
 */
async function drawnBoxes(ex: Explorer): Promise<{ boxes: Box[]; top: number; bottom: number; left: number; right: number }> {
  return ex.page.evaluate(() => {
    const svgEl = document.querySelector('svg.tree-svg')!;
    const m = /translate\(([-\d.e]+),([-\d.e]+)\) scale\(([\d.e-]+)\)/.exec(document.querySelector('g.viewport')!.getAttribute('transform')!)!;
    const [tx, ty, k] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const r0 = svgEl.getBoundingClientRect();
    const out: Box[] = [];
    for (const g of document.querySelectorAll<SVGGElement>('g.node')) {
      for (const el of g.querySelectorAll(':scope > rect.card, :scope > rect.stack, :scope > text.more, :scope > g.order')) {
        const r = el.getBoundingClientRect();
        out.push({ key: g.dataset.key!, part: el.getAttribute('class')!, x0: (r.left - r0.left - tx) / k, y0: (r.top - r0.top - ty) / k, x1: (r.right - r0.left - tx) / k, y1: (r.bottom - r0.top - ty) / k });
      }
    }
    return { boxes: out, top: -ty / k, bottom: (r0.height - ty) / k, left: -tx / k, right: (r0.width - tx) / k };
  });
}

/** Drags the tree by (dx, dy) px (positive: the content moves right / down). */
async function drag(ex: Explorer, dx: number, dy: number): Promise<void> {
  const pane = (await ex.page.locator('svg.tree-svg').boundingBox())!;
  const x0 = dx > 0 ? pane.x + 10 : dx < 0 ? pane.x + pane.width - 10 : pane.x + pane.width / 2;
  const y0 = dy > 0 ? pane.y + 10 : dy < 0 ? pane.y + pane.height - 10 : pane.y + pane.height / 2;
  await ex.page.mouse.move(x0, y0);
  await ex.page.mouse.down();
  await ex.page.mouse.move(x0 + dx, y0 + dy, { steps: 4 });
  await ex.page.mouse.up();
  await ex.frames();
}

/** Every node drawn while panning over the tree, column by column from its top-left corner. */
async function panThrough(ex: Explorer): Promise<Box[]> {
  const pane = (await ex.page.locator('svg.tree-svg').boundingBox())!;
  const w = pane.width - 20;
  const h = pane.height - 20;
  // To the top-left corner: until nothing is drawn above or left of the pane.
  for (let i = 0; i < 80; i++) {
    const d = await drawnBoxes(ex);
    assert.ok(d.boxes.length > 0, 'some of the tree is drawn');
    const up = Math.min(...d.boxes.map((b) => b.y0)) < d.top;
    const left = Math.min(...d.boxes.map((b) => b.x0)) < d.left;
    if (!up && !left) break;
    await drag(ex, left ? w : 0, up ? h : 0);
  }
  const seen = new Map<string, Box>();
  for (let col = 0; col < 20; col++) {
    let rows = 0;
    let right = false;
    for (;;) {
      const d = await drawnBoxes(ex);
      for (const b of d.boxes) if (!seen.has(`${b.key}|${b.part}`)) seen.set(`${b.key}|${b.part}`, b);
      right ||= Math.max(...d.boxes.map((b) => b.x1)) > d.right;
      if (d.boxes.length && Math.max(...d.boxes.map((b) => b.y1)) <= d.bottom) break;
      await drag(ex, 0, -h);
      rows++;
    }
    if (!right) break;
    // Back up and one column to the right.
    for (let i = 0; i < rows; i++) await drag(ex, 0, h);
    await drag(ex, -w, 0);
  }
  return [...seen.values()];
}

/** Are all the drawn cards inside the pane? */
async function allInView(ex: Explorer): Promise<boolean> {
  const d = await drawnBoxes(ex);
  return d.boxes.every((b) => b.y0 >= d.top && b.y1 <= d.bottom);
}

function overlaps(boxes: Box[]): string[] {
  const found: string[] = [];
  const sorted = [...boxes].sort((a, b) => a.y0 - b.y0);
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length && sorted[j].y0 < a.y1 - 0.5; j++) {
      const b = sorted[j];
      if (a.key === b.key) continue;
      if (Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 0.5 && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 0.5) found.push(`${a.part} of "${a.key}" overlaps ${b.part} of "${b.key}"`);
    }
  }
  return found;
}

export const fitTests: WebviewTest[] = [
  {
    name: 'fit: fitted on every tree change until the user pans or zooms, then a Re-fit button',
    async run(ctx) {
      const small = pinTree('p1', 12, { depth: 2 });
      const ex = await loaded(ctx, 'light', small);
      const refit = ex.page.locator('.tree-pane button.refit');
      assert.ok(await fitted(ex), 'the first view is fitted');
      assert.ok(!(await refit.isVisible()), 'no Re-fit button while fitted');
      const k0 = await scale(ex);
      // A bigger tree of the same question (decomposed a level deeper): fitted again.
      const t0 = await ex.transform();
      await ex.send({ type: 'tree', tree: pinTree('p1', 12, { depth: 4 }) });
      assert.ok(await fitted(ex), 'still fitted after the change');
      assert.notEqual(await ex.transform(), t0, 'the bigger tree is fitted again');
      assert.ok((await allInView(ex)) || Math.abs((await scale(ex)) * CHIP_PX - 10) < 1e-6, 'all of it in view, or at the smallest readable scale');
      // The user zooms: the next tree keeps the view, and Re-fit appears.
      const box = (await ex.page.locator('svg.tree-svg').boundingBox())!;
      await ex.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await ex.page.mouse.wheel(0, 200);
      await ex.frames();
      assert.ok(!(await fitted(ex)), 'zooming ends the automatic fit');
      assert.ok(await refit.isVisible(), 'Re-fit shows once the user moved the view');
      const moved = await ex.transform();
      await ex.send({ type: 'tree', tree: pinTree('p1', 11) });
      assert.equal(await ex.transform(), moved, 'a moved view is kept on a tree change');
      await refit.click();
      await ex.frames();
      assert.ok(await fitted(ex), 'Re-fit fits again');
      assert.ok(!(await refit.isVisible()));
      assert.notEqual(await ex.transform(), moved);
      await ex.send({ type: 'tree', tree: small });
      assert.ok(await fitted(ex), 'and keeps fitting on changes');
      assert.ok(Math.abs((await scale(ex)) - k0) < 1e-6, 'the same tree as first gets the same fit');
    },
  },
  ...TASK_NAMES.map((task): WebviewTest => ({
    name: `fit: the largest ${task} tree is readable (chip text ≥ 10 px) and nothing overlaps`,
    async run(ctx) {
      const tree = largestTaskTree(task);
      const ex = await ctx.open({ width: 1800, height: 1600 });
      await ex.send(initMessage());
      await ex.send({ type: 'tree', tree });
      const k = await scale(ex);
      assert.ok(k * CHIP_PX >= 10 - 1e-6, `${task}: chip text ${(k * CHIP_PX).toFixed(1)} px at the fit`);
      // The default view, then everything below the root's children collapsed (each with its
      // "n hidden" line right above the next sibling).
      for (const view of ['default', 'collapsed'] as const) {
        if (view === 'collapsed') {
          await ex.page.getByRole('button', { name: 'Collapse all' }).click();
          await ex.page.locator('.tree-pane').focus();
          await ex.press('f');
        }
        // Pan through the tree (as a user would, by dragging), collecting what is drawn.
        const boxes = await panThrough(ex);
        const laidOut = Number(await ex.page.locator('svg.tree-svg').getAttribute('data-laid-out'));
        const keys = new Set(boxes.map((b) => b.key));
        assert.equal(keys.size, laidOut, `${task}, ${view}: every laid-out node was seen while panning`);
        if (view === 'collapsed') assert.ok(boxes.filter((b) => b.part.startsWith('more')).length >= 2, `${task}: collapsed nodes show what they hide`);
        const bad = overlaps(boxes);
        assert.deepEqual(bad.slice(0, 5), [], `${task} (${tree.nodes} nodes), ${view}: ${bad.length} overlaps`);
        ctx.log(`${task}, ${view}: ${tree.nodes} nodes, ${laidOut} laid out, chip text ${(k * CHIP_PX).toFixed(1)} px`);
      }
    },
  })),
  {
    name: 'Curves: no space while there are no rounds; collapsible; resizable',
    async run(ctx) {
      const ex = await ctx.open();
      const empty = { ...run(), rounds: [] };
      await ex.send(initMessage({ run: empty, compare: undefined }));
      await ex.send({ type: 'tree', tree: pinTree('p1', 0, { previous: null }) });
      const curves = ex.page.locator('details.charts-wrap');
      assert.ok(!(await curves.isVisible()), 'no Curves panel without rounds');
      const treeH0 = (await ex.page.locator('.tree-wrap').boundingBox())!.height;
      await ex.send({ type: 'round', round: run().rounds[0] });
      assert.ok(await curves.isVisible(), 'the Curves panel appears with the first round');
      const treeH1 = (await ex.page.locator('.tree-wrap').boundingBox())!.height;
      assert.ok(treeH0 - treeH1 > 100, `the tree had the Curves panel's space before (${treeH0} vs ${treeH1})`);
      // Collapsible: the summary closes it to one line.
      await curves.locator('summary').click();
      assert.ok(((await curves.boundingBox())!.height) < 30, 'collapsed to its summary');
      await curves.locator('summary').click();
      // Resizable: drag the corner handle of the charts up.
      const charts = (await curves.locator('.charts').boundingBox())!;
      await ex.page.mouse.move(charts.x + charts.width - 3, charts.y + charts.height - 3);
      await ex.page.mouse.down();
      await ex.page.mouse.move(charts.x + charts.width - 3, charts.y + charts.height - 63, { steps: 4 });
      await ex.page.mouse.up();
      await ex.frames();
      const after = (await curves.locator('.charts').boundingBox())!;
      assert.ok(charts.height - after.height > 40, `the charts' height follows the handle (${charts.height} → ${after.height})`);
    },
  },
];
