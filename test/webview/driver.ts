/**
 * Drives one Explorer page in Chromium: sends host messages, reads what the webview posted
 * (validated with the protocol's parseWebviewMessage), and collects page errors and CSP violations.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/explorer';
import type { HarnessServer, Theme } from './harness';

export const SCREENSHOTS = 'test-results/webview';

type Win = Window & { __posted: unknown[]; __csp: string[] };

export class Explorer {
  readonly errors: string[] = [];

  constructor(readonly page: Page, readonly context: BrowserContext, private server: HarnessServer, readonly theme: Theme) {
    page.on('pageerror', (e) => this.errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console error: ${m.text()}`);
    });
  }

  static async open(browser: Browser, server: HarnessServer, opts: { theme?: Theme; width?: number; height?: number } = {}): Promise<Explorer> {
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 }, deviceScaleFactor: 1 });
    context.setDefaultTimeout(5000);
    const page = await context.newPage();
    const ex = new Explorer(page, context, server, opts.theme ?? 'light');
    await ex.load();
    return ex;
  }

  async load(): Promise<void> {
    await this.page.goto(this.server.url(this.theme));
    await this.page.waitForFunction(() => (window as unknown as Win).__posted?.some((m) => (m as { type: string }).type === 'ready'), undefined, { timeout: 10000 });
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.page.waitForFunction(() => (window as unknown as Win).__posted?.some((m) => (m as { type: string }).type === 'ready'), undefined, { timeout: 10000 });
  }

  /** Delivers a host message (as VS Code does: a `message` event on window), then waits two frames. */
  async send(msg: HostMessage | unknown): Promise<void> {
    await this.page.evaluate((m) => {
      window.dispatchEvent(new MessageEvent('message', { data: m }));
    }, msg as object);
    await this.frames();
  }

  async frames(n = 2): Promise<void> {
    await this.page.evaluate((count) => new Promise<void>((resolve) => {
      let left = count;
      const tick = (): void => {
        if (--left <= 0) resolve();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }), n);
  }

  /** Every message the webview posted since the last clear, each checked by the protocol. */
  async posted(): Promise<WebviewMessage[]> {
    const raw = await this.page.evaluate(() => (window as unknown as Win).__posted);
    return raw.map((m) => {
      const r = parseWebviewMessage(m);
      if (!r.ok) throw new Error(`the webview posted an invalid message ${JSON.stringify(m)}: ${r.error}`);
      return r.value;
    });
  }

  async clearPosted(): Promise<void> {
    await this.page.evaluate(() => {
      (window as unknown as Win).__posted.length = 0;
    });
  }

  /** Waits until a posted message satisfies `pred`, and returns it. */
  async waitPosted<T extends WebviewMessage['type']>(type: T, pred: (m: Extract<WebviewMessage, { type: T }>) => boolean = () => true, timeout = 3000): Promise<Extract<WebviewMessage, { type: T }>> {
    const end = Date.now() + timeout;
    for (;;) {
      const found = (await this.posted()).find((m): m is Extract<WebviewMessage, { type: T }> => m.type === type && pred(m as Extract<WebviewMessage, { type: T }>));
      if (found) return found;
      if (Date.now() > end) throw new Error(`no ${type} message was posted; posted: ${JSON.stringify(await this.posted())}`);
      await this.page.waitForTimeout(25);
    }
  }

  node(key: string) {
    return this.page.locator(`g.node[data-key="${key}"]`);
  }

  async selectedKey(): Promise<string | null> {
    return this.page.evaluate(() => document.querySelector<SVGGElement>('g.node.selected')?.dataset.key ?? null);
  }

  async transform(): Promise<string | null> {
    return this.page.evaluate(() => document.querySelector('g.viewport')?.getAttribute('transform') ?? null);
  }

  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
    await this.frames();
  }

  /** Page errors and CSP violations seen so far. */
  async problems(): Promise<string[]> {
    const csp = await this.page.evaluate(() => (window as unknown as Win).__csp ?? []).catch(() => []);
    return [...this.errors, ...csp.map((c) => `CSP violation: ${c}`)];
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
