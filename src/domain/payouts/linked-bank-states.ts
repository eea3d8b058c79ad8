import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import type { EventLog } from '../events/log.ts';
import { type NumbersFollower, openNumbers } from '../financial-connections/account-numbers.ts';
import { accountFromRow } from '../financial-connections/accounts.ts';
import type { AccountStateFollower } from '../financial-connections/bank-sync.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { type BankState, bankStateOf, currentNumbers } from './bank-state.ts';
import { changedFields, type ExternalAccount, type ExternalAccountStore } from './external-account-store.ts';

/**
 * Bank accounts for payouts follow the linked account under them: when its numbers are
 * deactivated (by the bank, or past their expiry) or the account closes, the bank account's
 * status shows it; when a relink brings new numbers, the same bank account has them. Each change
 * is written with its `account.external_account.updated` event in the transaction that stores
 * the linked account's change.
 */
export class LinkedBankStates implements NumbersFollower, AccountStateFollower {
  constructor(
    private readonly store: ExternalAccountStore,
    private readonly secrets: SecretBox,
    private readonly events: EventLog,
  ) {}

  private async account(db: Kysely<Database>, fcAccountId: string): Promise<FcAccount | undefined> {
    const row = await db
      .selectFrom('fc_accounts')
      .selectAll()
      .where('id', '=', fcAccountId)
      .executeTakeFirst();
    return row && accountFromRow(row);
  }

  /** The bank account the linked account makes for `holderId` now; undefined without numbers. */
  async stateOf(db: Kysely<Database>, holderId: string, fcAccountId: string): Promise<BankState | undefined> {
    const account = await this.account(db, fcAccountId);
    if (!account) return undefined;
    return bankStateOf(
      holderId,
      account,
      currentNumbers(account, await openNumbers(db, this.secrets, fcAccountId)),
    );
  }

  /** Whether the bank closed the linked account. */
  async closed(db: Kysely<Database>, fcAccountId: string): Promise<boolean> {
    const account = await this.account(db, fcAccountId);
    return account?.statusDetails.inactive?.cause === 'account_closed';
  }

  async numbersChanged(trx: Kysely<Database>, account: FcAccount): Promise<void> {
    await this.accountsChanged(trx, [account.id]);
  }

  async accountsChanged(trx: Kysely<Database>, accountIds: readonly string[]): Promise<void> {
    for (const fcAccountId of accountIds) {
      for (const external of await this.store.onLinkedAccount(trx, fcAccountId))
        await this.follow(trx, external);
    }
  }

  private async follow(trx: Kysely<Database>, before: ExternalAccount): Promise<void> {
    const state = await this.stateOf(trx, before.accountId, before.fcAccountId);
    // Numbers openfc no longer holds cannot be paid out to; the last ones known stay shown.
    const after: ExternalAccount = state
      ? {
          ...before,
          bankName: state.bankName,
          last4: state.last4,
          routingNumber: state.routingNumber,
          status: state.status,
        }
      : { ...before, status: 'errored' };
    const previous = changedFields(before, after);
    if (Object.keys(previous).length === 0) return;
    await this.store.write(trx, after);
    await this.events.record(trx, after.accountId, {
      type: 'account.external_account.updated',
      object: { kind: 'bank_account', record: after },
      previous,
    });
  }
}
