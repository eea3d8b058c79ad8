import type { Kysely, Selectable } from 'kysely';
import type { Database, MandatesTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

export const mandateIds = idKind('mandate');

/** Stripe's `customer_acceptance`, as the customer gave it. */
export type CustomerAcceptance =
  | { type: 'online'; accepted_at: number; online: { ip_address: string; user_agent: string } }
  | { type: 'offline'; accepted_at: number; offline: Record<string, never> };

/** A multi-use `us_bank_account` mandate: the customer's permission to debit a PaymentMethod. */
export interface Mandate {
  id: string;
  created: number;
  paymentMethod: string;
  status: MandatesTable['status'];
  customerAcceptance: CustomerAcceptance;
}

function fromRow(row: Selectable<MandatesTable>): Mandate {
  return {
    id: row.id,
    created: Number(row.created),
    paymentMethod: row.payment_method_id,
    status: row.status,
    customerAcceptance: JSON.parse(row.customer_acceptance) as CustomerAcceptance,
  };
}

/** Mandates: the one module that writes `mandates`. */
export class MandateService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly events: EventLog,
  ) {}

  async find(merchantId: string, id: string): Promise<Mandate | undefined> {
    const row = await this.db
      .selectFrom('mandates')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async get(merchantId: string, id: string): Promise<Mandate> {
    const mandate = await this.find(merchantId, id);
    if (!mandate) throw resourceMissing('mandate', id, 'mandate');
    return mandate;
  }

  /** Newest first (the dashboard's list: Stripe has no `GET /v1/mandates`). */
  async list(
    merchantId: string,
    filter: { paymentMethod?: string | undefined; status?: Mandate['status'] | undefined },
    page: Page,
  ): Promise<PageResult<Mandate>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('mandates').selectAll().where('merchant_id', '=', merchantId);
      if (filter.paymentMethod !== undefined) q = q.where('payment_method_id', '=', filter.paymentMethod);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }

  /** The PaymentMethod's newest active mandate: the one a later debit is made under. */
  async activeFor(merchantId: string, paymentMethodId: string): Promise<Mandate | undefined> {
    const row = await this.db
      .selectFrom('mandates')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('payment_method_id', '=', paymentMethodId)
      .where('status', '=', 'active')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A new active mandate for a PaymentMethod, written in the caller's transaction. */
  async insert(
    trx: Kysely<Database>,
    merchantId: string,
    paymentMethodId: string,
    acceptance: CustomerAcceptance,
  ): Promise<Mandate> {
    const row = {
      id: newId(mandateIds),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      payment_method_id: paymentMethodId,
      status: 'active' as const,
      customer_acceptance: JSON.stringify(acceptance),
    };
    await trx.insertInto('mandates').values(row).execute();
    return fromRow(row);
  }

  /**
   * Ends the active mandates of a PaymentMethod (it was detached: nobody may debit it under
   * them any more), each with its `mandate.updated` event.
   */
  async deactivateFor(
    trx: Kysely<Database>,
    merchantId: string,
    paymentMethodId: string,
    request?: RequestRef,
  ): Promise<void> {
    const active = await trx
      .selectFrom('mandates')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('payment_method_id', '=', paymentMethodId)
      .where('status', '=', 'active')
      .orderBy('id')
      .execute();
    for (const row of active) {
      const moved = await trx
        .updateTable('mandates')
        .set({ status: 'inactive' })
        .where('id', '=', row.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) continue;
      await this.events.record(
        trx,
        merchantId,
        {
          type: 'mandate.updated',
          object: { kind: 'mandate', record: { ...fromRow(row), status: 'inactive' } },
          previous: { status: 'active' },
        },
        request,
      );
    }
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    mandate: Mandate;
  }
}
