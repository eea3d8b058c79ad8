import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { EventStream } from '../../domain/events/stream.ts';
import type { Services } from '../../services.ts';
import { signedIn } from './guard.ts';

/** How often a live page's connection looks for new delivery attempts (they write no event). */
const attemptPollMs = 400;
/** A comment line this often keeps proxies from closing a quiet connection. */
const keepAliveMs = 15_000;

function send(res: ServerResponse, data: Record<string, unknown>): void {
  if (!res.writableEnded) res.write(`event: change\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * `GET /dashboard/api/live`: server-sent events telling the signed-in merchant's pages that
 * something changed (a new event from the event stream, or a new delivery attempt), so that they
 * read again. Only ids and types travel here; the pages read the rest through the API.
 */
export function registerDashboardLive(app: FastifyInstance, services: Services): void {
  const open = new Set<ServerResponse>();

  app.get('/dashboard/api/live', async (request, reply) => {
    const { merchant } = await signedIn(services, request);
    const res = reply.raw;
    reply.hijack();
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.write(': connected\n\n');
    open.add(res);

    const stream = new EventStream(
      services.events,
      services.signal,
      merchant.id,
      (event) => send(res, { kind: 'event', id: event.id, type: event.type }),
      (err) => request.log.warn({ err }, 'streaming events to the dashboard failed'),
    );
    const timers: NodeJS.Timeout[] = [];
    let closed = false;
    const stop = () => {
      closed = true;
      stream.stop();
      for (const timer of timers) clearInterval(timer);
      open.delete(res);
    };
    // Listened for before anything is awaited: a page that goes away meanwhile must stop its timers,
    // which would otherwise poll the database, and hold the process open, for good.
    res.on('close', stop);
    if (res.destroyed) return stop();
    let lastAttempt: string | undefined;
    let watching = false;
    const watchAttempts = async (emit: boolean) => {
      if (watching) return;
      watching = true;
      try {
        const latest = await services.deliveries.latestAttempt(merchant.id);
        if (emit && latest !== lastAttempt) send(res, { kind: 'attempt', id: latest });
        lastAttempt = latest;
      } catch (err) {
        request.log.warn({ err }, 'watching delivery attempts for the dashboard failed');
      } finally {
        watching = false;
      }
    };
    await watchAttempts(false);
    if (closed) return;
    timers.push(
      setInterval(() => void watchAttempts(true), attemptPollMs),
      setInterval(() => res.write(': still here\n\n'), keepAliveMs),
    );
    await stream.start().catch((err: unknown) => {
      request.log.warn({ err }, 'starting the dashboard event stream failed');
      res.end();
    });
  });

  // Open streams never end on their own: they end when openfc stops.
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });
}
