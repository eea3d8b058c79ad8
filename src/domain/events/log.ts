import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import { allColumns } from '../../store/columns.ts';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, EventsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import { accountFromRow, authorizationFromRow } from '../financial-connections/accounts.ts';
import type { NoticeChange, Transition } from '../financial-connections/lifecycle.ts';
import { idKind, newId } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

export const eventIds = idKind('evt');

/** The API request that caused a change; absent for changes openfc makes on its own. */
export interface RequestRef {
  id: string;
  idempotencyKey: string | undefined;
}

/**
 * The records events can be about, by Stripe object type. The module that defines a record adds
 * it here (`declare module '…/events/log.ts'`), so a new kind of object needs no change here.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the modules that define the records
export interface EventObjectTypes {}

/** The object an event is about, kept as the domain record so it renders for any API version. */
export type EventObject = {
  [K in keyof EventObjectTypes]: { kind: K; record: EventObjectTypes[K] };
}[keyof EventObjectTypes];

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
  /** Webhook endpoints still to receive it. */
  pendingWebhooks: number;
  /** The connected account the event comes from; null for a platform's own events. */
  account: string | null;
}

/**
 * What else happens in the transaction that writes an event: the webhook outbox queues its
 * deliveries there, so that an event and its deliveries commit together or not at all.
 */
export interface EventFanout {
  enqueue(db: Kysely<Database>, merchantId: string, event: { id: string; type: string }): Promise<void>;
}

export interface EventFilter {
  /** Exact types, or prefixes when a type ends in `*`. */
  types?: string[] | undefined;
  created?: TimeRange | undefined;
  /** Only events delivered to every endpoint (true), or not yet or never delivered (false). */
  deliverySuccess?: boolean | undefined;
  /** Leaves out these types (preview-only types, for a reader on a GA version). */
  excludeTypes?: readonly string[] | undefined;
}

const eventColumns = allColumns<EventsTable>()([
  'id',
  'merchant_id',
  'created',
  'type',
  'object_id',
  'object_kind',
  'object_snapshot',
  'previous_attributes',
  'request_id',
  'idempotency_key',
  'account',
]);

/** An event as stored; `pendingWebhooks` is counted from the outbox by the reader. */
export function eventFromRow(row: Selectable<EventsTable>, pendingWebhooks: number): StoredEvent {
  // The snapshot was written from a record of this kind.
  const object = { kind: row.object_kind, record: JSON.parse(row.object_snapshot) } as EventObject;
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
    pendingWebhooks,
    account: row.account ?? null,
  };
}

/** An authorization or account as `db` sees it now, as the object of an event. */
async function loadConnectionObject(
  db: Kysely<Database>,
  kind: 'authorization' | 'account',
  id: string,
): Promise<{ merchantId: string; object: EventObject } | undefined> {
  if (kind === 'account') {
    const row = await db.selectFrom('fc_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return (
      row && {
        merchantId: row.merchant_id,
        object: { kind: 'financial_connections.account', record: accountFromRow(row) },
      }
    );
  }
  const row = await db.selectFrom('fc_authorizations').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      merchantId: row.merchant_id,
      object: { kind: 'financial_connections.authorization', record: authorizationFromRow(row) },
    }
  );
}

/** Merchants known to be connected accounts or not: a merchant never changes which it is. */
const maxKnownMerchants = 10_000;

/** Events are kept, and listed, for 30 days. */
export const eventRetentionSeconds = 30 * 86_400;

