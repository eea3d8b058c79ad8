import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, TopupsTable } from '../../store/schema.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import { mergeMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { afterBusinessDays } from '../payments/payment-intent-rules.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';

export const topupIds = idKind('tu');

export type TopupStatus = TopupsTable['status'];

/** The statuses openfc's top-ups take (Stripe's `failed` is never reached: they do not fail). */
export const topupStatuses: readonly TopupStatus[] = ['pending', 'succeeded', 'canceled'];

/** Funds a platform adds to its balance from its bank account: Stripe's Topup. */
export interface Topup {
  id: string;
  created: number;
  amount: number;
  currency: string;
  status: TopupStatus;
  /** When the debit of the bank account settles and the funds become available (sandbox clock). */
  settlesAt: number;
  /** The funds' balance transaction, once the top-up succeeded. */
  balanceTransaction: string | null;
  description: string | null;
  metadata: Record<string, string>;
  statementDescriptor: string | null;
  transferGroup: string | null;
}

export interface TopupInput {
  amount: number;
  currency: string;
  description?: string | undefined;
  metadata?: Record<string, string | null> | undefined;
  statementDescriptor?: string | undefined;
  transferGroup?: string | undefined;
}

/** What an update sets: Stripe lets only these change. `null` clears the description. */
export interface TopupChanges {
  description?: string | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export interface TopupFilter {
  status?: TopupStatus | undefined;
  created?: TimeRange | undefined;
  amount?: TimeRange | undefined;
}

export function topupFromRow(row: Selectable<TopupsTable>): Topup {
  return {
    id: row.id,
    created: Number(row.created),
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    settlesAt: Number(row.settles_at),
    balanceTransaction: row.balance_transaction_id,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    statementDescriptor: row.statement_descriptor,
    transferGroup: row.transfer_group,
  };
}

/**
 * Top-ups: made pending, they succeed when the debit of the platform's bank account settles
 * (`TopupSettlement`, on the merchant's sandbox clock) or are canceled before then. The one module
 * that writes `topups`.
 */
export class TopupService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
    /** Business days before the debit of the bank account settles: the ACH settlement's. */
    private readonly settlementDays: number,
  ) {}

  async create(merchantId: string, input: TopupInput, request?: RequestRef): Promise<Topup> {
    const now = await this.clocks.now(merchantId);
    const row = {
      id: newId(topupIds),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      amount: input.amount,
      currency: input.currency,
      status: 'pending' as const,
      settles_at: afterBusinessDays(now, this.settlementDays),
      balance_transaction_id: null,
      description: input.description ?? null,
      metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
      statement_descriptor: input.statementDescriptor ?? null,
      transfer_group: input.transferGroup ?? null,
    };
    const topup = topupFromRow(row);
    madeObject(row.id);
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('topups').values(row).execute();
      await this.events.record(
        trx,
        merchantId,
        { type: 'topup.created', object: { kind: 'topup', record: topup } },
        request,
      );
    });
    return topup;
  }

  async find(merchantId: string, id: string): Promise<Topup | undefined> {
    const row = await this.db
      .selectFrom('topups')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && topupFromRow(row);
  }

  async get(merchantId: string, id: string): Promise<Topup> {
    const topup = await this.find(merchantId, id);
    if (!topup) throw resourceMissing('topup', id);
    return topup;
  }

  /** Sets the description and metadata; Stripe sends no event for it. */
  async update(merchantId: string, id: string, changes: TopupChanges): Promise<Topup> {
    const current = await this.get(merchantId, id);
    const next: Topup = {
      ...current,
      description: changes.description === undefined ? current.description : changes.description,
      metadata: mergeMetadata(current.metadata, changes.metadata),
    };
    await this.db
      .updateTable('topups')
      .set({ description: next.description, metadata: JSON.stringify(next.metadata) })
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .execute();
    // Settlement may have moved it meanwhile: answer with what is stored now.
    return this.get(merchantId, id);
  }

  /** Cancels a pending top-up: the debit is called back and no funds arrive. */
  async cancel(merchantId: string, id: string, request?: RequestRef): Promise<Topup> {
    const current = await this.get(merchantId, id);
    const canceled: Topup = { ...current, status: 'canceled' };
    const moved = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('topups')
        .set({ status: 'canceled' })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return false;
      await this.events.record(
        trx,
        merchantId,
        { type: 'topup.canceled', object: { kind: 'topup', record: canceled } },
        request,
      );
      return true;
    });
    if (!moved) {
      const now = await this.get(merchantId, id);
      throw invalidRequest(
        `You cannot cancel this top-up because it has a status of ${now.status}: only pending top-ups can be canceled.`,
      );
    }
    return canceled;
  }

  /** Newest first. */
  async list(merchantId: string, filter: TopupFilter, page: Page): Promise<PageResult<Topup>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('topups').selectAll().where('merchant_id', '=', merchantId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (filter.amount) q = q.where((eb) => within(eb, 'amount', filter.amount));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(topupFromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    topup: Topup;
  }
}
