import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { assertAccessible, saveScreenshots } from './browser.ts';

/**
 * Waits for the dashboard page whose heading is `heading`, checks (unless told not to) that the
 * heading has taken focus, as each page's heading does when it opens, then runs axe-core and saves
 * screenshots at phone and desktop width under `shot`.
 */
export async function dashboardScreen(
  page: Page,
  heading: string,
  shot: string,
  options: { headingFocused?: boolean } = {},
): Promise<void> {
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
  if (options.headingFocused ?? true)
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.tagName'), 'H1');
  await assertAccessible(page, shot);
  await saveScreenshots(page, shot);
}

/** The value shown beside `term` in a page's facts (an account's, an event's, …). */
export function fact(page: Page, term: string): Locator {
  return page
    .locator('.facts div')
    .filter({ has: page.getByText(term, { exact: true }) })
    .locator('dd');
}
