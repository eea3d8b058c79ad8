/** How `bench/run.ts` and `bench/cpu-load.ts` load one route with autocannon. */
import { randomBytes } from 'node:crypto';
import type autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** A fresh Idempotency-Key on every request, as Stripe's SDKs send on POST. */
  idempotencyKeys?: boolean;
}

/**
 * autocannon's options for `seconds` of load on `target` over `connections` connections; with
 * `idempotencyKeys`, each request gets a unique key: `keyPrefix`, a random part for this load,
 * then a counter.
 */
export function loadOptions(
  target: LoadTarget,
  seconds: number,
  connections: number,
  keyPrefix: string,
): autocannon.Options {
  const opts: autocannon.Options = {
    url: target.url,
    method: target.method,
    headers: target.headers,
    connections,
    duration: seconds,
  };
  if (target.body !== undefined) opts.body = target.body;
  if (target.idempotencyKeys) {
    const prefix = randomBytes(6).toString('hex');
    let next = 0;
    opts.requests = [
      {
        setupRequest: (request) => {
          next += 1;
          request.headers = { ...target.headers, 'idempotency-key': `${keyPrefix}-${prefix}-${next}` };
          return request;
        },
      },
    ];
  }
  return opts;
}
