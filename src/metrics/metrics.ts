import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxDepth } from '../webhooks/outbox.ts';

export type AttemptOutcome = 'succeeded' | 'failed';
export type PassOutcome = 'completed' | 'failed';

/**
 * What one openfc instance counts, in its own registry (several instances may share a process).
 * The recording methods are all the instrumented code sees of prom-client.
 */
export interface Metrics {
  readonly registry: Registry;
  /** An answered HTTP request, under its route's pattern (`/v1/customers/:id`), never its URL. */
  request(method: string, route: string, status: number, seconds: number): void;
  webhookAttempt(outcome: AttemptOutcome): void;
  /** A claim of due webhook deliveries, by how many it found. */
  webhookClaim(found: number): void;
  schedulerPass(outcome: PassOutcome): void;
  /** A merchant or a connection the scheduler could not handle; the pass went on. */
  schedulerFailure(): void;
  /** A connector call, by its outcome: `ok`, a bank failure kind, or `connector_error`. */
  bankCall(operation: string, outcome: string): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Builds the registry; `outboxDepth` is read from the database at each scrape. */
export function createMetrics(outboxDepth: () => Promise<OutboxDepth>): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const httpLabels = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'openfc_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: httpLabels,
    registers,
  });
  const latency = new Histogram({
    name: 'openfc_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to answering it, by method, route pattern and status code.',
    labelNames: httpLabels,
    buckets: latencyBuckets,
    registers,
  });
  new Gauge({
    name: 'openfc_webhook_deliveries',
    help: 'Webhook deliveries waiting in the outbox (all processes sharing the database): pending, and due now.',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const depth = await outboxDepth();
      this.set({ state: 'pending' }, depth.pending);
      this.set({ state: 'due' }, depth.due);
    },
  });
  const attempts = new Counter({
    name: 'openfc_webhook_attempts_total',
    help: 'Webhook delivery attempts made by this process, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const claims = new Counter({
    name: 'openfc_webhook_claims_total',
    help: 'Claims of due webhook deliveries made by this process: found some, or empty (nothing was due).',
    labelNames: ['result'] as const,
    registers,
  });
  const passes = new Counter({
    name: 'openfc_scheduler_passes_total',
    help: 'Scheduler passes ended, by outcome (failed: the pass itself stopped on an error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const passFailures = new Counter({
    name: 'openfc_scheduler_failures_total',
    help: 'Merchants or connections a scheduler pass could not handle (the pass went on).',
    registers,
  });
  const bankCalls = new Counter({
    name: 'openfc_bank_calls_total',
    help: 'Calls to the bank connector, by operation and outcome (ok, a bank failure kind, or connector_error).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  });
  // Series at zero from the start, so that rates and alerts see them before the first event.
  for (const outcome of ['succeeded', 'failed'] as const) attempts.inc({ outcome }, 0);
  for (const result of ['found', 'empty'] as const) claims.inc({ result }, 0);
  for (const outcome of ['completed', 'failed'] as const) passes.inc({ outcome }, 0);

  // One pair of series per method, route and status, looked up by a plain string: cheaper on every
  // request than prom-client hashing a labels object twice.
  const series = new Map<string, { count: Counter.Internal; time: Histogram.Internal<string> }>();

  return {
    registry,
    request(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let pair = series.get(key);
      if (pair === undefined) {
        const labels = [method, route, String(status)];
        pair = { count: requests.labels(...labels), time: latency.labels(...labels) };
        series.set(key, pair);
      }
      pair.count.inc();
      pair.time.observe(seconds);
    },
    webhookAttempt: (outcome) => attempts.inc({ outcome }),
    webhookClaim: (found) => claims.inc({ result: found > 0 ? 'found' : 'empty' }),
    schedulerPass: (outcome) => passes.inc({ outcome }),
    schedulerFailure: () => passFailures.inc(),
    bankCall: (operation, outcome) => bankCalls.inc({ operation, outcome }),
  };
}

/** A scheduler pass that counts how it ended. */
export function meteredPass(
  metrics: Metrics,
  pass: (signal: AbortSignal) => Promise<void>,
): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    try {
      await pass(signal);
    } catch (error) {
      metrics.schedulerPass('failed');
      throw error;
    }
    metrics.schedulerPass('completed');
  };
}
