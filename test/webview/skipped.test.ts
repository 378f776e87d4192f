/**
 * Explorer webview tests of a damaged run: lines of its JSON Lines files that were skipped show as
 * a warning item in the header, with each line (file:line: why) in its tooltip.
 */
import assert from 'node:assert/strict';
import type { WebviewTest } from './context';
import { initMessage, run } from './fixtures';

const SKIPPED = [
  { file: 'rounds.jsonl', line: 4, reason: 'not JSON (a line cut short?)' },
  { file: 'rounds.jsonl', line: 9, reason: 'accuracy: not a number' },
  { file: 'rounds.jsonl', line: 13, reason: 'not JSON (a line cut short?)' },
  { file: 'annotations.jsonl', line: 2, reason: 'not an object' },
];

export const skippedTests: WebviewTest[] = [
  {
    name: 'skipped lines: a warning in the header ("3 lines skipped in rounds.jsonl, 1 in annotations.jsonl"), each line in its tooltip; none without',
    async run(ctx) {
      for (const theme of ['light', 'dark'] as const) {
        const ex = await ctx.open({ theme });
        await ex.send(initMessage({ run: { ...run(), skipped: SKIPPED } }));
        const item = ex.page.locator('header.top .skipped-lines');
        assert.ok(await item.isVisible(), 'the header shows the warning');
        assert.equal((await item.textContent())!.trim(), '⚠3 lines skipped in rounds.jsonl, 1 in annotations.jsonl');
        const tooltip = (await item.getAttribute('title'))!.split('\n');
        assert.deepEqual(tooltip.slice(1), ['rounds.jsonl:4: not JSON (a line cut short?)', 'rounds.jsonl:9: accuracy: not a number', 'rounds.jsonl:13: not JSON (a line cut short?)', 'annotations.jsonl:2: not an object']);
        assert.equal(await item.getAttribute('role'), 'note');
        // Within the header's row, beside the status.
        const [box, header] = [await item.boundingBox(), await ex.page.locator('header.top .title-row').boundingBox()];
        assert.ok(box && header && box.y >= header.y && box.y + box.height <= header.y + header.height + 1, 'in the title row');
        await ex.screenshot(`skipped-lines-${theme}`);
        // One file, one line: singular.
        await ex.send(initMessage({ run: { ...run(), skipped: [SKIPPED[3]] } }));
        assert.equal((await item.textContent())!.trim(), '⚠1 line skipped in annotations.jsonl');
        // A sound run: no item.
        await ex.send(initMessage({ run: run() }));
        assert.equal(await ex.page.locator('header.top .skipped-lines').count(), 0);
        // A malformed skipped list is refused by the protocol's validator, as any bad message.
        await ex.send(initMessage({ run: { ...run(), skipped: [{ file: 'rounds.jsonl', line: 'x' }] } as never }));
        assert.equal(await ex.page.locator('header.top .skipped-lines').count(), 0);
        await ex.close();
      }
    },
  },
];
