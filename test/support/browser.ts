import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, with a fresh profile per launch so that nothing
 * (cookies, storage, popup permissions) carries from one suite to the next.
 */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export const chromiumPath = process.env.OPENFC_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'openfc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core in the page or frame (evaluated over the DevTools protocol, so the page's CSP does not
 * stop it) and fails on serious or critical violations, naming them.
 */
export async function assertAccessible(target: Page | Frame, what: string): Promise<void> {
  await target.evaluate(axeSource);
  const violations = (await target.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map((n) => ({ target: n.target })) })))",
  )) as AxeViolation[];
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${what}: accessibility violations\n${JSON.stringify(bad, null, 2)}`);
}

export const screenshotDir = path.resolve('test-output', 'screenshots');

/** Saves the page at desktop (1280 px) and phone (360 px) widths, then puts the desktop size back. */
export async function saveScreenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  for (const [width, height] of [
    [1280, 800],
    [360, 740],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${width}.png`) });
  }
  await page.setViewportSize(size);
}

/**
 * Presses Escape in a modal whose screen has the keyboard (its heading has focus) and closes on the
 * key going down, and gives what `closed` gives once it has gone. The key's release is sent only then:
 * sent while Chromium was removing the modal's frame, it was now and then never answered, and a
 * whole `press` waited for good.
 */
export async function pressEscapeToClose<T>(page: Page, closed: () => Promise<T>): Promise<T> {
  await page.keyboard.down('Escape');
  const outcome = await closed();
  await page.keyboard.up('Escape');
  return outcome;
}
