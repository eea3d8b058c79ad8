import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Agent } from 'undici';
import type { Catalogue } from '../api/catalogue.ts';
import { renderEvent } from '../api/events/render.ts';
import { resolveVersion } from '../api/wire/versions.ts';
import { eventFromRow } from '../domain/events/log.ts';
import type { WebhookEndpointService } from '../domain/webhook-endpoints/service.ts';
import type { DialectCapabilities } from '../store/dialect.ts';
import { QueryTemplates } from '../store/query-templates.ts';
import type { Database } from '../store/schema.ts';
import { undici } from '../undici.ts';
import { AttemptLog, type DeliveryStatus, type Finished } from './attempt-log.ts';
import { type Claimed, claimDue } from './claims.ts';
import { nextAttemptAt, type RetrySchedule, retryAfterMs } from './schedule.ts';
import { postOnce } from './sender.ts';
import type { WakeSignal } from './signal.ts';
import { signatureHeader } from './signer.ts';

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
  /** Told of every claim of due deliveries, with how many it found. */
  onClaim?: (found: number) => void;
  /** Renders each event's object for the endpoint's API version. */
  catalogue: Catalogue;
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
 * Sends the outbox's due deliveries, never from a request handler: claimed in batches (see
 * `claimDue`), each POSTed signed, each attempt recorded (see `AttemptLog`) while the next ones are
 * sent. When attempts end, more are claimed once half the room is free, so that claims
 * stay batches under load; a wake-up for new events claims whatever room there is.
 */
export class DeliveryWorker {
  /** Made with the first attempt. */
  private agent: Agent | undefined;
  private readonly sending = new Set<Promise<void>>();
  private readonly recording = new Set<Promise<void>>();
  private readonly secrets = new Map<string, string>();
  private readonly log: AttemptLog;
  private readonly templates: QueryTemplates;
  private draining = false;
  /**
   * Woken, or room freed, while a claim was under way: that claim may have looked before what
   * asked, so it is asked again after it.
   */
  private wokenDuringClaim = false;
  private freedDuringClaim = false;
  /**
   * The last claim found fewer than it could take: nothing more is due until something wakes the
   * worker (a new event, the poll), so attempts that end do not claim again.
   */
  private outboxDrained = false;
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
  ) {
    this.templates = new QueryTemplates(db);
    this.log = new AttemptLog(db, caps.writesInWith, this.templates);
  }

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
    while (this.sending.size > 0 || this.recording.size > 0 || this.draining) {
      await Promise.allSettled([...this.sending, ...this.recording]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.log.flushed();
    await this.agent?.close();
  }

  /** Something may have fallen due: claims whatever room there is. */
  wake(): void {
    this.outboxDrained = false;
    if (this.draining) this.wokenDuringClaim = true;
    else this.claimAbove(0);
  }

  /** Attempts have ended or been recorded: claims once a batch's room is free, if more are due. */
  private roomFreed(): void {
    if (this.outboxDrained) return;
    if (this.draining) this.freedDuringClaim = true;
    else this.claimAbove(this.batch - 1);
  }

  /** Claims due deliveries once more than `free` attempts could start. */
  private claimAbove(free: number): void {
    if (this.stopped || this.room() <= free) return;
    this.draining = true;
    this.drain()
      .catch((err: unknown) => this.logger.error({ err }, 'webhook worker could not read the outbox'))
      .finally(() => {
        this.draining = false;
        const woken = this.wokenDuringClaim;
        const freed = this.freedDuringClaim;
        this.wokenDuringClaim = false;
        this.freedDuringClaim = false;
        if (woken) this.wake();
        else if (freed) this.roomFreed();
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const room = this.room();
      // Full: attempts that end claim again.
      if (room <= 0) return;
      const claimed = await this.claim(room);
      this.options.onClaim?.(claimed.length);
      for (const delivery of claimed) this.track(delivery);
      this.outboxDrained = claimed.length < room;
      if (this.outboxDrained) return;
    }
  }

  /**
   * Attempts that may start now: `concurrency` are sent at once, and up to as many more may wait
   * to be recorded, so that sending goes on while the last ones are written.
   */
  private room(): number {
    const { concurrency } = this.options;
    return Math.min(
      concurrency - this.sending.size,
      2 * concurrency - this.sending.size - this.recording.size,
    );
  }

  /** When attempts end, more are claimed once this many could start: claims stay batches. */
  private get batch(): number {
    return Math.max(1, Math.floor(this.options.concurrency / 2));
  }

  private track(delivery: Claimed): void {
    const sent: Promise<void> = this.attempt(delivery)
      .then((finished) => this.record(finished))
      .catch((err: unknown) => this.logger.error({ err }, 'webhook delivery failed unexpectedly'))
      .finally(() => {
        this.sending.delete(sent);
        this.roomFreed();
      });
    this.sending.add(sent);
  }

  private record(finished: Finished): void {
    const recorded: Promise<void> = this.log
      .record(finished)
      .catch((err: unknown) => this.logger.error({ err }, 'a webhook attempt could not be recorded'))
      .finally(() => {
        this.recording.delete(recorded);
        this.roomFreed();
      });
    this.recording.add(recorded);
  }

  private claim(limit: number): Promise<Claimed[]> {
    // Past this, the attempt has timed out for sure and another worker may take the delivery.
    const lapses = Date.now() + this.options.timeoutMs + leaseMarginMs;
    return claimDue(this.db, this.caps, this.templates, limit, lapses);
  }

  /** Sends one claimed delivery; how it went, to be recorded. */
  private async attempt(delivery: Claimed): Promise<Finished> {
    const started = performance.now();
    const attemptedAt = Date.now();
    if (!delivery.target) {
      // The endpoint was deleted or disabled, or the event has expired: nothing to send.
      return { delivery, status: 'cancelled', nextAttemptAt: null };
    }
    let outcome: Outcome;
    try {
      const { url, secretSealed, endpointVersion, defaultVersion, event, pendingWebhooks } = delivery.target;
      const version = resolveVersion(endpointVersion ?? undefined, defaultVersion);
      const payload = JSON.stringify(
        renderEvent(eventFromRow(event, pendingWebhooks), version, this.options.catalogue),
        null,
        2,
      );
      outcome = await this.post(url, payload, this.secret(delivery.endpointId, secretSealed));
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
    const status: DeliveryStatus = outcome.ok ? 'succeeded' : retryAt === undefined ? 'failed' : 'pending';
    this.logger.debug(
      { event: delivery.eventId, endpoint: delivery.endpointId, status: outcome.status, durationMs },
      'webhook attempt',
    );
    return {
      delivery,
      status,
      nextAttemptAt: retryAt ?? null,
      attempt: {
        attempted_at: attemptedAt,
        duration_ms: durationMs,
        status_code: outcome.status,
        error: outcome.ok ? null : outcome.error,
        response_excerpt: outcome.excerpt,
      },
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
      this.agent ??= new (await undici()).Agent({ keepAliveTimeout: 10_000, connections: 64 });
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': userAgent,
        'stripe-signature': signatureHeader(secret, payload, timestamp),
      };
      const answer = await postOnce(this.agent, url, headers, payload, this.options.timeoutMs, excerptBytes);
      const { status, excerpt } = answer;
      if (status >= 200 && status < 300) return { ok: true, status, excerpt };
      return {
        ok: false,
        status,
        excerpt,
        error: null,
        retryAfter: retryAfterMs(answer.retryAfter, Date.now()),
      };
    } catch (error) {
      return { ok: false, status: null, excerpt: null, error: describeFailure(error) };
    }
  }
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
