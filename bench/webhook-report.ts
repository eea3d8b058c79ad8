/** The webhook half of the report. */

import { median, table } from './format.ts';
import type { Claims } from './webhook-server.ts';
import {
  latencyChanges,
  latencyPauseMs,
  throughputEvents,
  throughputRounds,
  type WebhookMeasurement,
  workerConcurrency,
} from './webhooks.ts';

export interface WebhookResults {
  measured: WebhookMeasurement[];
  /** Why PostgreSQL was not measured, if it was not. */
  postgresSkipped: string | undefined;
}

/** The worker's claims, and in brackets those that found nothing due. */
const claimCount = (c: Claims) => `${c.found + c.empty} (${c.empty})`;

const latencyGoalMs = 50;
const throughputGoalRatio = 0.5;

export function reportWebhooks({ measured, postgresSkipped }: WebhookResults): void {
  console.log('');
  console.log(
    `Webhook throughput of the worker alone: ${throughputEvents} customer.created events (with their customers) committed in one transaction inside the openfc process, one endpoint, a node:http receiver answering 200 at once; from the commit to the last delivery received. Baseline: undici in the openfc process POSTing the same signed bodies to the same receiver, ${workerConcurrency} in flight (the worker's concurrency), from its first POST to the last received. ${throughputRounds} rounds of worker then baseline; each figure is the rounds' median (ratio: the median of the rounds' ratios). CPU: the openfc process's CPU time per delivery (from the commit until the worker has recorded its last attempt) and per baseline POST; CPU ratio = POST / delivery. Claims: the worker's claims of due deliveries in a round (from openfc_webhook_claims_total), in brackets those that found nothing due.`,
  );
  console.log('');
  const throughputRows = [
    [
      'store',
      'events',
      'body bytes',
      'deliver ms',
      'deliveries/s',
      'undici ms',
      'undici POSTs/s',
      'ratio',
      'CPU µs/delivery',
      'CPU µs/POST',
      'CPU ratio',
      'undelivered',
      'duplicates',
      'bad signatures',
      'claims (empty)',
    ],
  ];
  for (const { backend, throughput: t } of measured) {
    throughputRows.push([
      backend,
      String(t.events),
      String(t.payloadBytes),
      t.deliverMs.toFixed(0),
      t.deliveriesPerSecond.toFixed(0),
      t.baselineMs.toFixed(0),
      t.baselinePerSecond.toFixed(0),
      median(t.ratios).toFixed(2),
      t.cpuPerDelivery.toFixed(0),
      t.cpuPerPost.toFixed(0),
      (t.cpuPerPost / t.cpuPerDelivery).toFixed(2),
      String(t.events - t.delivered),
      String(t.duplicates),
      String(t.badSignatures),
      claimCount(t.claims),
    ]);
  }
  console.log(table(throughputRows));
  console.log('');
  const writerCount = measured[0]?.writers.writers ?? 0;
  console.log(
    `Writes and deliveries together: ${throughputEvents} customer creates (one transaction each) by ${writerCount} concurrent loops inside the openfc process while the worker delivers; from the first commit to the last delivery received.`,
  );
  console.log('');
  const writerRows = [
    [
      'store',
      'creates',
      'write ms',
      'deliver ms',
      'deliveries/s',
      'delivered by last commit',
      'undelivered',
      'claims (empty)',
    ],
  ];
  for (const { backend, writers: w } of measured) {
    writerRows.push([
      backend,
      String(w.events),
      w.writeMs.toFixed(0),
      w.deliverMs.toFixed(0),
      w.deliveriesPerSecond.toFixed(0),
      String(w.deliveredWhileWriting),
      String(w.undelivered),
      claimCount(w.claims),
    ]);
  }
  console.log(table(writerRows));
  console.log('');
  console.log(
    `Webhook latency with an idle worker: ${latencyChanges} POST /v1/customers one at a time, each waiting for its delivery and then ${latencyPauseMs} ms; ms from the API response (the change committed) and from the request's start to the receiver having the whole POST.`,
  );
  console.log('');
  const latencyRows = [
    [
      'store',
      'changes',
      'response→delivery p50',
      'p99',
      'request→delivery p50',
      'p99',
      'API p50',
      'API p99',
      'delivered first',
      'missing',
      'claims (empty)',
    ],
  ];
  for (const { backend, latency: l } of measured) {
    latencyRows.push([
      backend,
      String(l.changes),
      l.fromResponseP50.toFixed(2),
      l.fromResponseP99.toFixed(2),
      l.fromRequestP50.toFixed(2),
      l.fromRequestP99.toFixed(2),
      l.apiP50.toFixed(2),
      l.apiP99.toFixed(2),
      String(l.beforeResponse),
      String(l.missing),
      claimCount(l.claims),
    ]);
  }
  console.log(table(latencyRows));
  console.log(
    "('delivered first': deliveries the receiver had before the client had read the API response; they count as negative times.)",
  );
  if (postgresSkipped !== undefined) console.log(`PostgreSQL not measured: ${postgresSkipped}`);
  console.log('');
  const goalRows = [['goal', 'measured', 'result']];
  for (const { backend, throughput } of measured) {
    const ratio = median(throughput.ratios);
    goalRows.push([
      `${backend}: worker deliveries/s ≥ ${throughputGoalRatio} of undici POSTs/s`,
      ratio.toFixed(2),
      ratio >= throughputGoalRatio ? 'met' : 'NOT MET',
    ]);
  }
  for (const { backend, latency } of measured) {
    goalRows.push([
      `${backend}: state change → delivery p50 < ${latencyGoalMs} ms`,
      `${latency.fromResponseP50.toFixed(2)} ms`,
      latency.fromResponseP50 < latencyGoalMs ? 'met' : 'NOT MET',
    ]);
  }
  console.log(table(goalRows));
}
