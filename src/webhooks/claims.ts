import { randomUUID } from 'node:crypto';
import type { Kysely, QueryCreator, Selectable } from 'kysely';
import type { DialectCapabilities } from '../store/dialect.ts';
import type { QueryTemplates, Slot } from '../store/query-templates.ts';
import type { Database, EventsTable } from '../store/schema.ts';

/** A delivery this worker holds the claim of, with what sending it needs. */
export interface Claimed {
  id: string;
  merchantId: string;
  eventId: string;
  endpointId: string;
  /** The number of the attempt being made (1 for the first). */
  attempt: number;
  lease: string;
  /** Absent when the endpoint is gone or disabled, or the event has expired: nothing to send. */
  target?: {
    url: string;
    secretSealed: string;
    endpointVersion: string | null;
    defaultVersion: string;
    event: Selectable<EventsTable>;
    /** The event's deliveries still pending (this one included), as `pending_webhooks` shows. */
    pendingWebhooks: number;
  };
}

/** The claimed deliveries' columns, as the claim returns them. */
const claimedColumns = ['id', 'merchant_id', 'event_id', 'endpoint_id', 'attempts', 'created'] as const;

type ClaimedRow = Pick<Selectable<Database['webhook_deliveries']>, (typeof claimedColumns)[number]>;

/**
 * Claims up to `limit` due deliveries at once and reads what sending them needs: one UPDATE leases
 * the rows and moves their due time past the attempts' deadline (`lapses`); their events and
 * endpoints are read in the same statement where the database allows it (PostgreSQL), else by a
 * second one. If this process dies while sending, the claims lapse and any worker sends them again
 * (at least once). On PostgreSQL several workers share the outbox; a row another worker is
 * claiming is skipped, not waited for.
 */
export async function claimDue(
  db: Kysely<Database>,
  caps: DialectCapabilities,
  templates: QueryTemplates,
  limit: number,
  lapses: number,
): Promise<Claimed[]> {
  const lease = randomUUID();
  const values = [lease, lapses, Date.now(), limit];
  // The statements are built and compiled once (see `QueryTemplates`), then run with the values.
  const claim = (qc: QueryCreator<Database>, slot: Slot) =>
    qc
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        lease: slot<string>(0),
        next_attempt_at: slot<number>(1),
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', 'in', (eb) =>
        caps.skipLocked(
          eb
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', slot<number>(2))
            .orderBy('next_attempt_at')
            .limit(slot<number>(3)),
        ),
      )
      .returning(claimedColumns);
  let rows: TargetRow[];
  if (caps.writesInWith) {
    rows = await templates.rows('claim and read', values, (slot) =>
      selectTargets(db.with('claimed', (qc) => claim(qc, slot))),
    );
  } else {
    const claimed = await templates.rows('claim', values, (slot) => claim(db, slot));
    if (claimed.length === 0) return [];
    const ids = claimed.map((c) => c.id);
    rows = await templates.rows(`read ${ids.length}`, ids, (slot) =>
      selectTargets(
        db.with('claimed', (qc) =>
          qc
            .selectFrom('webhook_deliveries')
            .select(claimedColumns)
            .where(
              'id',
              'in',
              ids.map((_, i) => slot<string>(i)),
            ),
        ),
      ),
    );
  }
  return rows.map((row) => ({
    id: row.id,
    merchantId: row.merchant_id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    attempt: Number(row.attempts),
    lease,
    ...(row.url !== null &&
      row.secret_sealed !== null &&
      row.event_found !== null && {
        target: {
          url: row.url,
          secretSealed: row.secret_sealed,
          endpointVersion: row.endpoint_version,
          defaultVersion: row.default_api_version,
          event: {
            id: row.event_found,
            merchant_id: row.merchant_id,
            created: row.event_created as number,
            type: row.type as string,
            object_id: row.object_id as string,
            object_kind: row.object_kind as EventsTable['object_kind'],
            object_snapshot: row.object_snapshot as string,
            previous_attributes: row.previous_attributes,
            request_id: row.request_id,
            idempotency_key: row.idempotency_key,
            account: row.account,
          },
          pendingWebhooks: Number(row.pending_webhooks ?? 0),
        },
      }),
  }));
}

type TargetRow = Awaited<ReturnType<ReturnType<typeof selectTargets>['execute']>>[number];

/**
 * The claimed deliveries, oldest first, each with its event, its endpoint if still enabled, and
 * its merchant's default API version.
 */
function selectTargets(qc: QueryCreator<Database & { claimed: ClaimedRow }>) {
  return qc
    .selectFrom('claimed as c')
    .innerJoin('merchant_accounts as m', 'm.id', 'c.merchant_id')
    .leftJoin('events as e', 'e.id', 'c.event_id')
    .leftJoin('webhook_endpoints as w', (join) =>
      join.onRef('w.id', '=', 'c.endpoint_id').on('w.status', '=', 'enabled'),
    )
    .select([...claimedColumns.map((c) => `c.${c}` as const), 'm.default_api_version'])
    .select(['w.url', 'w.secret_sealed', 'w.api_version as endpoint_version'])
    .select([
      'e.id as event_found',
      'e.created as event_created',
      'e.type',
      'e.object_id',
      'e.object_kind',
      'e.object_snapshot',
      'e.previous_attributes',
      'e.request_id',
      'e.idempotency_key',
      'e.account',
    ])
    .select((eb) =>
      eb
        .selectFrom('webhook_deliveries as p')
        .select((p) => p.fn.countAll<number>().as('n'))
        .whereRef('p.event_id', '=', 'c.event_id')
        .where('p.status', '=', 'pending')
        .as('pending_webhooks'),
    )
    .orderBy('c.created')
    .orderBy('c.id');
}
