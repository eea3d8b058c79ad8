/**
 * Webhook delivery latency for the scale benchmark: a plain node:http receiver in the benchmark's
 * process, and customers created one at a time through the API, each waiting for its
 * `customer.created` delivery. Measured from the client having the whole API response (the change
 * has committed) to the receiver having the whole webhook POST.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../format.ts';
import type { Call } from './template.ts';

export interface WebhookReceiver {
  url: string;
  /** Resolves with the arrival time (performance.now()) of the delivery about `objectId`. */
  arrival(objectId: string): Promise<number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const arrived = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        data: { object: { id: string } };
      };
      const id = event.data.object.id;
      const wake = waiting.get(id);
      if (wake) {
        waiting.delete(id);
        wake(at);
      } else arrived.set(id, at);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    arrival(objectId) {
      const at = arrived.get(objectId);
      if (at !== undefined) {
        arrived.delete(objectId);
        return Promise.resolve(at);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`No delivery about ${objectId} within 15 s.`)),
          15_000,
        );
        waiting.set(objectId, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface WebhookLatency {
  count: number;
  p50: number;
  p99: number;
  load: number;
}

/** `count` customers one at a time (after `warmup` not counted), each waiting for its delivery. */
export async function measureWebhookLatency(
  call: Call,
  receiver: WebhookReceiver,
  count = 200,
  warmup = 20,
): Promise<WebhookLatency> {
  const load = os.loadavg()[0] ?? 0;
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const customer = (await call('POST', '/v1/customers', `name=Webhook%20${i}`)).id as string;
    const responded = performance.now();
    const delivered = await receiver.arrival(customer);
    if (i >= warmup) times.push(delivered - responded);
    // Lets the worker record its attempt and go idle before the next change.
    await sleep(20);
  }
  const sorted = Float64Array.from(times).sort();
  return { count, p50: percentile(sorted, 50), p99: percentile(sorted, 99), load };
}
