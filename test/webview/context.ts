/**
 * What every webview test gets (a browser, the harness server, Explorer pages) and the helpers the
 * feature files share: the Explorer loaded with the recorded run, clicking a node.
 */
import type { Browser } from 'playwright-core';
import type { NodeView, TreeView } from '../../src/protocol/explorer';
import type { Explorer } from './driver';
import { initMessage, pinTree } from './fixtures';
import type { HarnessServer, Theme } from './harness';

export interface TestContext {
  browser: Browser;
  server: HarnessServer;
  open(opts?: { theme?: Theme; width?: number; height?: number }): Promise<Explorer>;
  log(line: string): void;
}

export interface WebviewTest {
  name: string;
  run(ctx: TestContext): Promise<void>;
}

export const keyOf = (n: NodeView): string => n.path.join('.');

/** Opens the Explorer with the recorded run and the first pinned question at round 12. */
export async function loaded(ctx: TestContext, theme: Theme = 'light', tree: TreeView = pinTree('p1', 12, { overrides: { '2': ['ee'] }, notes: { '0.1': 2 } })): Promise<Explorer> {
  const ex = await ctx.open({ theme });
  await ex.send(initMessage());
  await ex.send({ type: 'tree', tree });
  return ex;
}

/** Clicks a node, first panning it into view (by dragging the tree, as a user would) when it is outside. */
export async function clickNode(ex: Explorer, key: string): Promise<void> {
  const pane = (await ex.page.locator('.tree-pane').boundingBox())!;
  const box = await ex.node(key).boundingBox();
  if (box && (box.y < pane.y || box.y + box.height > pane.y + pane.height || box.x < pane.x || box.x + box.width > pane.x + pane.width)) {
    const cx = pane.x + pane.width / 2;
    const cy = pane.y + pane.height / 2;
    await ex.page.mouse.move(cx, cy);
    await ex.page.mouse.down();
    await ex.page.mouse.move(cx - (box.x + box.width / 2 - cx), cy - (box.y + box.height / 2 - cy), { steps: 8 });
    await ex.page.mouse.up();
    await ex.frames();
  }
  await ex.node(key).click({ position: { x: 60, y: 4 } });
  await ex.frames();
}
