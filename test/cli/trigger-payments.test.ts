import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { cleanUp, run, type Server, serve, tempDir } from '../support/processes.ts';
import { assertEventMatchesSchema } from '../support/stripe-schemas.ts';

/**
 * `openfc trigger` for payment events, as a user runs it next to `openfc serve`: each scenario
 * links an account, sets it up for ACH debits and pays, over the API.
 */

const databases: ProvisionedDatabase[] = [];

after(async () => {
  await cleanUp();
  for (const database of databases) await database.drop();
});

/** Where the trigger's output names the event's object, and the status the event shows it in. */
interface Expected {
  object: RegExp;
  status?: string;
}

const setupIntent = /^Confirmed SetupIntent (seti_\w+) /m;
const paymentMethod = /: PaymentMethod (pm_\w+) /m;
const paymentIntent = /^Confirmed PaymentIntent (pi_\w+) /m;
const charge = /: charge (ch_\w+)$/m;

const expectations: Record<string, Expected> = {
  'setup_intent.created': { object: setupIntent, status: 'requires_confirmation' },
  'setup_intent.succeeded': { object: setupIntent, status: 'succeeded' },
  'setup_intent.canceled': { object: /^Created and canceled SetupIntent (seti_\w+)$/m, status: 'canceled' },
  'payment_method.attached': { object: paymentMethod },
  'payment_method.automatically_updated': { object: paymentMethod },
  'payment_method.detached': { object: /^Detached PaymentMethod (pm_\w+):/m },
  'mandate.updated': { object: /its mandate (mandate_\w+) ends$/m, status: 'inactive' },
  'payment_intent.created': { object: paymentIntent, status: 'requires_confirmation' },
  'payment_intent.processing': { object: paymentIntent, status: 'processing' },
  'charge.pending': { object: charge, status: 'pending' },
  'payment_intent.succeeded': { object: paymentIntent, status: 'succeeded' },
  'charge.succeeded': { object: charge, status: 'succeeded' },
  'payment_intent.payment_failed': { object: paymentIntent, status: 'requires_payment_method' },
  'charge.failed': { object: charge, status: 'failed' },
  'payment_intent.canceled': { object: /^Created and canceled PaymentIntent (pi_\w+)$/m, status: 'canceled' },
};

const headline = ['setup_intent.succeeded', 'payment_intent.succeeded', 'payment_intent.payment_failed'];

function trigger(server: Server, type: string) {
  return run(['trigger', type, '--api-base', `http://127.0.0.1:${server.port}`], {
    OPENFC_SECRET_KEY: server.banner.secretKey as string,
  });
}

/** Triggers `type`; its one event, checked against the object the output names. */
async function triggered(
  server: Server,
  stripe: Stripe,
  type: string,
): Promise<{ event: Stripe.Event; stdout: string }> {
  const expected = expectations[type];
  assert.ok(expected, `an expectation for ${type}`);
  const result = await trigger(server, type);
  assert.equal(result.code, 0, `${type}: ${result.stderr}`);
  const lines = [...result.stdout.matchAll(/^Trigger succeeded: (evt_\w+) (\S+) \((\w+)\)$/gm)];
  assert.equal(lines.length, 1, result.stdout);
  const [, eventId, reportedType, objectId] = lines[0] as RegExpMatchArray;
  assert.equal(reportedType, type);
  assert.equal(objectId, result.stdout.match(expected.object)?.[1], result.stdout);
  const event = await stripe.events.retrieve(eventId as string);
  assertEventMatchesSchema(event);
  assert.equal(event.type, type);
  const object = event.data.object as unknown as { id: string; status?: string };
  assert.equal(object.id, objectId);
  if (expected.status) assert.equal(object.status, expected.status, type);
  return { event, stdout: result.stdout };
}

describe('openfc trigger for payment events', { timeout: 300_000 }, () => {
  test('every payment event type the command lists is covered here', async () => {
    const help = await run(['trigger', '--help']);
    assert.equal(help.code, 0, help.stderr);
    const listed = [...help.stdout.matchAll(/^ {2}(\S+)$/gm)]
      .map((m) => m[1] as string)
      .filter((type) => !/^(customer|financial_connections|topup|transfer|payout)\./.test(type));
    assert.deepEqual(listed.sort(), Object.keys(expectations).sort());
  });

  for (const backend of backends) {
    const types = backend.name === 'sqlite' ? Object.keys(expectations) : headline;
    describe(`on ${backend.name}`, { skip: backend.skip }, () => {
      test(`${types.length === headline.length ? headline.join(', ') : 'each payment event type'} comes through the ACH lifecycle`, async () => {
        const flags = ['--data-dir', tempDir()];
        if (backend.name === 'postgres') {
          const database = await backend.provision();
          databases.push(database);
          flags.push('--database', database.databaseUrl as string);
        }
        const server = await serve(flags);
        try {
          const stripe = server.stripe();
          for (const type of types) {
            const { event, stdout } = await triggered(server, stripe, type);
            if (type === 'setup_intent.succeeded') {
              const intent = event.data.object as Stripe.SetupIntent;
              assert.equal(intent.payment_method, stdout.match(paymentMethod)?.[1]);
              assert.equal(intent.mandate, stdout.match(/offline mandate (mandate_\w+):/)?.[1]);
              const mandate = await stripe.mandates.retrieve(intent.mandate as string);
              assert.equal(mandate.customer_acceptance.type, 'offline');
            }
            if (type === 'payment_intent.succeeded' || type === 'payment_intent.payment_failed') {
              assert.match(
                stdout,
                /^Advanced the sandbox clock \d+ days?, to \d{4}-\d\d-\d\d: the debit settled/m,
              );
            }
            if (type === 'payment_intent.payment_failed') {
              const intent = event.data.object as Stripe.PaymentIntent;
              assert.match(stdout, /^Completed session \S+ at Tokenized Account Numbers: /m);
              assert.match(stdout, /^Simulated account_numbers_deactivated on account fca_\w+$/m);
              assert.equal(intent.last_payment_error?.code, 'bank_account_unusable');
            }
          }
          // The settlements moved the merchant's sandbox clock, as the output said.
          const clock = (await stripe.rawRequest('GET', '/v1/test_helpers/sandbox_clock', {})) as unknown as {
            offset_seconds: number;
          };
          assert.ok(clock.offset_seconds >= 4 * 86_400, String(clock.offset_seconds));
        } finally {
          await server.stop();
        }
      });
    });
  }
});
