import { undici } from '../undici.ts';
import { basicAuthorization, type ClientCredentials } from './client-auth.ts';

/** Bank-side facts openfc's test helpers can make happen at the sandbox bank. */
export type UserControl = 'expire-consent' | 'revoke' | 'require-reauthentication' | 'disconnect';
export type AccountControl =
  | 'close'
  | 'make-unavailable'
  | 'reopen'
  | 'rotate-numbers'
  | 'deactivate-numbers';

/** The sandbox bank refused a control action (an unknown account, an action it does not support). */
export class SandboxControlRefused extends Error {
  readonly status: number;
  /** The bank's error kind (`not_supported`, `not_found`, ...), when it said one. */
  readonly bankError: string | undefined;

  constructor(message: string, status: number, bankError: string | undefined) {
    super(message);
    this.name = 'SandboxControlRefused';
    this.status = status;
    this.bankError = bankError;
  }
}

function bankErrorOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Each call names the tenant (the merchant) it acts for: the bank lets openfc reach only that
 * merchant's holders.
 */
export interface SandboxControl {
  user(tenant: string, bankUserId: string, action: UserControl): Promise<void>;
  account(tenant: string, bankAccountId: string, action: AccountControl): Promise<void>;
  /** Moves one holder's time at the bank forward by `seconds`. */
  advanceUser(tenant: string, bankUserId: string, seconds: number): Promise<void>;
  /** The holder a username names at an institution, as its credential login would reach them. */
  holder(tenant: string, institutionId: string, username: string): Promise<string>;
}

/**
 * Talks to the sandbox bank's control endpoints over HTTP, as the holder or the bank would act,
 * authenticated as openfc's registered client.
 */
export function sandboxControl(
  baseUrl: () => string,
  client: ClientCredentials,
  timeoutMs = 5000,
): SandboxControl {
  const authorization = basicAuthorization(client);
  async function post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const { request } = await undici();
    const response = await request(`${baseUrl()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      throw new SandboxControlRefused(
        `The sandbox bank refused ${path}: ${response.statusCode} ${text.slice(0, 200)}`,
        response.statusCode,
        bankErrorOf(text),
      );
    }
    return JSON.parse(text) as unknown;
  }
  return {
    async user(tenant, bankUserId, action) {
      await post(`/control/users/${encodeURIComponent(bankUserId)}/${action}`, { tenant });
    },
    async account(tenant, bankAccountId, action) {
      await post(`/control/accounts/${encodeURIComponent(bankAccountId)}/${action}`, { tenant });
    },
    async advanceUser(tenant, bankUserId, seconds) {
      await post(`/control/users/${encodeURIComponent(bankUserId)}/advance`, { tenant, seconds });
    },
    async holder(tenant, institutionId, username) {
      const found = await post('/control/holders', { tenant, institution: institutionId, username });
      const id = (found as { bank_user_id?: unknown }).bank_user_id;
      if (typeof id !== 'string') throw new Error('The sandbox bank named no holder.');
      return id;
    },
  };
}
