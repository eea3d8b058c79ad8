import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FrameLocator, Page } from 'playwright-core';

/**
 * A merchant's checkout page on an origin of its own (127.0.0.2), loading openfc.js from openfc's
 * origin as a merchant's site would. Its button opens the flow with the key and client secret the
 * test put on the page.
 */
export async function startMerchantPage(openfcUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title></head>
<body><main><h1>Example shop</h1><p>Pay by bank: connect your account.</p>
<button type="button" id="connect">Connect your bank</button></main>
<script src="${openfcUrl}/js/v1/openfc.js"></script>
<script>
document.getElementById('connect').addEventListener('click', function () {
  window.result = OpenFC(window.publishableKey).collectFinancialConnectionsAccounts({ clientSecret: window.clientSecret });
});
</script></body></html>`;
  const server = createServer((request, response) => {
    if (request.url !== '/') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.2:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// The flow on show: openfc.js keeps the next flow's frame loaded, hidden, ahead of use.
export const flowFrameSelector = 'iframe[title="Connect your bank account"]:visible';

/** Clicks the merchant's button; the returned function waits for what the library resolved with. */
export async function openFlow(
  page: Page,
  keys: { publishableKey: string; clientSecret: string },
): Promise<{ frame: FrameLocator; result(): Promise<Record<string, unknown>> }> {
  await page.evaluate((k) => Object.assign(globalThis, k), keys);
  await page.getByRole('button', { name: 'Connect your bank' }).click();
  return {
    frame: page.frameLocator(flowFrameSelector),
    result: () => settled(page),
  };
}

/**
 * What the library's promise resolved with, or a failure naming it if it has not settled within a
 * minute (a flow that never ends must fail its test, not hold the run).
 */
export async function settled(page: Page): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the library has not resolved within 60 s')), 60_000);
  });
  try {
    return await Promise.race([page.evaluate('window.result') as Promise<Record<string, unknown>>, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The flow iframe's Frame (for axe-core), once it has loaded. */
export async function flowFrame(page: Page) {
  const handle = await page.waitForSelector(flowFrameSelector);
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the flow iframe has no frame');
  return frame;
}

// The mandate on show, in the frame `confirmUsBankAccountSetup` opens.
export const mandateFrameSelector = 'iframe[title="Authorize debits from your bank account"]:visible';

/** Calls `confirmUsBankAccountSetup` on the page; the returned function waits for what it resolved with. */
export async function confirmSetup(
  page: Page,
  keys: { publishableKey: string; clientSecret: string; data?: { payment_method?: string } },
): Promise<{ frame: FrameLocator; result(): Promise<Record<string, unknown>> }> {
  await page.evaluate(({ publishableKey, clientSecret, data }) => {
    const g = globalThis as unknown as {
      OpenFC(pk: string): { confirmUsBankAccountSetup(secret: string, data?: unknown): Promise<unknown> };
      result: Promise<unknown>;
    };
    g.result = g.OpenFC(publishableKey).confirmUsBankAccountSetup(clientSecret, data);
  }, keys);
  return {
    frame: page.frameLocator(mandateFrameSelector),
    result: () => settled(page),
  };
}