/** The merchant-visible log of changes, written in the transaction of the change it describes. */
export class EventLog {
  private readonly connected = new Map<string, boolean>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly fanout?: EventFanout,
  ) {}

  /** Whether the merchant is a connected account, whose events carry its id as `account`. */
  private async isConnected(db: Kysely<Database>, merchantId: string): Promise<boolean> {
    const known = this.connected.get(merchantId);
    if (known !== undefined) return known;
    const row = await db
      .selectFrom('merchant_accounts')
      .select('platform_id')
      .where('id', '=', merchantId)
      .executeTakeFirst();
    const connected = row?.platform_id != null;
    if (this.connected.size >= maxKnownMerchants) this.connected.clear();
    this.connected.set(merchantId, connected);
    return connected;
  }

  async record(
    db: Kysely<Database>,
    merchantId: string,
    event: EventInput,
    request?: RequestRef | null,
  ): Promise<void> {
    const { object } = event;
    const snapshot = object.record;
    const id = newId(eventIds);
    await db
      .insertInto('events')
      .values({
        id,
        merchant_id: merchantId,
        created: Math.floor(Date.now() / 1000),
        type: event.type,
        object_id: snapshot.id,
        object_kind: object.kind,
        object_snapshot: JSON.stringify(snapshot),
        previous_attributes: event.previous === undefined ? null : JSON.stringify(event.previous),
        request_id: request?.id ?? null,
        idempotency_key: request?.idempotencyKey ?? null,
        account: (await this.isConnected(db, merchantId)) ? merchantId : null,
      })
      .execute();
    await this.fanout?.enqueue(db, merchantId, { id, type: event.type });
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
        { type, object: { kind: 'financial_connections.account', record: account } },
        request,
      );
    }
  }

  /**
   * The events of expected deactivation dates: `upcoming_deactivation` when a date first shows,
   * `expected_deactivation_date_updated` when it moves or goes; for authorizations and accounts.
   */
  async recordNotices(db: Kysely<Database>, changes: readonly NoticeChange[], request?: RequestRef | null) {
    for (const change of changes) {
      const what = change.before === null ? 'upcoming_deactivation' : 'expected_deactivation_date_updated';
      const loaded = await loadConnectionObject(db, change.kind, change.id);
      if (!loaded) continue;
      await this.record(
        db,
        loaded.merchantId,
        {
          type: `${loaded.object.kind}.${what}`,
          object: loaded.object,
          previous: { status_details: JSON.parse(change.previousDetails) as unknown },
        },
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

  /** The merchant's events of the last 30 days, each with its count of pending webhooks. */
  private visible(merchantId: string) {
    const since = Math.floor(Date.now() / 1000) - eventRetentionSeconds;
    return this.db
      .selectFrom('events')
      .select(eventColumns.map((c) => `events.${c}` as const))
      .select((eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select((d) => d.fn.countAll<number>().as('n'))
          .whereRef('webhook_deliveries.event_id', '=', 'events.id')
          .where('webhook_deliveries.status', '=', 'pending')
          .as('pending_webhooks'),
      )
      .where('events.merchant_id', '=', merchantId)
      .where('events.created', '>=', since);
  }

  async get(merchantId: string, id: string): Promise<StoredEvent> {
    const row = await this.visible(merchantId).where('events.id', '=', id).executeTakeFirst();
    if (!row) throw resourceMissing('event', id);
    return eventFromRow(row, Number(row.pending_webhooks ?? 0));
  }

  /** The merchant's events with ids from `fromId` on, oldest first: what a stream scans. */
  async from(merchantId: string, fromId: string, limit: number): Promise<StoredEvent[]> {
    const rows = await this.visible(merchantId)
      .where('events.id', '>=', fromId)
      .orderBy('events.id', 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => eventFromRow(row, Number(row.pending_webhooks ?? 0)));
  }

  async list(merchantId: string, filter: EventFilter, page: Page): Promise<PageResult<StoredEvent>> {
    const result = await fetchPage(page, (w) => {
      let q = this.visible(merchantId);
      if (w.cursor !== undefined) q = q.where('events.id', w.direction, w.cursor);
      const types = filter.types;
      if (types !== undefined) {
        q = q.where((eb) =>
          eb.or(
            types.map((t) =>
              t.endsWith('*')
                ? sql<boolean>`events.type like ${`${t.slice(0, -1).replace(/[%_\\]/g, (m) => `\\${m}`)}%`} escape '\\'`
                : eb('events.type', '=', t),
            ),
          ),
        );
      }
      if (filter.created) q = q.where((eb) => within(eb, 'events.created', filter.created));
      if (filter.excludeTypes?.length) q = q.where('events.type', 'not in', filter.excludeTypes);
      if (filter.deliverySuccess !== undefined) {
        // Delivered everywhere: no delivery still pending or given up on.
        const undelivered = (eb: ExpressionBuilder<Database, 'events'>) =>
          eb.exists(
            eb
              .selectFrom('webhook_deliveries')
              .select('webhook_deliveries.id')
              .whereRef('webhook_deliveries.event_id', '=', 'events.id')
              .where('webhook_deliveries.status', 'in', ['pending', 'failed']),
          );
        q = q.where((eb) => (filter.deliverySuccess ? eb.not(undelivered(eb)) : undelivered(eb)));
      }
      return q.orderBy('events.id', w.order).limit(w.limit).execute();
    });
    return {
      data: result.data.map((row) => eventFromRow(row, Number(row.pending_webhooks ?? 0))),
      hasMore: result.hasMore,
    };
  }

  /** Forgets events older than 30 days, with their deliveries and attempts. */
  async pruneExpired(): Promise<void> {
    const before = Math.floor(Date.now() / 1000) - eventRetentionSeconds;
    const old = this.db.selectFrom('events').select('id').where('created', '<', before);
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_attempts').where('event_id', 'in', old).execute();
      await trx.deleteFrom('webhook_deliveries').where('event_id', 'in', old).execute();
      await trx.deleteFrom('events').where('created', '<', before).execute();
    });
  }
}
