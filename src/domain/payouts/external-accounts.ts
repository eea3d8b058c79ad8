import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { ApiError, invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import type { ConnectedAccountService } from '../merchants/connected-accounts.ts';
import type { Merchant } from '../merchants/service.ts';
import { mergeMetadata } from '../metadata.ts';
import type { Page, PageResult } from '../paging.ts';
import type { AccountHolderType } from '../payments/bank-account.ts';
import type { BankAccountTokens } from './bank-account-tokens.ts';
import {
  changedFields,
  type EmbeddedExternalAccounts,
  type ExternalAccount,
  type ExternalAccountStore,
} from './external-account-store.ts';
import type { LinkedBankStates } from './linked-bank-states.ts';

/** Every account openfc pays out to is a US bank account in dollars. */
export const payoutCurrency = 'usd';

export interface ExternalAccountChanges {
  defaultForCurrency?: boolean | undefined;
  accountHolderName?: string | undefined;
  /** null clears it. */
  accountHolderType?: AccountHolderType | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** Whether a bank account can be paid out to now; if not, the failure code Stripe gives such a payout. */
export type PayoutDestination =
  | { ok: true; externalAccount: ExternalAccount }
  | {
      ok: false;
      failureCode: 'no_account' | 'account_closed' | 'invalid_account_number' | 'could_not_process';
      message: string;
    };

/**
 * Connected accounts' bank accounts for payouts, made from bank account tokens by the platform.
 * Each change is the connected account's event (`account.external_account.*`), which its
 * platform hears through a Connect endpoint.
 */
export class ExternalAccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: ExternalAccountStore,
    private readonly connectedAccounts: ConnectedAccountService,
    private readonly tokens: BankAccountTokens,
    private readonly states: LinkedBankStates,
    private readonly events: EventLog,
  ) {}

  /** A connected account the viewer manages: one of its own, not deleted. */
  private async managed(viewer: Merchant, accountId: string): Promise<string> {
    const account = await this.connectedAccounts.find(viewer, accountId);
    if (!account || account.deleted || account.platformId !== viewer.id)
      throw resourceMissing('account', accountId, 'account');
    return account.id;
  }

  private async of(db: Kysely<Database>, accountId: string, id: string): Promise<ExternalAccount> {
    const found = await this.store.of(db, accountId, id);
    if (!found) throw resourceMissing('external account', id, 'id');
    return found;
  }

  async attach(
    viewer: Merchant,
    accountId: string,
    tokenId: string,
    options: {
      defaultForCurrency?: boolean | undefined;
      metadata?: Record<string, string | null> | undefined;
    },
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const token = await this.tokens.use(trx, viewer.id, account, tokenId);
      const same = await this.store.withFingerprint(trx, account, token.fingerprint);
      if (same) {
        throw new ApiError({
          status: 400,
          type: 'invalid_request_error',
          code: 'bank_account_exists',
          message: `A bank account with that routing number and account number already exists for this account: ${same.id}.`,
          param: 'external_account',
        });
      }
      // The linked account now: its numbers may have changed since the token was made.
      const now = await this.states.stateOf(trx, account, token.fcAccountId);
      const others = await this.store.inCurrency(trx, account, payoutCurrency);
      const external: ExternalAccount = {
        id: token.bankAccountId,
        accountId: account,
        fcAccountId: token.fcAccountId,
        created: Math.floor(Date.now() / 1000),
        accountHolderName: null,
        accountHolderType: token.accountHolderType,
        accountType: token.accountType,
        bankName: now?.bankName ?? token.bankName,
        last4: now?.last4 ?? token.last4,
        routingNumber: now?.routingNumber ?? token.routingNumber,
        fingerprint: token.fingerprint,
        currency: payoutCurrency,
        defaultForCurrency: others.length === 0 || options.defaultForCurrency === true,
        status: now?.status ?? 'errored',
        metadata: mergeMetadata({}, options.metadata),
      };
      if (external.defaultForCurrency) await this.dropDefault(trx, others, request);
      await this.store.insert(trx, external);
      await this.events.record(
        trx,
        account,
        { type: 'account.external_account.created', object: { kind: 'bank_account', record: external } },
        request,
      );
      return external;
    });
  }

  /** The other bank accounts in a currency lose their default, each with its event. */
  private async dropDefault(trx: Kysely<Database>, others: ExternalAccount[], request?: RequestRef) {
    for (const other of others.filter((o) => o.defaultForCurrency)) {
      await this.save(trx, other, { ...other, defaultForCurrency: false }, request);
    }
  }

  /** Writes a change and its `account.external_account.updated` event, if anything changed. */
  async save(
    trx: Kysely<Database>,
    before: ExternalAccount,
    after: ExternalAccount,
    request?: RequestRef | null,
  ): Promise<void> {
    const previous = changedFields(before, after);
    if (Object.keys(previous).length === 0) return;
    await this.store.write(trx, after);
    await this.events.record(
      trx,
      after.accountId,
      { type: 'account.external_account.updated', object: { kind: 'bank_account', record: after }, previous },
      request,
    );
  }

  /** A bank account of a connected account the viewer manages, or of the viewer itself (for `expand[]`). */
  find(viewer: Merchant, id: string): Promise<ExternalAccount | undefined> {
    return this.store.visibleTo(viewer.id, id);
  }

  async get(viewer: Merchant, accountId: string, id: string): Promise<ExternalAccount> {
    return this.of(this.db, await this.managed(viewer, accountId), id);
  }

  async update(
    viewer: Merchant,
    accountId: string,
    id: string,
    changes: ExternalAccountChanges,
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const current = await this.of(trx, account, id);
      if (changes.defaultForCurrency === false && current.defaultForCurrency) {
        throw invalidRequest(
          'You cannot unset the default external account for a currency. Make another external account the default for this currency instead.',
          'default_for_currency',
        );
      }
      const next: ExternalAccount = {
        ...current,
        accountHolderName: changes.accountHolderName ?? current.accountHolderName,
        accountHolderType:
          changes.accountHolderType === undefined ? current.accountHolderType : changes.accountHolderType,
        defaultForCurrency: current.defaultForCurrency || changes.defaultForCurrency === true,
        metadata: mergeMetadata(current.metadata, changes.metadata),
      };
      if (next.defaultForCurrency && !current.defaultForCurrency) {
        const others = await this.store.inCurrency(trx, account, current.currency);
        await this.dropDefault(
          trx,
          others.filter((o) => o.id !== id),
          request,
        );
      }
      await this.save(trx, current, next, request);
      return next;
    });
  }

  /** Deletes a bank account; the default for its currency goes only when it is the last one. */
  async delete(
    viewer: Merchant,
    accountId: string,
    id: string,
    request?: RequestRef,
  ): Promise<ExternalAccount> {
    const account = await this.managed(viewer, accountId);
    return this.db.transaction().execute(async (trx) => {
      const current = await this.of(trx, account, id);
      const others = (await this.store.inCurrency(trx, account, current.currency)).filter((o) => o.id !== id);
      if (current.defaultForCurrency && others.length > 0) {
        throw invalidRequest(
          'You cannot delete the default external account for your default currency. Please make another one the default and try again.',
        );
      }
      await this.store.remove(trx, account, id);
      await this.events.record(
        trx,
        account,
        { type: 'account.external_account.deleted', object: { kind: 'bank_account', record: current } },
        request,
      );
      return current;
    });
  }

  async list(
    viewer: Merchant,
    accountId: string,
    filter: { object?: 'bank_account' | 'card' | undefined },
    page: Page,
  ): Promise<PageResult<ExternalAccount>> {
    const account = await this.managed(viewer, accountId);
    // openfc keeps bank accounts only: there are no cards to list.
    if (filter.object === 'card') return { data: [], hasMore: false };
    return this.store.page(account, page);
  }

  /** What an account object embeds: its first bank accounts, and how many it has. */
  embedded(accountId: string): Promise<EmbeddedExternalAccounts> {
    return this.store.embedded(accountId);
  }

  /**
   * For payouts: whether a payout to bank account `id` of `accountId` would reach it now, judged
   * from the linked account under it; if not, the failure code Stripe gives such a payout.
   */
  async payoutDestination(accountId: string, id: string): Promise<PayoutDestination> {
    const external = await this.store.of(this.db, accountId, id);
    if (!external) {
      return { ok: false, failureCode: 'no_account', message: `The bank account '${id}' does not exist.` };
    }
    if (await this.states.closed(this.db, external.fcAccountId)) {
      return { ok: false, failureCode: 'account_closed', message: 'The bank account has been closed.' };
    }
    if (external.status === 'tokenized_account_number_deactivated') {
      return {
        ok: false,
        failureCode: 'invalid_account_number',
        message: "The bank account's tokenized account number was deactivated: it must be relinked.",
      };
    }
    if (external.status === 'errored') {
      return {
        ok: false,
        failureCode: 'could_not_process',
        message: 'The bank could not process this payout.',
      };
    }
    return { ok: true, externalAccount: external };
  }
}
