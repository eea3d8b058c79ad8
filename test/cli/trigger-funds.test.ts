import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { cleanUp, run, type Server, serve, tempDir } from '../support/processes.ts';
import { assertEventMatchesSchema } from '../support/stripe-schemas.ts';

/**
 * `openfc trigger` for top-up, transfer and payout events, as a user runs it next to
 * `openfc serve`: each scenario funds the platform with a top-up and pays a connected account over
 * the API; the payout scenarios then pay out to the connected account's bank account.
 */

const databases: ProvisionedDatabase[] = [];

after(async () => {
  await cleanUp();
  for (const database of databases) await database.drop();
});

const topup = /^Created top-up (tu_\w+) /m;
const transfer = /: transfer (tr_\w+)$/m;
const payout = /^Created payout (po_\w+) /m;

/** Where the output names the event's object, and the status the event shows it in. */
const expectations: Record<string, { object: RegExp; status?: string }> = {
  'topup.created': { object: topup, status: 'pending' },
  'topup.succeeded': { object: topup, status: 'succeeded' },
  'topup.canceled': { object: topup, status: 'canceled' },
  'transfer.created': { object: transfer },
  'transfer.updated': { object: transfer },
  'payout.paid': { object: payout, status: 'paid' },
  'payout.failed': { object: payout, status: 'failed' },
};

async function triggered(server: Server, stripe: Stripe, type: string) {
  const expected = expectations[type];
  assert.ok(expected, `an expectation for ${type}`);
  const result = await run(['trigger', type, '--api-base', `http://127.0.0.1:${server.port}`], {
    OPENFC_SECRET_KEY: server.banner.secretKey as string,
  });
  assert.equal(result.code, 0, `${type}: ${result.stderr}`);
  const lines = [...result.stdout.matchAll(/^Trigger succeeded: (evt_\w+) (\S+) \((\w+)\)$/gm)];
  assert.equal(lines.length, 1, result.stdout);
  const [, eventId, reportedType, objectId] = lines[0] as RegExpMatchArray;
  assert.equal(reportedType, type);
  assert.equal(objectId, result.stdout.match(expected.object)?.[1], result.stdout);
  // A payout is the connected account's: so are its events.
  const account = type.startsWith('payout.')
    ? result.stdout.match(/^Created connected account (acct_\w+)$/m)?.[1]
    : undefined;
  const event = await stripe.events.retrieve(
    eventId as string,
    {},
    account ? { stripeAccount: account } : undefined,
  );
  assertEventMatchesSchema(event);
  assert.equal(event.type, type);
  assert.equal(event.account ?? undefined, account);
  const object = event.data.object as unknown as { id: string; status?: string };
  assert.equal(object.id, objectId);
  if (expected.status) assert.equal(object.status, expected.status, type);
  return { event, stdout: result.stdout };
}

describe('openfc trigger for top-up, transfer and payout events', { timeout: 300_000 }, () => {
  test('every top-up, transfer and payout event type the command lists is covered here', async () => {
    const help = await run(['trigger', '--help']);
    assert.equal(help.code, 0, help.stderr);
    const listed = [...help.stdout.matchAll(/^ {2}(\S+)$/gm)]
      .map((m) => m[1] as string)
      .filter((type) => /^(topup|transfer|payout)\./.test(type));
    assert.deepEqual(listed.sort(), Object.keys(expectations).sort());
  });

  for (const backend of backends) {
    const types =
      backend.name === 'sqlite' ? Object.keys(expectations) : ['transfer.created', 'payout.failed'];
    describe(`on ${backend.name}`, { skip: backend.skip }, () => {
      test(`${types.join(', ')} through a top-up and a transfer`, async () => {
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
            if (type.startsWith('transfer.')) {
              const made = event.data.object as Stripe.Transfer;
              assert.equal(made.destination, stdout.match(/^Created connected account (acct_\w+)$/m)?.[1]);
              assert.match(stdout, /top-up tu_\w+ is now succeeded$/m);
            }
            if (type === 'transfer.updated')
              assert.deepEqual(event.data.previous_attributes, { metadata: { updated_by: '' } });
          }
        } finally {
          await server.stop();
        }
      });
    });
  }
});
