import assert from 'node:assert/strict';
import type { Frame, FrameLocator, Page } from 'playwright-core';
import { backends } from '../support/backends.ts';
import { assertAccessible, launchBrowser, saveScreenshots, type TestBrowser } from '../support/browser.ts';
import { type CreateParams, createSession, type PreviewSession } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { flowFrame, openFlow, startMerchantPage } from '../support/merchant-page.ts';
import { assertMatchesSchema } from '../support/stripe-schemas.ts';

/** openfc, a merchant page on another origin, and Chromium: what every flow suite starts with. */
export interface FlowFixture {
  h: Harness;
  /** Creates a session through the SDK and opens it from the merchant's page. */
  open(params?: Partial<CreateParams>): Promise<OpenFlow>;
  close(): Promise<void>;
}

export interface OpenFlow {
  page: Page;
  frame: FrameLocator;
  session: PreviewSession;
  /**
   * Waits for the screen with this heading, checks that the heading has focus, checks the screen
   * with axe-core, and saves its screenshots.
   */
  screen(heading: string, shot: string): Promise<void>;
  /** What the library resolved with; the session, checked against Stripe's schema and the API. */
  resolvedSession(): Promise<PreviewSession>;
}

export async function startFlowFixture(): Promise<FlowFixture> {
  const h = await startHarness(backends[0] as (typeof backends)[number]);
  const merchant = await startMerchantPage(h.url);
  const browser: TestBrowser = await launchBrowser();
  return {
    h,
    async open(params = {}) {
      const stripe = h.stripe();
      const customer =
        params.account_holder?.customer ??
        (await stripe.customers.create({ email: 'holder@example.com' })).id;
      const session = await createSession(stripe, {
        permissions: ['payment_method', 'balances'],
        ...params,
        account_holder: { type: 'customer', customer },
      });
      const page = await browser.context.newPage();
      await page.goto(merchant.url);
      const { frame, result } = await openFlow(page, {
        publishableKey: h.publishableKey,
        clientSecret: session.client_secret as string,
      });
      let inFrame: Frame | undefined;
      return {
        page,
        frame,
        session,
        async screen(heading, shot) {
          await frame.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
          inFrame ??= await flowFrame(page);
          // Each screen starts with focus on its heading.
          await inFrame.waitForFunction(
            (text) => {
              const active = (
                globalThis as { document?: { activeElement: { tagName: string; textContent: string } } }
              ).document?.activeElement;
              return active?.tagName === 'H1' && active.textContent === text;
            },
            heading,
            { timeout: 5000 },
          );
          await assertAccessible(inFrame, shot);
          await saveScreenshots(page, shot);
        },
        async resolvedSession() {
          const outcome = await result();
          assert.deepEqual(Object.keys(outcome), ['financialConnectionsSession'], JSON.stringify(outcome));
          const resolved = outcome.financialConnectionsSession as PreviewSession;
          assertMatchesSchema('financial_connections.session', resolved);
          // As the API renders it for the merchant's default version (the flow sends no version).
          const retrieved = await h.fetch(`/v1/financial_connections/sessions/${session.id}`);
          assert.deepEqual(resolved, retrieved.body);
          await page.close();
          return resolved;
        },
      };
    },
    async close() {
      await browser.close();
      await merchant.close();
      await h.close();
    },
  };
}

/** Sets the account picker to exactly these accounts (by their labels). */
export async function pickAccounts(frame: FrameLocator | Page, labels: string[]): Promise<void> {
  const inputs = frame.locator('input[name="account"]:not([disabled])');
  for (const input of await inputs.all()) {
    const label = await input.evaluate(
      (el) => (el as unknown as { labels: { textContent: string }[] }).labels[0]?.textContent,
    );
    const want = labels.includes(label ?? '');
    if ((await input.getAttribute('type')) === 'radio') {
      if (want) await input.check();
    } else await input.setChecked(want);
  }
}
