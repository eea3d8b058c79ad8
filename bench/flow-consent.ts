/**
 * How long a merchant's page waits from calling `collectFinancialConnectionsAccounts` to a consent
 * screen the holder can use, in Chromium against `openfc serve` (the built command), and where
 * that time goes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { percentile } from './format.ts';
import { freePort } from './start.ts';

const projectDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const apiVersion = '2026-03-04.preview';

export interface ConsentSeries {
  runs: number;
  p50: number;
  p99: number;
  /** The median of each phase's end, since the call (negative: before it). */
  phaseP50: Record<Phase, number>;
}

export interface ConsentTimes {
  /** The first call, with nothing of the flow in Chromium's cache. */
  coldMs: number;
  /** `OpenFC()` made at the moment of the call, so that its frame starts loading then. */
  atCall: ConsentSeries;
  /** `OpenFC()` made when the page loaded (as a merchant's page sets it up), the call a moment later. */
  prepared: ConsentSeries;
}

/**
 * Runs in every frame before its own scripts: in the flow's frame, it notes the moment "Agree and
 * continue" is rendered, laid out and enabled. `performance.timeOrigin + now()` is a wall-clock
 * time in milliseconds that the merchant's page and the frame share.
 */
const watchConsent = `(() => {
  if (!location.pathname.startsWith('/flow/')) return;
  const observer = new MutationObserver(() => {
    for (const b of document.querySelectorAll('button')) {
      if (b.textContent.trim() === 'Agree and continue' && !b.disabled && b.checkVisibility()) {
        window.__consentReady = performance.timeOrigin + performance.now();
        observer.disconnect();
        return;
      }
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
})();`;

