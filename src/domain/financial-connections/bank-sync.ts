import type { Kysely } from 'kysely';
import type {
  BankAccount,
  BankFailure,
  BankResult,
  Grant,
  InstitutionConnector,
} from '../../bank/connector.ts';
import { withFreshGrant } from '../../bank/fresh-grant.ts';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { ApiError } from '../errors.ts';
import type { EventLog } from '../events/log.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import { accountFromRow } from './accounts.ts';
import type { AuthorizationFact, Lifecycle, Transition } from './lifecycle.ts';
import type { AccountNumberDetails } from './types.ts';

/** How long before a consent ends the merchant is told it will (`status_details.active`). */
export const deactivationNoticeSeconds = 7 * 86_400;

/** Bank failures that end an authorization's access, by the fact they stand for. */
const brokenBy: Partial<Record<BankFailure['kind'], AuthorizationFact>> = {
  consent_expired: 'consent_expired',
  access_revoked: 'access_revoked',
  reauthentication_required: 'reauthentication_required',
  // The bank no longer accepts the refresh token: the holder's consent is gone.
  invalid_grant: 'access_revoked',
};

export function institutionUnavailable(failure: BankFailure, institutionName: string): ApiError {
  const when =
    failure.kind === 'institution_unavailable' && failure.expectedAvailableAt !== undefined
      ? ` It is expected to be available at ${failure.expectedAvailableAt} (Unix time).`
      : '';
  return new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'financial_connections_institution_unavailable',
    param: 'institution',
    message:
      failure.kind === 'institution_unavailable' && failure.recordsLost && failure.message
        ? `${institutionName}: ${failure.message}`
        : `${institutionName} is unavailable right now.${when}`,
  });
}

/**
 * What else follows the state of accounts (closed, reopened, numbers expired): told in the
 * transaction that stores the change.
 */
export interface AccountStateFollower {
  accountsChanged(trx: Kysely<Database>, accountIds: readonly string[]): Promise<void>;
}

/**
 * Keeps openfc's view of a connection in step with the bank: grants are sealed at rest, and what
 * the bank answers (a consent gone, an account closed or back) becomes a lifecycle transition.
 */
export class BankSync {
  /** Told when the bank answers that it lost its records of a connection (nothing changes here). */
  onRecordsLost: ((authorizationId: string) => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly connector: InstitutionConnector,
    private readonly secrets: SecretBox,
    private readonly lifecycle: Lifecycle,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
    private readonly followers: readonly AccountStateFollower[] = [],
  ) {}

  /**
   * Runs a lifecycle transition and writes its events in one transaction. Changes the bank
   * reports are not caused by an API request: their events carry no request.
   */
  private transition(change: (db: Kysely<Database>) => Promise<Transition>): Promise<Transition> {
    return this.db.transaction().execute(async (trx) => {
      const transition = await change(trx);
      await this.events.recordTransition(trx, transition, null);
      const changed = [...transition.deactivated, ...transition.reactivated];
      if (changed.length > 0)
        for (const follower of this.followers) await follower.accountsChanged(trx, changed);
      return transition;
    });
  }

  sealGrant(authorizationId: string, grant: Grant): string {
    return this.secrets.seal(JSON.stringify(grant), authorizationId);
  }

  private openGrant(authorizationId: string, sealed: string): Grant {
    return JSON.parse(this.secrets.open(sealed, authorizationId)) as Grant;
  }

