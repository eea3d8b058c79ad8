import type { Kysely } from 'kysely';
import type { AccountNumbers } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import type { EventLog } from '../events/log.ts';
import { accountFromRow } from './accounts.ts';
import type { BankSync } from './bank-sync.ts';
import type { AccountNumberDetails, FcAccount } from './types.ts';

function details(numbers: AccountNumbers): AccountNumberDetails {
  return {
    expected_expiry_date: numbers.expectedExpiryDate,
    identifier_type: numbers.identifierType,
    status: numbers.status,
    supported_networks: numbers.supportedNetworks,
  };
}

/** The full numbers openfc holds for an account, or null, as `db` (maybe a transaction) sees them. */
export async function openNumbers(
  db: Kysely<Database>,
  secrets: SecretBox,
  accountId: string,
): Promise<AccountNumbers[] | null> {
  const row = await db
    .selectFrom('fc_accounts')
    .select(['account_numbers_sealed'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!row?.account_numbers_sealed) return null;
  return JSON.parse(secrets.open(row.account_numbers_sealed, accountId)) as AccountNumbers[];
}

/** What else follows an account's numbers: told in the transaction that stores new ones. */
export interface NumbersFollower {
  numbersChanged(
    trx: Kysely<Database>,
    account: FcAccount,
    before: readonly AccountNumbers[] | null,
    after: readonly AccountNumbers[],
  ): Promise<void>;
}

/**
 * The account and routing numbers of accounts linked for payments. openfc keeps the numbers
 * sealed (bound to the account's id) and, in the clear, only what the account renders.
 */
export class AccountNumberSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly bank: BankSync,
    private readonly secrets: SecretBox,
    private readonly events: EventLog,
    private readonly followers: readonly NumbersFollower[] = [],
  ) {}

  /**
   * Fetches and stores the numbers of every account under the authorization that was linked with
   * the `payment_method` permission and can be paid from (the others hold none). An account the
   * bank will not answer for keeps what was stored before.
   */
  async syncAuthorization(authorizationId: string): Promise<void> {
    const rows = await this.db
      .selectFrom('fc_accounts')
      .select(['id'])
      .where('authorization_id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .orderBy('id')
      .execute();
    for (const row of rows) await this.syncAccount(row.id);
  }

  /** Fetches and stores one account's numbers, as `syncAuthorization` does. */
  async syncAccount(accountId: string): Promise<void> {
    const row = await this.db
      .selectFrom('fc_accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row) return;
    const account = accountFromRow(row);
    const bankId = account.bankAccountId;
    let numbers: AccountNumbers[] = [];
    if (
      bankId !== null &&
      account.permissions.includes('payment_method') &&
      account.supportedPaymentMethodTypes.includes('us_bank_account')
    ) {
      const called = await this.bank.withGrant(
        account.authorizationId,
        (institutionId, grant) => this.bank.connector.getAccountNumbers(institutionId, grant, bankId),
        accountId,
      );
      if (!called?.result.ok) return;
      numbers = called.result.value;
    }
    const before = await this.open(accountId);
    const changed = before !== null && JSON.stringify(before) !== JSON.stringify(numbers);
    await this.db.transaction().execute(async (trx) => {
      const previous = await trx
        .selectFrom('fc_accounts')
        .select('account_numbers')
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('fc_accounts')
        .set(
          numbers.length === 0
            ? { account_numbers_sealed: null, account_numbers: null }
            : {
                account_numbers_sealed: this.secrets.seal(JSON.stringify(numbers), accountId),
                account_numbers: JSON.stringify(numbers.map(details)),
              },
        )
        .where('id', '=', accountId)
        .execute();
      // Numbers fetched for the first time come with the account; a change after that is news.
      if (!changed) return;
      const row = await trx
        .selectFrom('fc_accounts')
        .selectAll()
        .where('id', '=', accountId)
        .executeTakeFirstOrThrow();
      const account = accountFromRow(row);
      await this.events.record(trx, row.merchant_id, {
        type: 'financial_connections.account.account_numbers_updated',
        object: { kind: 'financial_connections.account', record: account },
        previous: {
          account_numbers: previous.account_numbers === null ? null : JSON.parse(previous.account_numbers),
        },
      });
      for (const follower of this.followers) await follower.numbersChanged(trx, account, before, numbers);
    });
  }

  /** The full numbers openfc holds for an account (to pay from it), or null. */
  async open(accountId: string): Promise<AccountNumbers[] | null> {
    return openNumbers(this.db, this.secrets, accountId);
  }
}