/** A merchant's page on an origin of its own, loading openfc.js from openfc. */
async function merchantPage(openfcUrl: string): Promise<Server> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><script src="${openfcUrl}/js/v1/openfc.js"></script></body></html>`;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  return server;
}

async function startServe(dataDir: string, keys: { secretKey: string; publishableKey: string }) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['bin/openfc.js', 'serve', '--port', String(port), '--data-dir', dataDir, '--scheduler-interval', '0'],
    {
      cwd: projectDir,
      stdio: 'ignore',
      env: {
        ...process.env,
        OPENFC_LOG_LEVEL: 'warn',
        OPENFC_SECRET_KEY: keys.secretKey,
        OPENFC_PUBLISHABLE_KEY: keys.publishableKey,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  while (!(await fetch(`${url}/healthz`).catch(() => undefined))?.ok) {
    if (child.exitCode !== null || performance.now() > deadline)
      throw new Error('openfc serve did not become healthy');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { url, child };
}

/** The flow's frame on the page, once it exists. */
async function flowFrameOf(page: Page, openfcUrl: string) {
  for (let i = 0; i < 500; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(`${openfcUrl}/flow/`));
    if (frame) return frame;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the flow frame is missing');
}

/**
 * One call: a new session, the merchant's page loaded, then the time to a usable consent screen.
 * `prepared`: the page made `OpenFC()` when it loaded and calls a moment later (its frame loaded).
 */
async function once(
  page: Page,
  merchantUrl: string,
  openfcUrl: string,
  newSecret: () => Promise<string>,
  prepared: boolean,
) {
  const clientSecret = await newSecret();
  await page.goto(merchantUrl);
  const publishableKey = JSON.stringify(await page.evaluate('window.__pk'));
  if (prepared) {
    await page.evaluate(`window.openfc = OpenFC(${publishableKey})`);
    const warm = await flowFrameOf(page, openfcUrl);
    await warm.waitForLoadState('load');
    await page.waitForTimeout(200);
  }
  const make = prepared ? 'window.openfc' : `OpenFC(${publishableKey})`;
  const calledAt = (await page.evaluate(
    `(() => { const t = performance.timeOrigin + performance.now(); window.result = ${make}.collectFinancialConnectionsAccounts({ clientSecret: ${JSON.stringify(clientSecret)} }); return t; })()`,
  )) as number;
  await page
    .frameLocator('iframe[title="Connect your bank account"]:visible')
    .getByRole('button', { name: 'Agree and continue' })
    .waitFor();
  const frame = await flowFrameOf(page, openfcUrl);
  await frame.waitForFunction('window.__consentReady !== undefined');
  const marks = (await frame.evaluate(frameMarks)) as Record<Phase, number>;
  return Object.fromEntries(phases.map((p) => [p, marks[p] - calledAt])) as Record<Phase, number>;
}

/** Where the wait goes, each as milliseconds since the call. */
export const phases = ['frame', 'document', 'script', 'session', 'consent'] as const;
export type Phase = (typeof phases)[number];

/**
 * In the flow's frame: when its navigation started (after the library's reachability check and the
 * overlay), when its HTML and its script had arrived, when the session's first read
 * (POST /flow/v1/session) answered, and when the consent screen became usable.
 */
const frameMarks = `(() => {
  const at = (ms) => performance.timeOrigin + ms;
  const resources = performance.getEntriesByType('resource');
  const script = resources.filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
  const session = resources.find((e) => e.name.includes('/flow/v1/session'));
  return {
    frame: performance.timeOrigin,
    document: at(performance.getEntriesByType('navigation')[0].responseEnd),
    script: at(Math.max(0, ...script.map((e) => e.responseEnd))),
    session: at(session ? session.responseEnd : Number.NaN),
    consent: window.__consentReady,
  };
})()`;

export async function consentTimes(chromiumPath: string, runs: number): Promise<ConsentTimes> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openfc-bench-flow-'));
  const keys = {
    secretKey: `sk_test_${randomBytes(16).toString('hex')}`,
    publishableKey: `pk_test_${randomBytes(16).toString('hex')}`,
  };
  let serve: { url: string; child: ChildProcess } | undefined;
  let merchant: Server | undefined;
  let browser: Browser | undefined;
  try {
    serve = await startServe(dataDir, keys);
    const openfcUrl = serve.url;
    const post = async (route: string, body: string) => {
      const response = await fetch(`${openfcUrl}${route}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${keys.secretKey}`,
          'stripe-version': apiVersion,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const answer = (await response.json()) as Record<string, string>;
      if (!response.ok) throw new Error(`POST ${route} answered ${response.status}`);
      return answer;
    };
    const customer = (await post('/v1/customers', 'email=bench%40example.com')).id as string;
    const newSecret = async () =>
      (
        await post(
          '/v1/financial_connections/sessions',
          `account_holder[type]=customer&account_holder[customer]=${customer}&permissions[0]=balances&permissions[1]=payment_method`,
        )
      ).client_secret as string;
    merchant = await merchantPage(openfcUrl);
    const merchantUrl = `http://127.0.0.2:${(merchant.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(watchConsent);
    await context.addInitScript(`window.__pk = ${JSON.stringify(keys.publishableKey)};`);
    const page = await context.newPage();
    process.stderr.write(`flow: 1 cold call, then ${runs} measured of each kind… `);
    const coldMs = (await once(page, merchantUrl, openfcUrl, newSecret, false)).consent;
    const series = async (prepared: boolean): Promise<ConsentSeries> => {
      const times: Record<Phase, number>[] = [];
      for (let i = 0; i < runs; i++)
        times.push(await once(page, merchantUrl, openfcUrl, newSecret, prepared));
      const sorted = (p: Phase) => Float64Array.from(times.map((t) => t[p])).sort();
      const consent = sorted('consent');
      return {
        runs,
        p50: percentile(consent, 50),
        p99: percentile(consent, 99),
        phaseP50: Object.fromEntries(phases.map((p) => [p, percentile(sorted(p), 50)])) as Record<
          Phase,
          number
        >,
      };
    };
    const atCall = await series(false);
    const prepared = await series(true);
    process.stderr.write(`p50 ${atCall.p50.toFixed(0)} ms, prepared ${prepared.p50.toFixed(0)} ms\n`);
    return { coldMs, atCall, prepared };
  } finally {
    await browser?.close();
    await new Promise((resolve) => (merchant ? merchant.close(resolve) : resolve(undefined)));
    if (serve) {
      const exited = new Promise((resolve) => serve?.child.once('exit', resolve));
      serve.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}
