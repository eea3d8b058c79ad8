import type { AccountControl, SandboxControl, UserControl } from '../../bank/sandbox-control.ts';
import { invalidRequest } from '../errors.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import type { BankSync } from './bank-sync.ts';
import type { FcAccount, FcAuthorization } from './types.ts';

export const authorizationEvents = [
  'consent_expired',
  'access_revoked',
  'reauthentication_required',
] as const;
export const accountEvents = ['account_closed', 'account_unavailable', 'account_reopened'] as const;

const userControls: Record<(typeof authorizationEvents)[number], UserControl> = {
  consent_expired: 'expire-consent',
  access_revoked: 'revoke',
  reauthentication_required: 'require-reauthentication',
};

const accountControls: Record<(typeof accountEvents)[number], AccountControl> = {
  account_closed: 'close',
  account_unavailable: 'make-unavailable',
  account_reopened: 'reopen',
};

/**
 * Test helpers that make a bank-side fact happen at the sandbox bank, then let openfc notice it as
 * it would a bank's notification: when they return, the state has changed.
 */
export class Simulator {
  constructor(
    private readonly control: SandboxControl,
    private readonly bank: BankSync,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
  ) {}

  async authorization(
    merchantId: string,
    id: string,
    event: (typeof authorizationEvents)[number],
  ): Promise<FcAuthorization> {
    const authorization = await this.authorizations.get(merchantId, id);
    if (!authorization.bankUserId) {
      throw invalidRequest(`The authorization '${id}' was not made at the sandbox bank.`, 'authorization');
    }
    await this.control.user(authorization.bankUserId, userControls[event]);
    await this.bank.checkAuthorization(id);
    return this.authorizations.get(merchantId, id);
  }

  async account(merchantId: string, id: string, event: (typeof accountEvents)[number]): Promise<FcAccount> {
    const account = await this.accounts.get(merchantId, id);
    if (!account.bankAccountId) {
      throw invalidRequest(`The account '${id}' was not linked at the sandbox bank.`, 'account');
    }
    await this.control.account(account.bankAccountId, accountControls[event]);
    await this.bank.checkAuthorization(account.authorizationId);
    return this.accounts.get(merchantId, id);
  }
}
