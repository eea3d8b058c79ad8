import { type Kysely, type Selectable, sql } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, EventsTable } from '../../store/schema.ts';
import type { Customer } from '../customers/service.ts';
import { resourceMissing } from '../errors.ts';
import { accountFromRow } from '../financial-connections/accounts.ts';
import type { Transition } from '../financial-connections/lifecycle.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

/** The API request that caused a change; absent for changes openfc makes on its own. */
export interface RequestRef {
  id: string;
  idempotencyKey: string | undefined;
}

/** The object an event is about, kept as the domain record so it renders for any API version. */
export type EventObject =
  | { kind: 'customer'; customer: Customer }
  | { kind: 'financial_connections.account'; account: FcAccount };

export interface EventInput {
  type: string;
  object: EventObject;
  previous?: Record<string, unknown> | undefined;
}

export interface StoredEvent {
  id: string;
  created: number;
  type: string;
  object: EventObject;
  previousAttributes: Record<string, unknown> | null;
  request: { id: string | null; idempotencyKey: string | null } | null;
}

export interface EventFilter {
  /** Exact types, or prefixes when a type ends in `*`. */
  types?: string[] | undefined;
  created?: TimeRange | undefined;
}

function fromRow(row: Selectable<EventsTable>): StoredEvent {
  const snapshot = JSON.parse(row.object_snapshot) as unknown;
  const object: EventObject =
    row.object_kind === 'customer'
      ? { kind: 'customer', customer: snapshot as Customer }
      : { kind: 'financial_connections.account', account: snapshot as FcAccount };
  return {
    id: row.id,
    created: Number(row.created),
    type: row.type,
    object,
    previousAttributes:
      row.previous_attributes === null
        ? null
        : (JSON.parse(row.previous_attributes) as Record<string, unknown>),
    request:
      row.request_id === null && row.idempotency_key === null
        ? null
        : { id: row.request_id, idempotencyKey: row.idempotency_key },
  };
}

/** The merchant-visible log of changes, written in the transaction of the change it describes. */
export class EventLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(
    db: Kysely<Database>,
    merchantId: string,
    event: EventInput,
    request?: RequestRef | null,
  ): Promise<void> {
    const { object } = event;
    const snapshot = object.kind === 'customer' ? object.customer : object.account;
    await db
      .insertInto('events')
      .values({
        id: newId('event'),
        merchant_id: merchantId,
        created: Math.floor(Date.now() / 1000),
        type: event.type,
        object_id: snapshot.id,
        object_kind: object.kind,
        object_snapshot: JSON.stringify(snapshot),
        previous_attributes: event.previous === undefined ? null : JSON.stringify(event.previous),
        request_id: request?.id ?? null,
        idempotency_key: request?.idempotencyKey ?? null,
      })
      .execute();
  }

  /** One event per account of `ids`, as each stands now in `db`, with the given type. */
  async recordAccounts(
    db: Kysely<Database>,
    type: string,
    ids: readonly string[],
    request?: RequestRef | null,
  ): Promise<void> {
    if (ids.length === 0) return;
    const rows = await db.selectFrom('fc_accounts').selectAll().where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const row = byId.get(id);
      if (!row) continue;
      const account = accountFromRow(row);
      await this.record(
        db,
        row.merchant_id,
        { type, object: { kind: 'financial_connections.account', account } },
        request,
      );
    }
  }

  /** The events of a lifecycle transition: one per account it deactivated or reactivated. */
  async recordTransition(db: Kysely<Database>, transition: Transition, request?: RequestRef | null) {
    await this.recordAccounts(
      db,
      'financial_connections.account.deactivated',
      transition.deactivated,
      request,
    );
    await this.recordAccounts(
      db,
      'financial_connections.account.reactivated',
      transition.reactivated,
      request,
    );
  }

  async get(merchantId: string, id: string): Promise<StoredEvent> {
    const row = await this.db
      .selectFrom('events')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('event', id);
    return fromRow(row);
  }

  async list(merchantId: string, filter: EventFilter, page: Page): Promise<PageResult<StoredEvent>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('events').selectAll().where('merchant_id', '=', merchantId);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      const types = filter.types;
      if (types !== undefined) {
        q = q.where((eb) =>
          eb.or(
            types.map((t) =>
              t.endsWith('*')
                ? sql<boolean>`type like ${`${t.slice(0, -1).replace(/[%_\\]/g, (m) => `\\${m}`)}%`} escape '\\'`
                : eb('type', '=', t),
            ),
          ),
        );
      }
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}
