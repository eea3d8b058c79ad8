import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { StoredEvent } from '../../domain/events/log.ts';
import { EventStream, type StreamPosition } from '../../domain/events/stream.ts';
import type { Services } from '../../services.ts';
import type { CliSessionClaims } from '../../webhooks/cli-sessions.ts';
import { signatureHeader } from '../../webhooks/signer.ts';
import type { Catalogue } from '../catalogue.ts';
import { renderEvent } from '../events/render.ts';
import { resolveVersion } from '../wire/versions.ts';
import { parseCliMessage, webhookEventMessage } from './messages.ts';
import { latestApiVersion } from './sessions.ts';

const userAgent = 'Stripe/1.0 (+https://stripe.com/docs/webhooks)';
/** How long a session's stream position is kept after its connection closes. */
const resumeForMs = 5 * 60_000;

/** Where each session's stream stood when its connection closed, for the reconnecting CLI. */
export class ResumePoints {
  private readonly points = new Map<string, { position: StreamPosition; until: number }>();

  take(sid: string): StreamPosition | undefined {
    const point = this.points.get(sid);
    this.points.delete(sid);
    return point && point.until > Date.now() ? point.position : undefined;
  }

  keep(sid: string, position: StreamPosition): void {
    const now = Date.now();
    for (const [key, point] of this.points) if (point.until <= now) this.points.delete(key);
    this.points.set(sid, { position, until: now + resumeForMs });
  }
}

/**
 * One CLI connection: streams the merchant's new events (and the ones it asks to resend),
 * each rendered for the session's API version and signed with its secret.
 */
export function serveCliConnection(
  socket: WebSocket,
  claims: CliSessionClaims,
  services: Services,
  catalogue: Catalogue,
  resumePoints: ResumePoints,
  log: FastifyBaseLogger,
): void {
  const secret = services.cliSessions.signingSecret(claims.merchantId);
  const renderings: Array<[version: string, label: string | null]> = [[claims.version, null]];
  if (claims.alsoLatest) renderings.push([latestApiVersion, latestApiVersion]);

  const send = (event: StoredEvent) => {
    if (socket.readyState !== socket.OPEN) return;
    for (const [name, label] of renderings) {
      const payload = JSON.stringify(renderEvent(event, resolveVersion(name, name), catalogue), null, 2);
      const headers = {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': userAgent,
        'Stripe-Signature': signatureHeader(secret, payload, Math.floor(Date.now() / 1000)),
      };
      socket.send(JSON.stringify(webhookEventMessage(payload, headers, label)));
    }
  };

  const stream = new EventStream(
    services.events,
    services.signal,
    claims.merchantId,
    send,
    (err) => log.warn({ err }, 'streaming events to a CLI session failed'),
    undefined,
    resumePoints.take(claims.sid),
  );
  const stopResends = services.cliResends.subscribe(claims.merchantId, (eventId) => {
    services.events.get(claims.merchantId, eventId).then(send, () => {});
  });

  socket.on('message', (data) => {
    const message = parseCliMessage(data.toString());
    if (message?.type === 'webhook_response') {
      log.debug({ status: message.status, webhook: message.webhook_id }, 'CLI forwarded an event');
    }
  });
  socket.on('error', (err) => log.debug({ err }, 'CLI websocket error'));
  socket.on('close', () => {
    stream.stop();
    stopResends();
    resumePoints.keep(claims.sid, stream.position());
  });
  stream.start().catch((err: unknown) => {
    log.warn({ err }, 'starting a CLI event stream failed');
    socket.close(1011, 'internal error');
  });
}
