/**
 * Explorer webview tests (see run.ts) of Export Tree: the host asks (`exportTree`), the webview
 * answers with the content — the SVG of what is on screen (styles inlined: it stands alone) and a
 * PNG drawn from it; the whole tree as JSON and as a Markdown outline.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeView } from '../../src/protocol/explorer';
import { loaded, type WebviewTest } from './context';
import { SCREENSHOTS } from './driver';
import { nodesOf, pinTree } from './fixtures';
import type { Theme } from './harness';

function depthOf(n: NodeView): number {
  return 1 + Math.max(0, ...(n.children ?? []).map(depthOf));
}

export const exportTests: WebviewTest[] = [
  {
    name: 'export tree: SVG and PNG of what is on screen in the theme, JSON and Markdown of the whole tree; the header button asks the host',
    async run(ctx) {
      for (const theme of ['light', 'dark'] as Theme[]) {
        const tree = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } });
        const ex = await loaded(ctx, theme, tree);
        // The header button runs the command (the host then asks for a format).
        await ex.clearPosted();
        await ex.page.getByRole('button', { name: 'Export the tree (SVG, PNG, JSON, Markdown)…' }).click();
        assert.deepEqual(await ex.waitPosted('command'), { type: 'command', command: 'exportTree' });

        // SVG: parses, stands alone (inline styles, a background), every node on screen is in it.
        await ex.clearPosted();
        await ex.send({ type: 'exportTree', format: 'svg' });
        const svg = await ex.waitPosted('exportedTree', (m) => m.format === 'svg');
        assert.match(svg.name, /^σ\^29\(ab\)-round-12$/);
        const check = await ex.page.evaluate((text) => {
          const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
          const pane = document.querySelector('.tree-pane')!.getBoundingClientRect();
          const onScreen = [...document.querySelectorAll<SVGGElement>('.tree-pane g.node')].filter((g) => {
            const b = g.getBoundingClientRect();
            return b.right > pane.left && b.left < pane.right && b.bottom > pane.top && b.top < pane.bottom;
          }).map((g) => g.dataset.key!);
          const exported = new Set([...doc.querySelectorAll('g.node')].map((g) => g.getAttribute('data-key')));
          const chip = doc.querySelector('g.chip rect');
          return {
            error: doc.querySelector('parsererror')?.textContent ?? null,
            root: doc.documentElement.tagName,
            onScreen,
            missing: onScreen.filter((k) => !exported.has(k)),
            chipFill: chip?.getAttribute('fill') ?? '',
            pageChipFill: getComputedStyle(document.querySelector('.tree-pane g.chip rect')!).fill,
            background: doc.querySelector('svg > rect')?.getAttribute('fill') ?? '',
            pageBackground: getComputedStyle(document.body).backgroundColor,
            linkStroke: doc.querySelector('path.links')?.getAttribute('stroke') ?? '',
            pageLinkStroke: getComputedStyle(document.querySelector('.tree-pane path.links')!).stroke,
          };
        }, svg.content);
        assert.equal(check.error, null, 'the SVG parses');
        assert.equal(check.root, 'svg');
        assert.ok(check.onScreen.length >= 5, `nodes on screen: ${check.onScreen.length}`);
        assert.deepEqual(check.missing, [], 'every node on screen is in the SVG');
        assert.equal(check.chipFill, check.pageChipFill, 'computed styles are inlined');
        assert.equal(check.background, check.pageBackground, `${theme}: the theme's background`);
        assert.equal(check.linkStroke, check.pageLinkStroke, `${theme}: the theme's colours`);

        // PNG: drawn from the SVG, twice the pane's size.
        await ex.send({ type: 'exportTree', format: 'png' });
        const png = await ex.waitPosted('exportedTree', (m) => m.format === 'png', 8000);
        const size = await ex.page.evaluate(async (b64) => {
          const img = new Image();
          img.src = `data:image/png;base64,${b64}`;
          await img.decode();
          const svgEl = document.querySelector('.tree-pane svg.tree-svg')!;
          return { w: img.naturalWidth, h: img.naturalHeight, sw: svgEl.clientWidth, sh: svgEl.clientHeight };
        }, png.content);
        assert.deepEqual([size.w, size.h], [size.sw * 2, size.sh * 2], 'the PNG is the tree on screen at 2×');
        assert.equal(Buffer.from(png.content, 'base64').subarray(1, 4).toString(), 'PNG');
        // Kept beside the screenshots, to be looked at.
        mkdirSync(SCREENSHOTS, { recursive: true });
        writeFileSync(join(SCREENSHOTS, `exported-tree-${theme}.png`), Buffer.from(png.content, 'base64'));
        writeFileSync(join(SCREENSHOTS, `exported-tree-${theme}.svg`), svg.content);

        // JSON: every node of the tree, with its answers.
        await ex.send({ type: 'exportTree', format: 'json' });
        const json = JSON.parse((await ex.waitPosted('exportedTree', (m) => m.format === 'json')).content) as { round: number; truthHidden: boolean; root: { path: number[]; question: string; answer: { label: string }; truth?: string; marks: string[]; children: unknown[] } };
        const all = [...nodesOf(tree.root)];
        const flat: { path: number[]; question: string; answer: { label: string }; truth?: string; marks: string[]; children: unknown[] }[] = [];
        const walk = (n: (typeof flat)[number]): void => {
          flat.push(n);
          for (const c of n.children as (typeof flat)[number][]) walk(c);
        };
        walk(json.root);
        assert.equal(flat.length, all.length, 'every node');
        assert.deepEqual(flat.map((n) => n.question), all.map((n) => n.label));
        assert.deepEqual(flat.map((n) => n.answer.label), all.map((n) => n.answer.label));
        assert.deepEqual(flat.map((n) => n.truth), all.map((n) => n.truth.label));
        assert.ok(flat.some((n) => n.marks.includes('override')), 'the override is marked');
        assert.ok(flat.some((n) => n.marks.includes('2 notes')), 'the notes are counted');

        // Markdown: one line per node, indented by its depth.
        await ex.send({ type: 'exportTree', format: 'md' });
        const md = (await ex.waitPosted('exportedTree', (m) => m.format === 'md')).content;
        const items = md.split('\n').filter((l) => /^\s*- /.test(l));
        assert.equal(items.length, all.length, 'one line per node');
        const depths = items.map((l) => l.indexOf('-') / 2);
        assert.deepEqual(depths, all.map((n) => n.path.length), 'the outline depth is the node depth');
        assert.equal(Math.max(...depths) + 1, depthOf(tree.root));
        assert.ok(items[0].includes(`**${tree.root.label}** → \`${tree.root.answer.label}\``), items[0]);
        await ex.screenshot(`export-${theme}`);

        // Blind mode: the whole-tree exports leave out the truth too.
        await ex.page.locator('.tree-pane').focus();
        await ex.press('t');
        await ex.send({ type: 'exportTree', format: 'json' });
        const blind = (await ex.waitPosted('exportedTree', (m) => m.format === 'json' && m.content.includes('"truthHidden": true'))).content;
        assert.ok(!blind.includes('"truth"') && !blind.includes('"correct"'), 'no truth and no correctness in blind mode');
        assert.deepEqual(await ex.problems(), []);
        await ex.close();
      }
    },
  },
];
