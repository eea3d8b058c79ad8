import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DialectCapabilities } from '../store/dialect.ts';
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

/**
 * Claims up to `limit` due deliveries at once and reads what sending them needs: one UPDATE that
 * leases the rows and moves their due time past the attempts' deadline (`lapses`), then one read
 * of their events and endpoints. If this process dies while sending, the claims lapse and any
 * worker sends them again (at least once). On PostgreSQL several workers share the outbox; a row
 * another worker is claiming is skipped, not waited for.
 */
export async function claimDue(
  db: Kysely<Database>,
  caps: DialectCapabilities,
  limit: number,
  lapses: number,
): Promise<Claimed[]> {
  const now = Date.now();
  const lease = randomUUID();
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ lease, next_attempt_at: lapses, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', (eb) =>
      caps.skipLocked(
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .limit(limit),
      ),
    )
    // A row another claim took between the subquery and the update is not this claim's.
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .returning(['id', 'merchant_id', 'event_id', 'endpoint_id', 'attempts', 'created'])
    .execute();
  if (claimed.length === 0) return [];
  const targets = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .innerJoin('merchant_accounts as m', 'm.id', 'd.merchant_id')
    .selectAll('e')
    .select(['d.id as delivery_id', 'w.url', 'w.secret_sealed', 'w.api_version as endpoint_version'])
    .select('m.default_api_version')
    .select((eb) =>
      eb
        .selectFrom('webhook_deliveries as p')
        .select((p) => p.fn.countAll<number>().as('n'))
        .whereRef('p.event_id', '=', 'd.event_id')
        .where('p.status', '=', 'pending')
        .as('pending_webhooks'),
    )
    .where(
      'd.id',
      'in',
      claimed.map((c) => c.id),
    )
    .where('w.status', '=', 'enabled')
    .execute();
  const byDelivery = new Map(targets.map((t) => [t.delivery_id, t]));
  // Sent oldest first, as they were written (the update returns its rows in no set order).
  claimed.sort((a, b) => Number(a.created) - Number(b.created) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return claimed.map((c) => {
    const row = byDelivery.get(c.id);
    return {
      id: c.id,
      merchantId: c.merchant_id,
      eventId: c.event_id,
      endpointId: c.endpoint_id,
      attempt: Number(c.attempts),
      lease,
      ...(row && {
        target: {
          url: row.url,
          secretSealed: row.secret_sealed,
          endpointVersion: row.endpoint_version,
          defaultVersion: row.default_api_version,
          event: row,
          pendingWebhooks: Number(row.pending_webhooks ?? 0),
        },
      }),
    };
  });
}
