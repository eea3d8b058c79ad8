import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { basicAuthorization } from '../../src/bank/client-auth.ts';
import { createHttpConnector, type HttpConnector } from '../../src/bank/http-connector.ts';
import { fixedClock } from '../../src/bank/sandbox/clock.ts';
import {
  type SandboxBankServer,
  type StartSandboxBankOptions,
  startSandboxBank,
} from '../../src/bank/sandbox/server.ts';

/** A fixed start time, so that every run sees the same days of history. */
export const bankEpoch = 1_750_000_000;

export const institutions = {
  test: 'fcinst_Qn1a7A4KhL42se',
  testOAuth: 'fcinst_Qn1a6jqpI0Gb84',
  ownership: 'fcinst_Qn1aly9zRRkWP1',
  sandboxOAuth: 'fcinst_Qn1aNn8l07746s',
  sandboxNonOAuth: 'fcinst_Qn1aVTBBJ4ubmQ',
  invalidPayment: 'fcinst_Qn1aporTsLJQH4',
  downScheduled: 'fcinst_Qn1aC9A7bD2EED',
  downUnscheduled: 'fcinst_Qn1a8Ynz2Il9zF',
  downError: 'fcinst_Qn1aOU8Z6Qsvpn',
  inactive: 'fcinst_Qn1aH3xKpT7mWd',
  tokenized: 'fcinst_Qn1aZ8rVbE2nLq',
} as const;

/** openfc's registration at the test bank, and the tenant (merchant) it acts for. */
export const testClient = { id: 'openfc-test', secret: `bcs_${randomBytes(24).toString('base64url')}` };
export const testTenant = 'acct_testtenant';
export const adminToken = `admin_${randomBytes(24).toString('hex')}`;

/**
 * A sandbox bank for the enclosing suite (and a connector to it), started before its tests and
 * stopped after them; read them through the getters once the tests run.
 */
export function useTestBank(options: Partial<StartSandboxBankOptions> = {}): {
  bank(): SandboxBankServer;
  connector(): HttpConnector;
} {
  let bank: SandboxBankServer | undefined;
  let connector: HttpConnector | undefined;
  before(async () => {
    bank = await startTestBank(options);
    connector = createHttpConnector({ baseUrl: bank.url, timeoutMs: 2_000, client: testClient });
  });
  after(async () => {
    await connector?.close();
    await bank?.close();
  });
  return {
    bank: () => bank as SandboxBankServer,
    connector: () => connector as HttpConnector,
  };
}

/** A bank on its own listener and its own SQLite file, removed when it closes. */
export async function startTestBank(
  options: Partial<StartSandboxBankOptions> = {},
): Promise<SandboxBankServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'openfc-bank-'));
  const bank = await startSandboxBank({
    port: 0,
    host: '127.0.0.1',
    clock: fixedClock(bankEpoch),
    clients: [testClient],
    adminToken,
    store: { dataDir },
    ...options,
  });
  return {
    ...bank,
    async close() {
      await bank.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Who a call authenticates as: by default as openfc would (its client, its tenant), and the administrator at /control. */
export type CallAuth = 'default' | 'client' | 'admin' | 'none' | { header: string };

const asClient = ['/oauth/token', '/oauth/revoke', '/sandbox/authorizations'];
/** Where openfc names the merchant it acts for (and, for a login, itself). */
const namesTenant = ['/login', '/sandbox/authorizations'];

function authorizationFor(target: string, auth: CallAuth): string | undefined {
  if (typeof auth === 'object') return auth.header;
  if (auth === 'none') return undefined;
  if (auth === 'admin' || (auth === 'default' && target.startsWith('/control')))
    return `Bearer ${adminToken}`;
  if (auth === 'client' || asClient.includes(target)) return basicAuthorization(testClient);
  return undefined;
}

export async function call(
  base: string,
  method: 'GET' | 'POST',
  target: string,
  options: { token?: string; json?: unknown; form?: Record<string, string | string[]>; auth?: CallAuth } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  const authorization = options.token
    ? `Bearer ${options.token}`
    : authorizationFor(target, options.auth ?? 'default');
  if (authorization) headers.authorization = authorization;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    const json = options.json as Record<string, unknown>;
    const firstStep = namesTenant.includes(target) && json.institution !== undefined;
    body = JSON.stringify(firstStep ? { client_id: testClient.id, tenant: testTenant, ...json } : json);
  } else if (options.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(options.form)) for (const item of [v].flat()) params.append(k, item);
    body = params.toString();
  }
  const response = await fetch(`${base}${target}`, { method, headers, body, redirect: 'manual' });
  const raw = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    parsed = { raw };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Plays the holder in the browser: opens the consent page, ticks `accounts`, presses a button. */
export async function approveInBrowser(
  authorizeUrl: string,
  accounts: string[],
  decision: 'approve' | 'deny' = 'approve',
): Promise<URL> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${html}`);
  const requestId = /name="request_id" value="([^"]+)"/.exec(html)?.[1];
  if (!requestId) throw new Error(`no request_id on the consent page: ${html}`);
  const form = new URLSearchParams({ request_id: requestId, decision });
  for (const key of accounts) form.append('account', key);
  const response = await fetch(new URL('authorize', authorizeUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = response.headers.get('location');
  if (response.status !== 303 || !location) {
    throw new Error(`approval answered ${response.status}: ${await response.text()}`);
  }
  return new URL(location);
}

export function authorizeUrl(
  base: string,
  params: { institution: string; redirectUri: string; state: string; challenge: string; loginHint?: string },
): string {
  const url = new URL(`${base}/oauth/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    institution: params.institution,
    redirect_uri: params.redirectUri,
    state: params.state,
    code_challenge: params.challenge,
    code_challenge_method: 'S256',
    client_id: testClient.id,
    tenant: testTenant,
    ...(params.loginHint && { login_hint: params.loginHint }),
  }).toString();
  return url.toString();
}

/** A grant through the sandbox shortcut: code, then token exchange. */
export async function sandboxGrant(
  base: string,
  institution: string,
  accounts?: string[],
  bankUser?: string,
): Promise<Answer> {
  const created = await call(base, 'POST', '/sandbox/authorizations', {
    json: { institution, accounts, bank_user: bankUser },
  });
  if (created.status !== 200)
    throw new Error(`shortcut answered ${created.status}: ${JSON.stringify(created.body)}`);
  return call(base, 'POST', '/oauth/token', {
    form: { grant_type: 'authorization_code', code: String(created.body.code) },
  });
}

export function accountIds(token: Answer): Record<string, string> {
  const accounts = token.body.accounts as Array<{ id: string; key: string }>;
  return Object.fromEntries(accounts.map((a) => [a.key, a.id]));
}

/** A credential or no-login login step; once authorized, its code exchanged for tokens as openfc does. */
export async function logInAtBank(base: string, json: Record<string, unknown>): Promise<Answer> {
  const step = await call(base, 'POST', '/login', { json });
  if (step.body.status !== 'authorized') return step;
  const token = await call(base, 'POST', '/oauth/token', {
    form: { grant_type: 'authorization_code', code: String(step.body.code) },
  });
  return { ...token, body: { status: 'authorized', token: token.body } };
}
