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

/** An endpoint an event goes to, and the merchant it belongs to. */
interface Target {
  id: string;
  merchantId: string;
}

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
    await this.insert(db, event.id, targets);
    // Listeners streaming events want to hear of every event, delivered to an endpoint or not.
    await this.caps.notify(db, webhookChannel);
    this.signal.written();
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
      await this.insert(trx, event.id, targets);
      await this.caps.notify(trx, webhookChannel);
    });
    this.signal.written();
  }

  /**
   * The enabled endpoints an event of `type` goes to: those listening to it (preview-only types
   * only to endpoints reading a preview version), or the one endpoint named. A merchant's own
   * endpoints hear its own events; a platform's Connect endpoints hear its connected accounts'.
   */
  private async targets(
    db: Kysely<Database>,
    merchantId: string,
    type: string,
    endpointId?: string,
  ): Promise<Target[]> {
    const owner = await db
      .selectFrom('merchant_accounts')
      .select('platform_id')
      .where('id', '=', merchantId)
      .executeTakeFirst();
    const platformId = owner?.platform_id ?? null;
    let query = db
      .selectFrom('webhook_endpoints')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'webhook_endpoints.merchant_id')
      .select([
        'webhook_endpoints.id',
        'webhook_endpoints.merchant_id',
        'webhook_endpoints.enabled_events',
        'webhook_endpoints.api_version',
      ])
      .select('merchant_accounts.default_api_version')
      .where((eb) => {
        const own = eb.and([
          eb('webhook_endpoints.merchant_id', '=', merchantId),
          eb('webhook_endpoints.connect', '=', 0),
        ]);
        if (platformId === null) return own;
        return eb.or([
          own,
          eb.and([
            eb('webhook_endpoints.merchant_id', '=', platformId),
            eb('webhook_endpoints.connect', '=', 1),
          ]),
        ]);
      })
      .where('webhook_endpoints.status', '=', 'enabled');
    if (endpointId !== undefined) query = query.where('webhook_endpoints.id', '=', endpointId);
    const endpoints = await query.execute();
    const all = endpoints.map((e) => ({ id: e.id, merchantId: e.merchant_id }));
    if (endpointId !== undefined) return all;
    const previewOnly = previewOnlyEventTypes.has(type);
    return endpoints
      .filter(
        (e) =>
          receives(JSON.parse(e.enabled_events) as string[], type) &&
          (!previewOnly || isPreviewVersion(e.api_version ?? e.default_api_version)),
      )
      .map((e) => ({ id: e.id, merchantId: e.merchant_id }));
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
    this.signal.written();
  }

  /** Each delivery belongs to its endpoint's merchant: a platform's, for a Connect endpoint. */
  private async insert(db: Kysely<Database>, eventId: string, targets: Target[]) {
    if (targets.length === 0) return;
    const now = Date.now();
    await db
      .insertInto('webhook_deliveries')
      .values(
        targets.map((target) => ({
          id: newId(deliveryIds),
          merchant_id: target.merchantId,
          event_id: eventId,
          endpoint_id: target.id,
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
