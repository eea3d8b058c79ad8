import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Catalogue } from '../api/catalogue.ts';
import { renderEvent } from '../api/events/render.ts';
import { resolveVersion } from '../api/wire/versions.ts';
import { eventFromRow } from '../domain/events/log.ts';
import { idKind, newId } from '../domain/ids.ts';
import type { WebhookEndpointService } from '../domain/webhook-endpoints/service.ts';
import type { DialectCapabilities } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import { nextAttemptAt, type RetrySchedule, retryAfterMs } from './schedule.ts';
import type { WakeSignal } from './signal.ts';
import { signatureHeader } from './signer.ts';

export const attemptIds = idKind('whatt');

export interface WorkerOptions {
  schedule: RetrySchedule;
  /** How long a receiver has to answer one attempt. */
  timeoutMs: number;
  /** Attempts in flight at once. */
  concurrency: number;
  /** How often the outbox is looked at without a wake-up (retries falling due, other processes). */
  pollMs: number;
  /** Told of every attempt made, as it ends. */
  onAttempt?: (outcome: 'succeeded' | 'failed') => void;
  /** Renders each event's object for the endpoint's API version. */
  catalogue: Catalogue;
}

interface Claimed {
  id: string;
  merchantId: string;
  eventId: string;
  endpointId: string;
  attempt: number;
  lease: string;
}

type Outcome =
  | { ok: true; status: number; excerpt: string }
  | { ok: false; status: number | null; excerpt: string | null; error: string | null; retryAfter?: number };

/** How long past an attempt's timeout its claim holds: time to record how it went. */
const leaseMarginMs = 5000;
/** How much of a receiver's answer each attempt row keeps. */
const excerptBytes = 1024;
const userAgent = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';

/**
 * Sends the outbox's due deliveries, never from a request handler. A delivery is claimed by
 * setting a lease and moving its due time past the attempt's deadline: if this process dies while
 * sending, the claim lapses and any worker sends it again (at least once). On PostgreSQL several
 * workers share the outbox; a row another worker is claiming is skipped, not waited for.
 */
export class DeliveryWorker {
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  private readonly inFlight = new Set<Promise<void>>();
  private readonly secrets = new Map<string, string>();
  private draining = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly caps: DialectCapabilities,
    private readonly endpoints: WebhookEndpointService,
    private readonly signal: WakeSignal,
    private readonly options: WorkerOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.unsubscribe = this.signal.subscribe(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unsubscribe?.();
    while (this.inFlight.size > 0 || this.draining) {
      await Promise.allSettled([...this.inFlight]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.agent.close();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    this.drain()
      .catch((err: unknown) => this.logger.error({ err }, 'webhook worker could not read the outbox'))
      .finally(() => {
        this.draining = false;
      });
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped) {
        const room = this.options.concurrency - this.inFlight.size;
        // Full: each attempt that finishes wakes the worker again.
        if (room <= 0) return;
        const claimed = await this.claim(room);
        for (const delivery of claimed) this.track(this.send(delivery));
        if (claimed.length < room) break;
      }
    } while (this.again && !this.stopped);
  }

  private track(attempt: Promise<void>): void {
    const tracked = attempt
      .catch((err: unknown) => this.logger.error({ err }, 'webhook delivery failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(tracked);
        this.wake();
      });
    this.inFlight.add(tracked);
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const now = Date.now();
    const lease = randomUUID();
    // Past this, the attempt has timed out for sure and another worker may take the delivery.
    const lapses = now + this.options.timeoutMs + leaseMarginMs;
    return this.db.transaction().execute(async (trx) => {
      const due = await this.caps
        .skipLocked(
          trx
            .selectFrom('webhook_deliveries')
            .select(['id', 'merchant_id', 'event_id', 'endpoint_id', 'attempts'])
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .limit(limit),
        )
        .execute();
      if (due.length === 0) return [];
      await trx
        .updateTable('webhook_deliveries')
        .set((eb) => ({ lease, next_attempt_at: lapses, attempts: eb('attempts', '+', 1) }))
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .execute();
      return due.map((d) => ({
        id: d.id,
        merchantId: d.merchant_id,
        eventId: d.event_id,
        endpointId: d.endpoint_id,
        attempt: Number(d.attempts) + 1,
        lease,
      }));
    });
  }

