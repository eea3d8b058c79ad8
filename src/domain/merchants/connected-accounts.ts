import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, MerchantAccountsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { newId } from '../ids.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { EmbeddedExternalAccounts, ExternalAccountStore } from '../payouts/external-account-store.ts';
import { type Merchant, merchantFromRow, merchantIds } from './service.ts';

export type ConnectedAccountType = 'custom' | 'express';
export type BusinessType = 'individual' | 'company';

/** The capabilities a platform can request for a connected account. */
export const capabilityNames = ['card_payments', 'transfers', 'us_bank_account_ach_payments'] as const;
export type Capability = (typeof capabilityNames)[number];

/**
 * A Stripe account as openfc keeps it: a platform (the holder of API keys) or one of its
 * connected accounts. A connected account is a merchant account of its own, so that everything
 * made while acting as it (`Stripe-Account`) is scoped by its id.
 */
export interface Account {
  id: string;
  /** null: a platform; otherwise the platform that made this connected account. */
  platformId: string | null;
  name: string;
  created: number;
  /** null for a platform, whose account is Stripe's `standard`. */
  type: ConnectedAccountType | null;
  email: string | null;
  country: string;
  businessType: BusinessType | null;
  capabilities: Capability[];
  metadata: Record<string, string>;
  deleted: boolean;
  /** The bank accounts it is paid out to, where an account object is shown with them. */
  externalAccounts?: EmbeddedExternalAccounts | undefined;
}

export interface ConnectedAccountInput {
  type: ConnectedAccountType;
  email?: string | undefined;
  country?: string | undefined;
  businessType?: BusinessType | undefined;
  capabilities?: Capability[] | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** Fields an update sets; `null` clears a field, `undefined` leaves it. */
export interface ConnectedAccountChanges {
  email?: string | null | undefined;
  businessType?: BusinessType | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** Every account openfc keeps is in the United States. */
const homeCountry = 'US';

function fromRow(row: Selectable<MerchantAccountsTable>): Account {
  return {
    id: row.id,
    platformId: row.platform_id,
    name: row.name,
    created: Number(row.created),
    type: row.type,
    email: row.email,
    country: row.country ?? homeCountry,
    businessType: row.business_type,
    capabilities: row.capabilities === null ? [] : (JSON.parse(row.capabilities) as Capability[]),
    metadata: row.metadata === null ? {} : (JSON.parse(row.metadata) as Record<string, string>),
    deleted: row.deleted === 1,
  };
}

/** The fields of `before` that differ in `after`, with their old values, as Stripe's wire names them. */
function changedFields(before: Account, after: Account): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (before.email !== after.email) out.email = before.email;
  if (before.businessType !== after.businessType) out.business_type = before.businessType;
  const metadata = previousMetadata(before.metadata, after.metadata);
  if (metadata) out.metadata = metadata;
  return out;
}

/** Connected accounts, made and kept by their platform. */
export class ConnectedAccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly events: EventLog,
    private readonly externalAccounts: ExternalAccountStore,
  ) {}

  /** A connected account with the bank accounts it is paid out to (a platform is paid by other means). */
  async withExternalAccounts(account: Account): Promise<Account> {
    if (account.platformId === null) return account;
    return { ...account, externalAccounts: await this.externalAccounts.embedded(account.id) };
  }

  async create(platform: Merchant, input: ConnectedAccountInput): Promise<Account> {
    const row = {
      id: newId(merchantIds),
      name: platform.name,
      default_api_version: platform.defaultApiVersion,
      created: Math.floor(Date.now() / 1000),
      platform_id: platform.id,
      type: input.type,
      email: input.email ?? null,
      country: input.country ?? homeCountry,
      business_type: input.businessType ?? null,
      capabilities: JSON.stringify(input.capabilities ?? []),
      metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
      deleted: 0,
    };
    madeObject(row.id);
    await this.db.insertInto('merchant_accounts').values(row).execute();
    return fromRow(row);
  }

  /** The viewer's own account, or one of its connected accounts (deleted or not). */
  async find(viewer: Merchant, id: string): Promise<Account | undefined> {
    const row = await this.db
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('id', '=', viewer.id), eb('platform_id', '=', viewer.id)]))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** The viewer's own account, or one of its connected accounts that is not deleted. */
  async get(viewer: Merchant, id: string): Promise<Account> {
    const account = await this.find(viewer, id);
    if (!account || account.deleted) throw resourceMissing('account', id, 'account');
    return account;
  }

  /** One of the platform's connected accounts that is not deleted. */
  async connected(platform: Merchant, id: string): Promise<Account> {
    const account = await this.find(platform, id);
    if (!account || account.deleted || account.platformId !== platform.id)
      throw resourceMissing('account', id, 'account');
    return account;
  }

  /**
   * The merchant a request acts as when it names `id` in `Stripe-Account`: the key holder itself
   * or one of its connected accounts that is not deleted; undefined for any other.
   */
  async actingAs(holder: Merchant, id: string): Promise<Merchant | undefined> {
    if (id === holder.id) return holder;
    const row = await this.db
      .selectFrom('merchant_accounts')
      .select(['id', 'name', 'default_api_version', 'platform_id'])
      .where('id', '=', id)
      .where('platform_id', '=', holder.id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return row && merchantFromRow(row);
  }

  async update(
    platform: Merchant,
    id: string,
    changes: ConnectedAccountChanges,
    request?: RequestRef,
  ): Promise<Account> {
    const current = await this.withExternalAccounts(await this.connected(platform, id));
    const next: Account = {
      ...current,
      email: changes.email === undefined ? current.email : changes.email,
      businessType: changes.businessType === undefined ? current.businessType : changes.businessType,
      metadata: mergeMetadata(current.metadata, changes.metadata),
    };
    const previous = changedFields(current, next);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('merchant_accounts')
        .set({
          email: next.email,
          business_type: next.businessType,
          metadata: JSON.stringify(next.metadata),
        })
        .where('id', '=', id)
        .where('platform_id', '=', platform.id)
        .where('deleted', '=', 0)
        .execute();
      // The connected account's own event: its platform hears it through a Connect endpoint.
      if (Object.keys(previous).length > 0) {
        await this.events.record(
          trx,
          id,
          { type: 'account.updated', object: { kind: 'account', record: next }, previous },
          request,
        );
      }
    });
    return next;
  }

  /** Deletes a connected account: its platform can no longer act as it, nor list it. */
  async delete(platform: Merchant, id: string): Promise<void> {
    const result = await this.db
      .updateTable('merchant_accounts')
      .set({ deleted: 1 })
      .where('id', '=', id)
      .where('platform_id', '=', platform.id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw resourceMissing('account', id, 'account');
  }

  async list(
    platform: Merchant,
    filter: { created?: TimeRange | undefined },
    page: Page,
  ): Promise<PageResult<Account>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db
        .selectFrom('merchant_accounts')
        .selectAll()
        .where('platform_id', '=', platform.id)
        .where('deleted', '=', 0);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    account: Account;
  }
}
