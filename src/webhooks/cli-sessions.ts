import { idKind, newId, newSecret } from '../domain/ids.ts';
import type { SecretBox } from '../store/secrets.ts';

export const cliSessionIds = idKind('clisess');

/** What a CLI session's websocket id stands for. */
export interface CliSessionClaims {
  /** The session, so that a reconnecting CLI resumes its stream. */
  sid: string;
  merchantId: string;
  /** The API version events are rendered with for this session. */
  version: string;
  /**
   * Also send each event rendered with openfc's latest API version (marked with it), for a
   * Stripe CLI run with `--latest`; false when the session asked for a version of its own.
   */
  alsoLatest: boolean;
  /** Unix seconds after which the id no longer opens a connection. */
  exp: number;
}

const associatedData = 'stripecli-websocket';

/** How long a websocket id opens connections (the CLI asks for a new session after that). */
export const cliSessionTtlSeconds = 3600;

/**
 * Sessions of the Stripe CLI (`stripe listen`) and `openfc listen`. A session is not stored: its
 * websocket id is its claims sealed with openfc's encryption key, so any process sharing that
 * key accepts it, and it stops working after `cliSessionTtlSeconds`. It travels in a header,
 * never in a URL.
 */
export class CliSessions {
  constructor(
    private readonly secrets: SecretBox,
    private readonly ttlSeconds = cliSessionTtlSeconds,
  ) {}

  /**
   * The merchant's signing secret for events sent to CLI sessions: the same for every session
   * and process, so that `stripe listen --print-secret` can be read once and kept.
   */
  signingSecret(merchantId: string): string {
    return `whsec_${this.secrets.derive(`stripecli-signing:${merchantId}`).toString('hex')}`;
  }

  issue(merchantId: string, version: string, alsoLatest: boolean, now = Date.now()): string {
    const claims: CliSessionClaims = {
      sid: newId(cliSessionIds),
      merchantId,
      version,
      alsoLatest,
      exp: Math.floor(now / 1000) + this.ttlSeconds,
    };
    return this.secrets.seal(JSON.stringify(claims), associatedData);
  }

  /** The claims of a websocket id, or undefined for one that is unknown, altered or expired. */
  open(websocketId: string | undefined, now = Date.now()): CliSessionClaims | undefined {
    if (!websocketId) return undefined;
    let claims: CliSessionClaims;
    try {
      claims = JSON.parse(this.secrets.open(websocketId, associatedData)) as CliSessionClaims;
    } catch {
      return undefined;
    }
    return claims.exp > now / 1000 ? claims : undefined;
  }
}

/** The channel on which processes tell each other of resends to CLI sessions. */
export const cliResendChannel = 'openfc_cli_resends';

/**
 * Events a merchant asks to send again to its listening CLI sessions
 * (`POST /v1/events/{id}/retry` with `for_stripecli`): handed to the sessions connected here, and
 * through `notify` (PostgreSQL) to those connected to other processes.
 */
export class CliResends {
  private readonly listeners = new Map<string, Set<(eventId: string) => void>>();
  /** Tells this process's own notifications apart from the others'. */
  private readonly origin = newSecret('', 16);

  constructor(private readonly notify: (payload: string) => Promise<void>) {}

  subscribe(merchantId: string, listener: (eventId: string) => void): () => void {
    let set = this.listeners.get(merchantId);
    if (!set) {
      set = new Set();
      this.listeners.set(merchantId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(merchantId);
    };
  }

  async publish(merchantId: string, eventId: string): Promise<void> {
    this.deliver(merchantId, eventId);
    await this.notify(JSON.stringify({ origin: this.origin, merchant: merchantId, event: eventId }));
  }

  /** A resend notified by any process (this one's own are already delivered). */
  received(payload: string): void {
    let message: { origin?: unknown; merchant?: unknown; event?: unknown };
    try {
      message = JSON.parse(payload) as typeof message;
    } catch {
      return;
    }
    const { origin, merchant, event } = message;
    if (origin === this.origin || typeof merchant !== 'string' || typeof event !== 'string') return;
    this.deliver(merchant, event);
  }

  private deliver(merchantId: string, eventId: string): void {
    for (const listener of this.listeners.get(merchantId) ?? []) listener(eventId);
  }
}
