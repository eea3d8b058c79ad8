import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookAttemptsTable, WebhookDeliveriesTable } from '../store/schema.ts';

/** One try at sending a delivery. Times are Unix milliseconds. */
export interface DeliveryAttempt {
  id: string;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: number | null;
}

/** One event sent (or to send) to one webhook endpoint, with every attempt so far. */
export interface Delivery {
  id: string;
  endpoint: { id: string; url: string };
  created: number;
  status: WebhookDeliveriesTable['status'];
  nextAttemptAt: number | null;
  attempts: DeliveryAttempt[];
}

type DeliveryRow = Pick<
  Selectable<WebhookDeliveriesTable>,
  'id' | 'created' | 'status' | 'next_attempt_at' | 'lease'
> & { endpoint_id: string; url: string };

function toDelivery(d: DeliveryRow, attempts: Selectable<WebhookAttemptsTable>[]): Delivery {
  return {
    id: d.id,
    endpoint: { id: d.endpoint_id, url: d.url },
    created: Number(d.created),
    status: d.status,
    // While a worker holds it, the column is when its claim lapses, not a planned try.
    nextAttemptAt: d.status === 'pending' && d.lease === null ? Number(d.next_attempt_at) : null,
    attempts: attempts
      .filter((a) => a.delivery_id === d.id)
      .map((a) => ({
        id: a.id,
        attemptedAt: Number(a.attempted_at),
        durationMs: a.duration_ms,
        statusCode: a.status_code,
        error: a.error,
        responseExcerpt: a.response_excerpt,
        nextAttemptAt: a.next_attempt_at === null ? null : Number(a.next_attempt_at),
      })),
  };
}

/** Reading the outbox's deliveries and the worker's attempts, for the merchant who owns them. */
export class DeliveryLog {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * An event's deliveries, oldest first, each with its attempts in order. The attempts are read
   * first: an attempt commits with its delivery's new state, so any attempt shown comes with the
   * state it left its delivery in (a later attempt shows on the next read).
   */
  async ofEvent(merchantId: string, eventId: string): Promise<Delivery[]> {
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('event_id', '=', eventId)
      .orderBy('id', 'asc')
      .execute();
    const deliveries = await this.deliveries(merchantId)
      .where('webhook_deliveries.event_id', '=', eventId)
      .orderBy('webhook_deliveries.id', 'asc')
      .execute();
    return deliveries.map((d) => toDelivery(d, attempts));
  }

  /**
   * An endpoint's latest deliveries, newest first, each with its event and its attempts in order
   * (read attempts first, as for `ofEvent`).
   */
  async ofEndpoint(
    merchantId: string,
    endpointId: string,
    limit: number,
  ): Promise<(Delivery & { event: { id: string; type: string } })[]> {
    const attempts = await this.db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('endpoint_id', '=', endpointId)
      .where('delivery_id', 'in', (eb) =>
        eb
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('endpoint_id', '=', endpointId)
          .where('merchant_id', '=', merchantId)
          .orderBy('id', 'desc')
          .limit(limit),
      )
      .orderBy('id', 'asc')
      .execute();
    const deliveries = await this.deliveries(merchantId)
      .innerJoin('events', 'events.id', 'webhook_deliveries.event_id')
      .select(['events.type as event_type'])
      .where('webhook_deliveries.endpoint_id', '=', endpointId)
      .orderBy('webhook_deliveries.id', 'desc')
      .limit(limit)
      .execute();
    return deliveries.map((d) => ({
      ...toDelivery(d, attempts),
      event: { id: d.event_id, type: d.event_type },
    }));
  }

  private deliveries(merchantId: string) {
    return this.db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
      .select([
        'webhook_deliveries.id',
        'webhook_deliveries.event_id',
        'webhook_deliveries.created',
        'webhook_deliveries.status',
        'webhook_deliveries.next_attempt_at',
        'webhook_deliveries.lease',
        'webhook_endpoints.id as endpoint_id',
        'webhook_endpoints.url',
      ])
      .where('webhook_deliveries.merchant_id', '=', merchantId);
  }

  /**
   * The id of the merchant's latest attempt (ids sort by time): a watcher that sees it change
   * knows a delivery moved on without a new event.
   */
  async latestAttempt(merchantId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('webhook_attempts')
      .select('id')
      .where('merchant_id', '=', merchantId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.id;
  }
}
