import { type Kysely, sql } from 'kysely';
import type { Balance, Owner, Transaction } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog } from '../events/log.ts';
import { idKind, newId } from '../ids.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import { type AccountService, accountFromRow } from './accounts.ts';
import type { BankSync } from './bank-sync.ts';
import { type DataFeature, neededPermission, requireActive, requirePermission } from './data-access.ts';
import { storeTransactions } from './transactions.ts';
import type { FcAccount, RefreshState } from './types.ts';

export const ownershipIds = idKind('fcaowns');
export const ownerIds = idKind('fcaown');
export const transactionRefreshIds = idKind('fctxnref');

export const refreshFeatures = ['balance', 'inferred_balances', 'ownership', 'transactions'] as const;
export const subscriptionFeatures = ['balance', 'inferred_balances', 'transactions'] as const;

const refreshColumn = {
  balance: 'balance_refresh',
  ownership: 'ownership_refresh',
  transactions: 'transaction_refresh',
} as const;

/** The event written when a feature's refresh leaves pending. */
const refreshedEvent = {
  balance: 'financial_connections.account.refreshed_balance',
  ownership: 'financial_connections.account.refreshed_ownership',
  transactions: 'financial_connections.account.refreshed_transactions',
} as const;

/** Session `prefetch[]` values, by the feature they refresh. */
const prefetched: Record<string, DataFeature> = {
  balances: 'balance',
  ownership: 'ownership',
  transactions: 'transactions',
};

/** A refresh left pending this long (a process that stopped mid-way) may be started again. */
const stalePendingSeconds = 600;

/** A subscribed feature is refreshed again once its last attempt is this old (on the merchant's clock). */
export const scheduledRefreshSeconds = 86_400;

/** How long a clock advance waits for the scheduled refreshes it started. */
const scheduledWaitMs = 10_000;

/** The subscribable features that openfc refreshes on a schedule. */
const scheduledFeatures: readonly DataFeature[] = ['balance', 'transactions'];

function stripeBalance(balance: Balance): Record<string, unknown> {
  const c = balance.currency;
  return {
    as_of: balance.asOf,
    current: { [c]: balance.current },
    type: balance.type,
    ...(balance.type === 'cash'
      ? { cash: { available: { [c]: balance.available } } }
      : { credit: { used: { [c]: balance.used } } }),
  };
}

interface Started {
  feature: DataFeature;
  /** The pending state as stored: finishing is guarded on it. */
  pending: string;
}

/**
 * Refreshing an account's data from its bank: a refresh is marked pending at once and runs after
 * the response, in this process; it ends as succeeded or failed.
 */
