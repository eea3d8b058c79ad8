import type { Kysely } from 'kysely';
import { isPreviewVersion } from '../api/wire/versions.ts';
import { resourceMissing } from '../domain/errors.ts';
import type { EventFanout } from '../domain/events/log.ts';
import { previewOnlyEventTypes } from '../domain/events/types.ts';
import { idKind, newId } from '../domain/ids.ts';
import { receives } from '../domain/webhook-endpoints/service.ts';
import type { DialectCapabilities } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import { type WakeSignal, webhookChannel } from './signal.ts';

export const deliveryIds = idKind('whdel');

/**
 * The delivery outbox. The transaction that writes an event writes one delivery per enabled
 * endpoint that listens to its type, so that nothing is sent for a change that rolled back and
 * nothing is lost when the process dies after committing. Workers send them.
 */
export class Outbox implements EventFanout {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DialectCapabilities,
    private readonly signal: WakeSignal,
  ) {}

  async enqueue(db: Kysely<Database>, merchantId: string, event: { id: string; type: string }) {
    const targets = await this.targets(db, merchantId, event.type);
    await this.insert(db, merchantId, event.id, targets);
    // Listeners streaming events want to hear of every event, delivered to an endpoint or not.
    await this.caps.notify(db, webhookChannel);
    this.signal.wake();
  }

  /**
   * Sends an event again (`POST /v1/events/{id}/retry`): to the given endpoint, or to every
   * enabled endpoint that listens to its type.
   */
  async redeliver(merchantId: string, eventId: string, endpointId: string | undefined): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const event = await trx
        .selectFrom('events')
        .select(['id', 'type'])
        .where('id', '=', eventId)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
      if (!event) throw resourceMissing('event', eventId);
      const targets = await this.targets(trx, merchantId, event.type, endpointId);
      if (endpointId !== undefined && targets.length === 0)
        throw resourceMissing('webhook endpoint', endpointId, 'webhook_endpoint');
      await this.insert(trx, merchantId, event.id, targets);
      await this.caps.notify(trx, webhookChannel);
    });
    this.signal.wake();
  }

  /**
   * The enabled endpoints an event of `type` goes to: those listening to it (preview-only types
   * only to endpoints reading a preview version), or the one endpoint named.
   */
  private async targets(
    db: Kysely<Database>,
    merchantId: string,
    type: string,
    endpointId?: string,
  ): Promise<string[]> {
    let query = db
      .selectFrom('webhook_endpoints')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'webhook_endpoints.merchant_id')
      .select(['webhook_endpoints.id', 'webhook_endpoints.enabled_events', 'webhook_endpoints.api_version'])
      .select('merchant_accounts.default_api_version')
      .where('webhook_endpoints.merchant_id', '=', merchantId)
      .where('webhook_endpoints.status', '=', 'enabled');
    if (endpointId !== undefined) query = query.where('webhook_endpoints.id', '=', endpointId);
    const endpoints = await query.execute();
    if (endpointId !== undefined) return endpoints.map((e) => e.id);
    const previewOnly = previewOnlyEventTypes.has(type);
    return endpoints
      .filter(
        (e) =>
          receives(JSON.parse(e.enabled_events) as string[], type) &&
          (!previewOnly || isPreviewVersion(e.api_version ?? e.default_api_version)),
      )
      .map((e) => e.id);
  }

  /**
   * The merchant's sandbox clock moved forward: waiting retries fall due that much sooner.
   * Deliveries being sent right now keep their claim.
   */
  async advanceClock(merchantId: string, seconds: number): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ next_attempt_at: eb('next_attempt_at', '-', seconds * 1000) }))
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'pending')
      .where('lease', 'is', null)
      .execute();
    await this.caps.notify(this.db, webhookChannel);
    this.signal.wake();
  }

  private async insert(db: Kysely<Database>, merchantId: string, eventId: string, endpointIds: string[]) {
    if (endpointIds.length === 0) return;
    const now = Date.now();
    await db
      .insertInto('webhook_deliveries')
      .values(
        endpointIds.map((endpointId) => ({
          id: newId(deliveryIds),
          merchant_id: merchantId,
          event_id: eventId,
          endpoint_id: endpointId,
          created: now,
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now,
          lease: null,
        })),
      )
      .execute();
  }
}

/** How many deliveries wait in the outbox: all pending ones, and those whose time has come. */
export interface OutboxDepth {
  pending: number;
  due: number;
}

/** The deliveries still to send, and how many of them are due at `now` (not claimed, not waiting). */
export async function outboxDepth(db: Kysely<Database>, now: number): Promise<OutboxDepth> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('pending'),
      eb.fn
        .sum<number | string | null>(eb.case().when('next_attempt_at', '<=', now).then(1).else(0).end())
        .as('due'),
    ])
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return { pending: Number(row?.pending ?? 0), due: Number(row?.due ?? 0) };
}
