/**
 * Explorer webview benchmark (see run.ts): a 5,000-node tree — first render, panning, expand all,
 * a new round, the overview; the numbers are logged.
 */
import assert from 'node:assert/strict';
import type { WebviewTest } from './context';
import { bigTree, initMessage, nodesOf, PINS } from './fixtures';

export const benchTests: WebviewTest[] = [
  {
    name: 'a 5,000-node tree renders and pans (benchmark)',
    async run(ctx) {
      const ex = await ctx.open({ width: 1400, height: 900 });
      const big = bigTree(5000);
      assert.equal([...nodesOf(big.root)].length, 5000);
      await ex.send(initMessage({ pins: [...PINS, { id: 'big', label: big.root.label, question: big.root.question }], selectedPin: 'big' }));
      // The tree is put in the page first (as postMessage's structured clone would deliver it), so
      // that the time measured is the webview's: validate, index, lay out, draw, and the frames.
      await ex.page.evaluate((tree) => {
        (window as unknown as { __big: unknown }).__big = { type: 'tree', tree };
      }, big);
      await ex.page.waitForTimeout(500);
      const first = await ex.page.evaluate(() => new Promise<{ dispatch: number; frame: number }>((resolve) => {
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: (window as unknown as { __big: unknown }).__big }));
        const t1 = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ dispatch: t1 - t0, frame: performance.now() - t0 })));
      }));
      const stats = async () => ex.page.evaluate(() => {
        const s = document.querySelector<SVGSVGElement>('svg.tree-svg')!;
        return { laidOut: Number(s.dataset.laidOut), inDom: Number(s.dataset.rendered), mode: s.dataset.mode ?? 'detail', elements: s.querySelectorAll('*').length };
      });
      const s1 = await stats();
      ctx.log(`5,000 nodes, first render: ${first.dispatch.toFixed(1)} ms to validate+index+lay out+draw, ${first.frame.toFixed(1)} ms to the second frame; ${s1.laidOut} nodes open by default, ${s1.inDom} in the DOM (${s1.elements} SVG elements)`);
      assert.ok(s1.laidOut > 0 && s1.laidOut <= 400, 'nodes beyond a depth start collapsed');
      await ex.screenshot('tree-5000-light');

      const pan = async (label: string): Promise<void> => {
        const box = (await ex.page.locator('svg.tree-svg').boundingBox())!;
        await ex.page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __stop: boolean };
          w.__frames = [];
          w.__stop = false;
          let last = performance.now();
          const tick = (t: number): void => {
            w.__frames.push(t - last);
            last = t;
            if (!w.__stop) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        });
        const cx = box.x + box.width / 2;
        const cy = box.y + box.height / 2;
        await ex.page.mouse.move(cx, cy);
        await ex.page.mouse.down();
        for (let i = 1; i <= 90; i++) {
          await ex.page.mouse.move(cx - i * 9, cy + Math.sin(i / 9) * 120);
          await ex.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
        }
        await ex.page.mouse.up();
        // d3-zoom swallows the click that ends a drag (until a 0 ms timer): let it pass.
        await ex.page.waitForTimeout(50);
        const frames = await ex.page.evaluate(() => {
          const w = window as unknown as { __frames: number[]; __stop: boolean };
          w.__stop = true;
          return w.__frames.slice(1);
        });
        const sorted = [...frames].sort((a, b) => a - b);
        const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
        const s = await stats();
        ctx.log(`pan (${label}): ${frames.length} frames, median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms, ${frames.filter((f) => f > 50).length} frames > 50 ms; ${s.inDom} nodes in the DOM, mode ${s.mode}`);
      };
      await pan('default depth, readable scale');

      const tExpand = await ex.page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>('button[aria-label="Expand all"]')!.click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }));
      const s2 = await stats();
      ctx.log(`expand all: ${tExpand.toFixed(1)} ms to the second frame; ${s2.laidOut} laid out, ${s2.inDom} in the DOM`);
      assert.equal(s2.laidOut, 5000);
      assert.ok(s2.inDom < 600, `only the visible nodes are in the DOM (${s2.inDom})`);
      await pan('all 5,000 open');

      // Stepping a round on the big tree (same question: the view and the open nodes are kept).
      const step = await ex.page.evaluate(() => new Promise<{ dispatch: number; frame: number }>((resolve) => {
        const w = window as unknown as { __big: { type: string; tree: { round: number } } };
        const msg = { ...w.__big, tree: { ...w.__big.tree, round: 11 } };
        const t0 = performance.now();
        window.dispatchEvent(new MessageEvent('message', { data: msg }));
        const t1 = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ dispatch: t1 - t0, frame: performance.now() - t0 })));
      }));
      ctx.log(`step a round (5,000 open): ${step.dispatch.toFixed(1)} ms to draw, ${step.frame.toFixed(1)} ms to the second frame`);

      // Zoomed out to just above the overview threshold: the most nodes the detail view draws.
      const box = (await ex.page.locator('svg.tree-svg').boundingBox())!;
      await ex.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 12; i++) {
        const k = await ex.page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('g.viewport')!.getAttribute('transform')!)![1]));
        if (k < 0.5) break;
        await ex.page.mouse.wheel(0, 100);
        await ex.frames();
      }
      await ex.page.waitForTimeout(100);
      await ex.screenshot('tree-5000-zoomed-out-light');
      await pan('all open, zoomed out to the detail limit');

      const tFit = await ex.page.evaluate(() => new Promise<number>((resolve) => {
        const t0 = performance.now();
        document.querySelector<HTMLButtonElement>('button[aria-label="Fit the tree to the view (f)"]')!.click();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
      }));
      const s3 = await stats();
      ctx.log(`fit all 5,000: ${tFit.toFixed(1)} ms to the second frame; mode ${s3.mode}, ${s3.elements} SVG elements`);
      // Too big to fit readably: the fit stops at the smallest readable scale (the rest by panning).
      assert.equal(s3.mode, 'detail');
      const kFit = await ex.page.evaluate(() => Number(/scale\(([\d.]+)\)/.exec(document.querySelector('g.viewport')!.getAttribute('transform')!)![1]));
      assert.ok(Math.abs(kFit - 10 / 11) < 1e-3, `fit at the readable minimum (${kFit})`);
      // The overview: zoomed out with the wheel.
      await ex.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      for (let i = 0; i < 30 && (await stats()).mode !== 'overview'; i++) {
        await ex.page.mouse.wheel(0, 400);
        await ex.frames();
      }
      assert.equal((await stats()).mode, 'overview');
      await ex.screenshot('tree-5000-overview-light');
      await pan('overview of all 5,000');
      assert.deepEqual(await ex.problems(), []);
      await ex.close();
    },
  },
];