  /**
   * The merchant's active authorizations whose consent, as the bank granted it, ends at or before
   * `at` (sandbox time), soonest first: what an advance of the sandbox clock to `at` deactivates.
   */
  async consentsEndingBy(
    merchantId: string,
    at: number,
  ): Promise<{ authorization: string; endsAt: number }[]> {
    const rows = await this.db
      .selectFrom('fc_authorizations')
      .select(['id', 'grant_sealed'])
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'active')
      .where('grant_sealed', 'is not', null)
      .execute();
    const ending = rows.flatMap((row) => {
      const endsAt = row.grant_sealed ? this.openGrant(row.id, row.grant_sealed).consentExpiresAt : Infinity;
      return endsAt <= at ? [{ authorization: row.id, endsAt }] : [];
    });
    return ending.sort((a, b) => a.endsAt - b.endsAt || a.authorization.localeCompare(b.authorization));
  }

  /**
   * Calls the bank under an authorization's grant: a refreshed grant is sealed and kept, and a
   * failure that ends access goes through the lifecycle (the authorization's, or with `accountId`
   * the account's). Undefined when there is no usable grant.
   */
  async withGrant<T>(
    authorizationId: string,
    operation: (institutionId: string, grant: Grant) => Promise<BankResult<T>>,
    accountId?: string,
  ): Promise<{ result: BankResult<T>; transitions: Transition[]; now: number } | undefined> {
    const row = await this.db
      .selectFrom('fc_authorizations')
      .select(['merchant_id', 'institution_id', 'grant_sealed', 'status'])
      .where('id', '=', authorizationId)
      .executeTakeFirst();
    if (!row?.grant_sealed || row.status === 'disconnected') return undefined;
    const grant = this.openGrant(authorizationId, row.grant_sealed);
    const now = await this.clocks.now(row.merchant_id);
    const { result, refreshed } = await withFreshGrant(this.connector, row.institution_id, grant, now, (g) =>
      operation(row.institution_id, g),
    );
    if (refreshed) {
      await this.db
        .updateTable('fc_authorizations')
        .set({ grant_sealed: this.sealGrant(authorizationId, refreshed) })
        .where('id', '=', authorizationId)
        .execute();
    }
    const transitions: Transition[] = [];
    if (!result.ok) {
      const kind = result.failure.kind;
      if (kind === 'institution_unavailable' && result.failure.recordsLost)
        this.onRecordsLost?.(authorizationId);
      const fact = brokenBy[kind];
      if (kind === 'holder_disconnected') await this.disconnectedByHolder(authorizationId);
      else if (fact)
        transitions.push(
          await this.transition((db) => this.lifecycle.breakAuthorization(db, authorizationId, fact)),
        );
      else if (accountId !== undefined && (kind === 'account_closed' || kind === 'account_unavailable'))
        transitions.push(await this.transition((db) => this.lifecycle.breakAccount(db, accountId, kind)));
    }
    return { result, transitions, now };
  }

  /**
   * The holder ended the connection at the bank: the authorization and its accounts are
   * disconnected, with one event per account, in one transaction. Nothing is revoked at the bank:
   * the holder already ended the grant there.
   */
  private async disconnectedByHolder(authorizationId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const accounts = await this.lifecycle.disconnectByHolder(trx, authorizationId);
      await this.events.recordAccounts(trx, 'financial_connections.account.disconnected', accounts, null);
    });
  }

  /**
   * Once every account of an authorization is disconnected, the authorization is disconnected and
   * its grant revoked at the bank. The revocation is best effort: a bank that fails to answer
   * leaves openfc's side disconnected all the same, and the grant is never used again.
   */
  async disconnectIfUnused(authorizationId: string): Promise<boolean> {
    if (!(await this.lifecycle.disconnectAuthorization(this.db, authorizationId))) return false;
    const row = await this.db
      .selectFrom('fc_authorizations')
      .select(['institution_id', 'grant_sealed'])
      .where('id', '=', authorizationId)
      .executeTakeFirst();
    if (row?.grant_sealed) {
      try {
        await this.connector.revoke(row.institution_id, this.openGrant(authorizationId, row.grant_sealed));
      } catch {
        // Best effort: the authorization stays disconnected on openfc's side.
      }
    }
    return true;
  }

  /**
   * Lists the accounts the bank shares under an authorization's stored grant, whatever the
   * authorization's status, with no lifecycle effect (for checks that a grant is still accepted).
   */
  async listAtBank(authorizationId: string): Promise<BankResult<BankAccount[]> | undefined> {
    const row = await this.db
      .selectFrom('fc_authorizations')
      .select(['institution_id', 'grant_sealed'])
      .where('id', '=', authorizationId)
      .executeTakeFirst();
    if (!row?.grant_sealed) return undefined;
    return this.connector.listAccounts(row.institution_id, this.openGrant(authorizationId, row.grant_sealed));
  }

  /** Asks the bank about an authorization and its accounts, and applies what it says. */
  async checkAuthorization(authorizationId: string): Promise<Transition[]> {
    let consentEndsAt = 0;
    const called = await this.withGrant(authorizationId, (institutionId, grant) => {
      consentEndsAt = grant.consentExpiresAt;
      return this.connector.listAccounts(institutionId, grant);
    });
    if (!called) return [];
    await this.expireNumbers(authorizationId, called.now);
    await this.db
      .updateTable('fc_authorizations')
      .set({ bank_checked_at: called.now })
      .where('id', '=', authorizationId)
      .execute();
    const { result } = called;
    if (!result.ok) return called.transitions;
    const endsSoon = consentEndsAt - called.now <= deactivationNoticeSeconds;
    await this.db.transaction().execute(async (trx) => {
      const notices = await this.lifecycle.noticeDeactivation(
        trx,
        authorizationId,
        endsSoon ? consentEndsAt : null,
      );
      await this.events.recordNotices(trx, notices, null);
    });
    await this.noticeNumberExpiry(authorizationId, called.now);
    const byBankId = new Map(result.value.map((a) => [a.id, a.status]));
    const accounts = await this.db
      .selectFrom('fc_accounts')
      .select(['id', 'bank_account_id', 'status'])
      .where('authorization_id', '=', authorizationId)
      .where('status', '!=', 'disconnected')
      .orderBy('id')
      .execute();
    const transitions: Transition[] = [];
    for (const account of accounts) {
      const status = account.bank_account_id
        ? (byBankId.get(account.bank_account_id) ?? 'unavailable')
        : 'open';
      if (status === 'closed')
        transitions.push(
          await this.transition((db) => this.lifecycle.breakAccount(db, account.id, 'account_closed')),
        );
      else if (status === 'unavailable') {
        transitions.push(
          await this.transition((db) => this.lifecycle.breakAccount(db, account.id, 'account_unavailable')),
        );
      } else if (account.status === 'inactive')
        transitions.push(await this.transition((db) => this.lifecycle.reopenAccount(db, account.id)));
    }
    return transitions;
  }

  /**
   * A tokenized number stops working on its expiry date, whether or not the bank can still be
   * asked: past it, by the merchant's clock, the account shows the number deactivated
   * (`account_numbers_updated`). A relink brings a new one.
   */
  private async expireNumbers(authorizationId: string, now: number): Promise<void> {
    const rows = await this.accountsWithNumbers(authorizationId, ['active', 'inactive']);
    for (const row of rows) {
      const before = row.account_numbers ?? '[]';
      const numbers = JSON.parse(before) as AccountNumberDetails[];
      const expired = (n: AccountNumberDetails) => {
        const expiry = tokenExpiry(n);
        return expiry !== null && expiry <= now;
      };
      if (!numbers.some(expired)) continue;
      const after = numbers.map((n) => (expired(n) ? { ...n, status: 'deactivated' as const } : n));
      await this.db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('fc_accounts')
          .set({ account_numbers: JSON.stringify(after) })
          .where('id', '=', row.id)
          .where('account_numbers', '=', before)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0) return;
        const account = await trx
          .selectFrom('fc_accounts')
          .selectAll()
          .where('id', '=', row.id)
          .executeTakeFirstOrThrow();
        await this.events.record(trx, row.merchant_id, {
          type: 'financial_connections.account.account_numbers_updated',
          object: { kind: 'financial_connections.account', record: accountFromRow(account) },
          previous: { account_numbers: numbers },
        });
        for (const follower of this.followers) await follower.accountsChanged(trx, [row.id]);
      });
    }
  }

  /**
   * `upcoming_account_number_expiry`, once per number: a transactable tokenized number of an
   * active account expires within the notice period, by the merchant's clock.
   */
  private async noticeNumberExpiry(authorizationId: string, now: number): Promise<void> {
    const rows = await this.accountsWithNumbers(authorizationId, ['active']);
    for (const row of rows) {
      const numbers = JSON.parse(row.account_numbers ?? '[]') as AccountNumberDetails[];
      const expiry = numbers
        .map(tokenExpiry)
        .find((at) => at !== null && at > now && at - now <= deactivationNoticeSeconds);
      if (expiry === undefined || expiry === null || Number(row.number_expiry_noticed) === expiry) continue;
      await this.db.transaction().execute(async (trx) => {
        const marked = await trx
          .updateTable('fc_accounts')
          .set({ number_expiry_noticed: expiry })
          .where('id', '=', row.id)
          .where((eb) =>
            eb.or([eb('number_expiry_noticed', 'is', null), eb('number_expiry_noticed', '!=', expiry)]),
          )
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) === 1)
          await this.events.recordAccounts(
            trx,
            'financial_connections.account.upcoming_account_number_expiry',
            [row.id],
            null,
          );
      });
    }
  }

  /** The accounts under an authorization that hold account numbers, in the given states. */
  private accountsWithNumbers(authorizationId: string, statuses: Array<'active' | 'inactive'>) {
    return this.db
      .selectFrom('fc_accounts')
      .select(['id', 'merchant_id', 'account_numbers', 'number_expiry_noticed'])
      .where('authorization_id', '=', authorizationId)
      .where('status', 'in', statuses)
      .where('account_numbers', 'is not', null)
      .execute();
  }
}

/** The expiry date of a transactable tokenized number; null for any other number. */
function tokenExpiry(n: AccountNumberDetails): number | null {
  return n.identifier_type === 'tokenized_account_number' && n.status === 'transactable'
    ? n.expected_expiry_date
    : null;
}
