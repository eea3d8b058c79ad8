import type { Kysely } from 'kysely';
import {
  type AccountControl,
  type SandboxControl,
  SandboxControlRefused,
  type UserControl,
} from '../../bank/sandbox-control.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { SandboxClock, SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { AccountData } from './account-data.ts';
import type { AccountNumberSync } from './account-numbers.ts';
import type { AccountService, AuthorizationService } from './accounts.ts';
import type { BankSync } from './bank-sync.ts';
import type { FcAccount, FcAuthorization } from './types.ts';

export const authorizationEvents = [
  'consent_expired',
  'access_revoked',
  'reauthentication_required',
  'holder_disconnected',
] as const;
export const accountEvents = [
  'account_closed',
  'account_unavailable',
  'account_reopened',
  'account_numbers_rotated',
  'account_numbers_deactivated',
] as const;

function recordsLost(what: string, param: string) {
  return invalidRequest(
    `The sandbox bank no longer knows ${what}: it has lost its records (its store is not the one the accounts were linked at). Restore the bank's store, or link the accounts again.`,
    param,
  );
}

/** Something else that waits on a merchant's sandbox clock (webhook retries). */
export interface ClockFollower {
  advanceClock(merchantId: string, seconds: number): Promise<void>;
}

/** Account events about the account's numbers: openfc re-fetches them afterwards. */
const numberEvents: ReadonlySet<string> = new Set(['account_numbers_rotated', 'account_numbers_deactivated']);

const userControls: Record<(typeof authorizationEvents)[number], UserControl> = {
  consent_expired: 'expire-consent',
  access_revoked: 'revoke',
  reauthentication_required: 'require-reauthentication',
  holder_disconnected: 'disconnect',
};

const accountControls: Record<(typeof accountEvents)[number], AccountControl> = {
  account_closed: 'close',
  account_unavailable: 'make-unavailable',
  account_reopened: 'reopen',
  account_numbers_rotated: 'rotate-numbers',
  account_numbers_deactivated: 'deactivate-numbers',
};

/**
 * Test helpers that make a bank-side fact happen at the sandbox bank, then let openfc notice it as
 * it would a bank's notification: when they return, the state has changed.
 */
export class Simulator {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly control: SandboxControl,
    private readonly bank: BankSync,
    private readonly accounts: AccountService,
    private readonly authorizations: AuthorizationService,
    private readonly numbers: AccountNumberSync,
    private readonly clocks: SandboxClocks,
    private readonly accountData: AccountData,
    private readonly followers: readonly ClockFollower[] = [],
  ) {}

  /**
   * Moves the merchant's sandbox clock forward, and the time of the merchant's holders at the bank
   * with it; then openfc looks at each of the merchant's connections, so that consents that ended
   * (or end soon) show when this returns. Then the daily refreshes of subscribed accounts that
   * fell due run, and have ended when this returns; waiting webhook retries fall due as well.
   */
  async advanceClock(merchantId: string, seconds: number): Promise<SandboxClock> {
    const clock = await this.clocks.advance(merchantId, seconds);
    const users = await this.db
      .selectFrom('fc_authorizations')
      .select('bank_user_id')
      .distinct()
      .where('merchant_id', '=', merchantId)
      .where('bank_user_id', 'is not', null)
      .execute();
    for (const { bank_user_id } of users) {
      // A holder the bank lost (a new bank store) is skipped: the check below reports the loss.
      if (bank_user_id) await this.unlessLost(this.control.advanceUser(merchantId, bank_user_id, seconds));
    }
    const authorizations = await this.db
      .selectFrom('fc_authorizations')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .where('status', '!=', 'disconnected')
      .orderBy('id')
      .execute();
    for (const { id } of authorizations) await this.bank.checkAuthorization(id);
    await this.accountData.refreshDue(merchantId, clock.now);
    for (const follower of this.followers) await follower.advanceClock(merchantId, seconds);
    return clock;
  }

  /** False when the bank does not know what the call named: it lost its records. */
  private async unlessLost(call: Promise<void>): Promise<boolean> {
    try {
      await call;
      return true;
    } catch (error) {
      if (error instanceof SandboxControlRefused && error.bankError === 'not_found') return false;
      throw error;
    }
  }

  async authorization(
    merchantId: string,
    id: string,
    event: (typeof authorizationEvents)[number],
  ): Promise<FcAuthorization> {
    const authorization = await this.authorizations.get(merchantId, id);
    if (!authorization.bankUserId) {
      throw invalidRequest(`The authorization '${id}' was not made at the sandbox bank.`, 'authorization');
    }
    const known = await this.unlessLost(
      this.control.user(merchantId, authorization.bankUserId, userControls[event]),
    );
    if (!known) throw recordsLost(`the holder of the authorization '${id}'`, 'authorization');
    await this.bank.checkAuthorization(id);
    return this.authorizations.get(merchantId, id);
  }

  async account(merchantId: string, id: string, event: (typeof accountEvents)[number]): Promise<FcAccount> {
    const account = await this.accounts.get(merchantId, id);
    if (!account.bankAccountId) {
      throw invalidRequest(`The account '${id}' was not linked at the sandbox bank.`, 'account');
    }
    try {
      const known = await this.unlessLost(
        this.control.account(merchantId, account.bankAccountId, accountControls[event]),
      );
      if (!known) throw recordsLost(`the account '${id}'`, 'account');
    } catch (error) {
      if (error instanceof SandboxControlRefused && error.bankError === 'not_supported') {
        throw invalidRequest(
          `The account '${id}' has no tokenized account number: only accounts at an institution that issues tokenized account numbers can have them rotated or deactivated.`,
          'event',
        );
      }
      throw error;
    }
    await this.bank.checkAuthorization(account.authorizationId);
    if (numberEvents.has(event)) await this.numbers.syncAccount(id);
    return this.accounts.get(merchantId, id);
  }
}