export class AccountData {
  /** Each background refresh under way, with the account it refreshes. */
  private readonly running = new Map<Promise<void>, string>();
  /** Where failures of background refreshes (not bank failures: bugs) are reported. */
  onBackgroundError: (error: unknown) => void = (error) => console.error(error);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountService,
    private readonly bank: BankSync,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
  ) {}

  async refresh(merchantId: string, id: string, features: DataFeature[]): Promise<FcAccount> {
    const account = await this.accounts.get(merchantId, id);
    for (const feature of features) requirePermission(account, feature, 'features');
    requireActive(account);
    const started = await this.start(account, [...new Set(features)], await this.clocks.now(merchantId));
    const after = await this.accounts.get(merchantId, id);
    this.launch(id, started);
    return after;
  }

  /** Starts the refreshes a session's `prefetch[]` asks for on the accounts it linked. */
  async prefetch(merchantId: string, accountIds: string[], prefetch: string[] | null): Promise<void> {
    const at = await this.clocks.now(merchantId);
    for (const account of await this.accounts.getMany(merchantId, accountIds)) {
      if (account.status !== 'active') continue;
      const features = (prefetch ?? []).flatMap((p) => {
        const feature = prefetched[p];
        return feature && account.permissions.includes(neededPermission[feature]) ? [feature] : [];
      });
      // A prefetch that cannot start leaves the account as linked; it never fails the session.
      const started = await this.start(account, features, at).catch(() => []);
      this.launch(account.id, started);
    }
  }

  async subscribe(merchantId: string, id: string, features: DataFeature[]): Promise<FcAccount> {
    const account = await this.accounts.get(merchantId, id);
    for (const feature of features) requirePermission(account, feature, 'features');
    requireActive(account);
    const added = features.filter((f) => !account.subscriptions.includes(f));
    await this.setSubscriptions(account, [...account.subscriptions, ...added]);
    // A new transactions subscription starts with a refresh, as Stripe's does.
    const started = added.includes('transactions')
      ? await this.start(account, ['transactions'], await this.clocks.now(merchantId))
      : [];
    const after = await this.accounts.get(merchantId, id);
    this.launch(id, started);
    return after;
  }

  async unsubscribe(merchantId: string, id: string, features: DataFeature[]): Promise<FcAccount> {
    const account = await this.accounts.get(merchantId, id);
    await this.setSubscriptions(
      account,
      account.subscriptions.filter((s) => !features.includes(s as DataFeature)),
    );
    return this.accounts.get(merchantId, id);
  }

  /**
   * The daily refresh of subscribed accounts: on each of the merchant's active accounts, every
   * subscribed feature whose last attempt is at least a day before `at` (the merchant's clock) is
   * refreshed. Resolves once those refreshes ended, or after a bounded wait.
   */
  async refreshDue(merchantId: string, at: number): Promise<void> {
    // Through the partial index fc_accounts_subscribed (the condition a literal, as the index says
    // it): the few subscribed accounts, whatever their status. Filtering on status here would let
    // SQLite prefer fc_accounts_status and read every active account of the merchant.
    const rows = await this.db
      .selectFrom('fc_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where(sql<boolean>`subscriptions <> '[]'`)
      .orderBy('id')
      .execute();
    const launched: string[] = [];
    for (const account of rows.map(accountFromRow)) {
      if (account.status !== 'active') continue;
      const due = scheduledFeatures.filter((feature) => {
        if (!account.subscriptions.includes(feature)) return false;
        if (!account.permissions.includes(neededPermission[feature])) return false;
        const state = feature === 'balance' ? account.balanceRefresh : account.transactionRefresh;
        return state === null || state.last_attempted_at <= at - scheduledRefreshSeconds;
      });
      if (due.length === 0) continue;
      // An account that stopped being active meanwhile is simply skipped.
      const started = await this.start(account, due, at).catch(() => []);
      this.launch(account.id, started);
      if (started.length > 0) launched.push(account.id);
    }
    await this.settled(launched, scheduledWaitMs);
  }

  /** Resolves once no refresh of these accounts is running, or after `timeoutMs`. */
  async settled(accountIds: readonly string[], timeoutMs: number): Promise<void> {
    const ids = new Set(accountIds);
    const pending = () => [...this.running].filter(([, id]) => ids.has(id)).map(([job]) => job);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    let timedOut = false;
    void timeout.then(() => {
      timedOut = true;
    });
    try {
      for (let jobs = pending(); jobs.length > 0 && !timedOut; jobs = pending())
        await Promise.race([Promise.allSettled(jobs), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once no refresh is running (for shutting down). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.keys()]);
  }

  private async setSubscriptions(account: FcAccount, subscriptions: string[]): Promise<void> {
    const moved = await this.db
      .updateTable('fc_accounts')
      .set({ subscriptions: JSON.stringify(subscriptions) })
      .where('id', '=', account.id)
      .where('subscriptions', '=', JSON.stringify(account.subscriptions))
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) {
      throw invalidRequest(`The account '${account.id}' changed meanwhile; try again.`, 'features');
    }
  }

  /** Marks each feature pending, unless a refresh of it is already under way. */
  private async start(account: FcAccount, features: DataFeature[], at: number): Promise<Started[]> {
    const started: Started[] = [];
    for (const feature of features) {
      const column = refreshColumn[feature];
      const row = await this.db
        .selectFrom('fc_accounts')
        .select(column)
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      const current = row[column];
      const state = current === null ? null : (JSON.parse(current) as RefreshState);
      if (state?.status === 'pending' && state.last_attempted_at > at - stalePendingSeconds) continue;
      const pending = JSON.stringify({
        ...(feature === 'transactions' && { id: newId(transactionRefreshIds) }),
        last_attempted_at: at,
        next_refresh_available_at: null,
        status: 'pending',
      });
      let q = this.db
        .updateTable('fc_accounts')
        .set({ [column]: pending })
        .where('id', '=', account.id)
        .where('status', '=', 'active');
      q = current === null ? q.where(column, 'is', null) : q.where(column, '=', current);
      const moved = await q.executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 1) started.push({ feature, pending });
      else {
        // Someone moved first: the account stopped being active, or another refresh started.
        const moved = await this.db
          .selectFrom('fc_accounts')
          .select('status')
          .where('id', '=', account.id)
          .executeTakeFirstOrThrow();
        requireActive({ ...account, status: moved.status });
      }
    }
    return started;
  }

  private launch(accountId: string, started: Started[]): void {
    for (const s of started) {
      const job: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.run(accountId, s))
        .catch((error: unknown) => this.onBackgroundError(error))
        .finally(() => this.running.delete(job));
      this.running.set(job, accountId);
    }
  }

  private async run(accountId: string, { feature, pending }: Started): Promise<void> {
    const account = await this.db
      .selectFrom('fc_accounts')
      .select(['merchant_id', 'authorization_id', 'bank_account_id'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    const bankId = account.bank_account_id;
    const called =
      bankId === null
        ? undefined
        : await this.bank.withGrant<Balance | Owner[] | Transaction[]>(
            account.authorization_id,
            (institution, grant) => {
              const c = this.bank.connector;
              if (feature === 'balance') return c.getBalance(institution, grant, bankId);
              if (feature === 'ownership') return c.listOwners(institution, grant, bankId);
              return c.listTransactions(institution, grant, bankId);
            },
            accountId,
          );
    const column = refreshColumn[feature];
    const ended = await this.clocks.now(account.merchant_id);
    // The refresh leaves pending and its event is written in one transaction; a refresh that
    // someone else finished meanwhile (started again after going stale) writes nothing.
    const finish = async (db: Kysely<Database>, status: 'succeeded' | 'failed', extra = {}) => {
      const state = { ...(JSON.parse(pending) as RefreshState), status, next_refresh_available_at: ended };
      const moved = await db
        .updateTable('fc_accounts')
        .set({ ...extra, [column]: JSON.stringify(state) })
        .where('id', '=', accountId)
        .where(column, '=', pending)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 1)
        await this.events.recordAccounts(db, refreshedEvent[feature], [accountId], null);
    };
    if (!called?.result.ok) return this.db.transaction().execute((trx) => finish(trx, 'failed'));
    const value = called.result.value;
    const at = Math.floor(Date.now() / 1000);
    await this.db.transaction().execute(async (trx) => {
      if (feature === 'balance') {
        return finish(trx, 'succeeded', { balance: JSON.stringify(stripeBalance(value as Balance)) });
      }
      if (feature === 'ownership') {
        const ownershipId = newId(ownershipIds);
        await trx
          .insertInto('fc_account_ownerships')
          .values({ id: ownershipId, merchant_id: account.merchant_id, account_id: accountId, created: at })
          .execute();
        const owners = value as Owner[];
        if (owners.length > 0) {
          await trx
            .insertInto('fc_account_owners')
            .values(
              owners.map((o) => ({
                id: newId(ownerIds),
                ownership_id: ownershipId,
                name: o.name,
                email: o.email,
                phone: o.phone,
                raw_address: o.address,
                refreshed_at: at,
              })),
            )
            .execute();
        }
        return finish(trx, 'succeeded', { ownership_id: ownershipId });
      }
      const refreshId = (JSON.parse(pending) as { id: string }).id;
      await storeTransactions(trx, account.merchant_id, accountId, refreshId, value as Transaction[], at);
      return finish(trx, 'succeeded');
    });
  }
}
