import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { assertEventMatchesSchema } from './stripe-schemas.ts';

/** One request a receiver got. */
export interface Received {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request; the default is 200. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | { stall: true };

/**
 * A merchant's webhook receiver: a real HTTP server that records what it gets and answers from a
 * queue of scripted answers, then 200. A receiver left open keeps the test process from ending,
 * so each one is closed whatever happens: in a `finally`, or by `closeReceivers()` from an `after`
 * or `afterEach` hook.
 */
export interface Receiver {
  url: string;
  received: Received[];
  /** Answers for the next requests, in order. */
  answer(...answers: Answer[]): void;
  /** While on, every request is recorded and left unanswered (the scripted answers wait). */
  stallAll(on: boolean): void;
  /** Resolves once `count` requests (in all) have arrived matching `filter`. */
  waitFor(count: number, filter?: (r: Received) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

const open = new Set<Receiver>();

/** Closes every receiver still open. */
export async function closeReceivers(): Promise<void> {
  await Promise.all([...open].map((receiver) => receiver.close()));
}

export async function startReceiver(
  path = '/webhook',
  options: { delayMs?: number } = {},
): Promise<Receiver> {
  const received: Received[] = [];
  const queue: Answer[] = [];
  const stalled = new Set<ServerResponse>();
  let waiters: Array<() => void> = [];
  let stallingAll = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        at: Date.now(),
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      for (const wake of waiters) wake();
      const answer = stallingAll
        ? { stall: true as const }
        : (queue.shift() ?? { status: 200, body: '{"received":true}' });
      if ('stall' in answer) {
        stalled.add(res);
        return;
      }
      const reply = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer(...answers) {
      queue.push(...answers);
    },
    stallAll(on) {
      stallingAll = on;
    },
    waitFor(count, filter = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(filter);
          if (matching.length < count) return false;
          clearTimeout(timer);
          waiters = waiters.filter((w) => w !== check);
          resolve(matching);
          return true;
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== check);
          reject(new Error(`expected ${count} webhook requests, got ${received.filter(filter).length}`));
        }, timeoutMs);
        if (!check()) waiters.push(check);
      });
    },
    async close() {
      if (!open.delete(receiver)) return;
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(receiver);
  return receiver;
}

const verifier = new Stripe('sk_test_unused_for_verification');

/**
 * The events `requests` carry, each with a signature the official SDK accepts for `secret` and
 * Stripe's shape, in the order they happened (event ids sort by time; deliveries may arrive in
 * another order).
 */
export function verifiedEvents(requests: readonly Received[], secret: string): Stripe.Event[] {
  const events = requests.map((r) =>
    verifier.webhooks.constructEvent(r.body, String(r.headers['stripe-signature']), secret),
  );
  for (const event of events) assertEventMatchesSchema(event);
  return events.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The event a received request carries. */
export function eventOf(r: Received): { id: string; type: string; [k: string]: unknown } {
  return JSON.parse(r.body) as { id: string; type: string };
}
