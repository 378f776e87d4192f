/**
 * Runs the webview tests in Debian's Chromium (playwright-core, no downloaded browser): starts the
 * harness server, runs each test in a fresh browser context, prints one line per test and the
 * benchmark numbers. Called by scripts/run-webview-tests.mjs after the build.
 */
import { chromium } from 'playwright-core';
import { Explorer, SCREENSHOTS } from './driver';
import { benchTests } from './bench.test';
import { compareTests } from './compare.test';
import { exportTests } from './export.test';
import { fitTests } from './fit.test';
import { headerTests } from './header.test';
import type { TestContext, WebviewTest } from './context';
import { inspectorTests } from './inspector.test';
import { legendTests } from './legend.test';
import { overridesTests } from './overrides.test';
import { pageTests } from './page.test';
import { personTests } from './person.test';
import { playTests } from './play.test';
import { provenanceTests } from './provenance.test';
import { skippedTests } from './skipped.test';
import { treeTests } from './tree.test';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { harnessHtml, startServer } from './harness';

export interface Summary {
  passed: number;
  failed: number;
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The tests by feature; the benchmark last. */
const tests: WebviewTest[] = [...pageTests, ...headerTests, ...treeTests, ...fitTests, ...legendTests, ...inspectorTests, ...overridesTests, ...provenanceTests, ...skippedTests, ...compareTests, ...exportTests, ...playTests, ...personTests, ...benchTests];

export async function main(root: string, filter?: string): Promise<Summary> {
  // Screenshots of this run only (a stale FAILED-… picture would mislead).
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  const server = await startServer(root);
  // The pages as served, for a look in a browser while the server runs (or to diff).
  mkdirSync('out/test/webview', { recursive: true });
  for (const theme of ['light', 'dark', 'hc'] as const) writeFileSync(`out/test/webview/harness-${theme}.html`, harnessHtml(server.origin, theme));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const summary: Summary = { passed: 0, failed: 0 };
  try {
    for (const t of tests) {
      if (filter && !t.name.includes(filter)) continue;
      const logs: string[] = [];
      const opened: Explorer[] = [];
      const ctx: TestContext = {
        browser,
        server,
        open: async (opts) => {
          const ex = await Explorer.open(browser, server, opts);
          opened.push(ex);
          return ex;
        },
        log: (line) => logs.push(line),
      };
      const t0 = Date.now();
      try {
        await withTimeout(t.run(ctx), 60_000, t.name);
        summary.passed++;
        console.log(`✓ ${t.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        summary.failed++;
        console.log(`✗ ${t.name} (${Date.now() - t0} ms)`);
        console.log(indent(e instanceof Error ? (e.stack ?? e.message) : String(e)));
        for (const ex of opened) {
          const problems = await ex.problems().catch(() => []);
          if (problems.length) console.log(indent(`page problems:\n${problems.join('\n')}`));
          await ex.screenshot(`FAILED-${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
        }
      } finally {
        for (const l of logs) console.log(`    ${l}`);
        for (const ex of opened) await ex.close().catch(() => undefined);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return summary;
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