  private async send(delivery: Claimed): Promise<void> {
    const started = performance.now();
    const attemptedAt = Date.now();
    let outcome: Outcome;
    try {
      const loaded = await this.load(delivery);
      if (!loaded) {
        // The endpoint was deleted or disabled, or the event has expired: nothing to send.
        await this.finish(delivery, { status: 'cancelled', nextAttemptAt: null });
        return;
      }
      outcome = await this.post(loaded.url, loaded.payload, loaded.secret);
    } catch (error) {
      // Most likely a signing secret sealed with another key (processes sharing a database need
      // the same OPENFC_ENCRYPTION_KEY): the attempt fails and is retried on the schedule.
      this.logger.error(
        { err: error, endpoint: delivery.endpointId },
        'webhook delivery could not be prepared',
      );
      outcome = { ok: false, status: null, excerpt: null, error: 'could not be prepared for sending' };
    }
    const durationMs = Math.round(performance.now() - started);
    this.options.onAttempt?.(outcome.ok ? 'succeeded' : 'failed');
    const retryAt = outcome.ok
      ? undefined
      : nextAttemptAt(this.options.schedule, delivery.attempt, Date.now(), outcome.retryAfter);
    await this.finish(
      delivery,
      {
        status: outcome.ok ? 'succeeded' : retryAt === undefined ? 'failed' : 'pending',
        nextAttemptAt: retryAt ?? null,
      },
      {
        attempted_at: attemptedAt,
        duration_ms: durationMs,
        status_code: outcome.status,
        error: outcome.ok ? null : outcome.error,
        response_excerpt: outcome.excerpt,
      },
    );
    this.logger.debug(
      { event: delivery.eventId, endpoint: delivery.endpointId, status: outcome.status, durationMs },
      'webhook attempt',
    );
  }

  /** The event rendered for the endpoint's API version, with what signing it needs. */
  private async load(delivery: Claimed) {
    const row = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('events as e', 'e.id', 'd.event_id')
      .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
      .innerJoin('merchant_accounts as m', 'm.id', 'd.merchant_id')
      .selectAll('e')
      .select([
        'w.url',
        'w.secret_sealed',
        'w.api_version as endpoint_version',
        'w.status as endpoint_status',
      ])
      .select('m.default_api_version')
      .select((eb) =>
        eb
          .selectFrom('webhook_deliveries as p')
          .select((p) => p.fn.countAll<number>().as('n'))
          .whereRef('p.event_id', '=', 'd.event_id')
          .where('p.status', '=', 'pending')
          .as('pending_webhooks'),
      )
      .where('d.id', '=', delivery.id)
      .executeTakeFirst();
    if (row?.endpoint_status !== 'enabled') return undefined;
    const version = resolveVersion(row.endpoint_version ?? undefined, row.default_api_version);
    const event = eventFromRow(row, Number(row.pending_webhooks ?? 0));
    return {
      url: row.url,
      payload: JSON.stringify(renderEvent(event, version, this.options.catalogue), null, 2),
      secret: this.secret(delivery.endpointId, row.secret_sealed),
    };
  }

  /** Opening a sealed secret costs more than sending; opened secrets are kept by their sealed form. */
  private secret(endpointId: string, sealed: string): string {
    let secret = this.secrets.get(sealed);
    if (secret === undefined) {
      secret = this.endpoints.openSecret(endpointId, sealed);
      if (this.secrets.size >= 1000) this.secrets.clear();
      this.secrets.set(sealed, secret);
    }
    return secret;
  }

  private async post(url: string, payload: string, secret: string): Promise<Outcome> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': userAgent,
          'stripe-signature': signatureHeader(secret, payload, timestamp),
        },
        body: payload,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const excerpt = await readExcerpt(response.body);
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { ok: true, status, excerpt };
      const header = response.headers['retry-after'];
      return {
        ok: false,
        status,
        excerpt,
        error: null,
        retryAfter: retryAfterMs(Array.isArray(header) ? header[0] : header, Date.now()),
      };
    } catch (error) {
      return { ok: false, status: null, excerpt: null, error: describeFailure(error) };
    }
  }

  /** Records the attempt and the delivery's new state, if this worker's claim still holds. */
  private async finish(
    delivery: Claimed,
    next: { status: 'pending' | 'succeeded' | 'failed' | 'cancelled'; nextAttemptAt: number | null },
    attempt?: {
      attempted_at: number;
      duration_ms: number;
      status_code: number | null;
      error: string | null;
      response_excerpt: string | null;
    },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('webhook_deliveries')
        .set({ status: next.status, next_attempt_at: next.nextAttemptAt ?? Date.now(), lease: null })
        .where('id', '=', delivery.id)
        .where('lease', '=', delivery.lease)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (attempt === undefined) return;
      await trx
        .insertInto('webhook_attempts')
        .values({
          id: newId(attemptIds),
          merchant_id: delivery.merchantId,
          delivery_id: delivery.id,
          event_id: delivery.eventId,
          endpoint_id: delivery.endpointId,
          ...attempt,
          // A claim that lapsed meanwhile belongs to another worker now: the attempt is kept, the
          // schedule is theirs.
          next_attempt_at: Number(result.numUpdatedRows) > 0 ? next.nextAttemptAt : null,
        })
        .execute();
    });
  }
}

async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= excerptBytes) break;
  }
  return Buffer.concat(chunks).subarray(0, excerptBytes).toString('utf8');
}

/** Why an attempt got no answer, in words that carry no part of the URL. */
function describeFailure(error: unknown): string {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  const name = (error as { name?: unknown })?.name;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return 'timed out';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  return typeof code === 'string' ? `failed (${code})` : 'failed';
}
