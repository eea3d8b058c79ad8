import { request } from 'undici';

/** Bank-side facts openfc's test helpers can make happen at the sandbox bank. */
export type UserControl = 'expire-consent' | 'revoke' | 'require-reauthentication';
export type AccountControl =
  | 'close'
  | 'make-unavailable'
  | 'reopen'
  | 'rotate-numbers'
  | 'deactivate-numbers';

export interface SandboxControl {
  user(bankUserId: string, action: UserControl): Promise<void>;
  account(bankAccountId: string, action: AccountControl): Promise<void>;
}

/** Talks to the sandbox bank's control endpoints over HTTP, as the holder or the bank would act. */
export function sandboxControl(baseUrl: () => string, timeoutMs = 5000): SandboxControl {
  async function post(path: string): Promise<void> {
    const response = await request(`${baseUrl()}${path}`, {
      method: 'POST',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode >= 300) {
      throw new Error(`The sandbox bank refused ${path}: ${response.statusCode} ${text.slice(0, 200)}`);
    }
  }
  return {
    user: (bankUserId, action) => post(`/control/users/${encodeURIComponent(bankUserId)}/${action}`),
    account: (bankAccountId, action) =>
      post(`/control/accounts/${encodeURIComponent(bankAccountId)}/${action}`),
  };
}
