/**
 * Run as its own process by test/store/commit-marks.test.ts, since the test runner itself follows
 * every promise: reports whether this process follows promises (Node's promise hooks) at each
 * step, on its own and with openfc serving in it.
 *
 * Usage: node --import tsx test/support/promise-following.ts <data dir> [PostgreSQL URL]
 * Prints one JSON line: each step's name and whether promises were followed then.
 */
import { executionAsyncId } from 'node:async_hooks';
import Stripe from 'stripe';
import { startOpenfc } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type CommitMark, currentCommitMark, withCommitMark } from '../../src/store/commit-marks.ts';

/** A promise continuation runs under async id 0 unless Node follows promises. */
async function following(): Promise<boolean> {
  await null;
  return executionAsyncId() !== 0;
}

const steps: Record<string, boolean> = {};
const mark: CommitMark = { statement: () => undefined, check: () => {} };

steps.atStart = await following();
await withCommitMark(mark, async () => {
  steps.insideMarkedWork = await following();
  steps.markFound = currentCommitMark() === mark;
});
steps.afterMarkedWork = await following();
await withCommitMark(mark, async () => {
  await null;
  throw new Error('refused');
}).catch(() => {});
steps.afterFailedWork = await following();

const [dataDir, databaseUrl] = process.argv.slice(2);
const running = await startOpenfc(
  loadConfig({ port: '0', host: '127.0.0.1', dataDir, databaseUrl, logLevel: 'silent' }, {}),
);
try {
  // The official SDK sends an Idempotency-Key with every POST (it may retry them).
  const stripe = new Stripe(running.keys.secretKey as string, {
    host: '127.0.0.1',
    port: Number(new URL(running.url).port),
    protocol: 'http',
  });
  const customer = await stripe.customers.create({ email: 'holder@example.com' });
  steps.keySent = customer.lastResponse.idempotencyKey !== undefined;
  steps.afterIdempotentCreate = await following();
  await stripe.customers.retrieve(customer.id);
  steps.afterRead = await following();
} finally {
  await running.close();
}
process.stdout.write(`${JSON.stringify(steps)}\n`);
