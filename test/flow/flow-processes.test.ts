import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { approveInBrowser, institutions } from '../bank/helpers.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { createSession, type PreviewSession } from '../support/fc.ts';
import { type Harness, startHarnessOn } from '../support/harness.ts';
import { FlowClient, type Step } from './flow-client.ts';

const postgres = backends.find((b) => b.name === 'postgres');

describe('one flow, two openfc processes on one PostgreSQL database', {
  skip: postgres?.skip ?? true,
}, () => {
  let database: ProvisionedDatabase;
  let first: Harness;
  let second: Harness;
  before(async () => {
    database = await (postgres as NonNullable<typeof postgres>).provision();
    first = await startHarnessOn(database);
    // The second process uses the keys the first one made (PostgreSQL keeps only their digests).
    second = await startHarnessOn(database, {
      secretKey: first.secretKey,
      publishableKey: first.publishableKey,
    });
  });
  after(async () => {
    await second?.close();
    await first?.close();
    await database?.drop();
  });

  async function newSession() {
    const stripe = first.stripe();
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    const session = await createSession(stripe, {
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['balances'],
    });
    const flow = FlowClient.of(first, session.client_secret as string);
    return { session, flow, other: flow.at(second.url) };
  }

  test('each process takes the step the other left the flow at; a step is taken once', async () => {
    const { session, flow, other } = await newSession();
    await flow.step('consent');
    assert.deepEqual(await other.step('session'), { kind: 'institution' });
    // Both processes are asked for the same step at once: one takes it, the other refuses.
    const answers = await Promise.all([
      flow.post('institution', { institution: institutions.test }),
      other.post('institution', { institution: institutions.test }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400]);
    const refused = answers.find((a) => a.status === 400)?.body.error as { code: string };
    assert.equal(refused.code, 'status_transition_invalid');

    const accounts = await other.step('login');
    const ids = (accounts.accounts as Array<{ id: string }>).map((a) => a.id);
    const done = await flow.step('link', { accounts: ids.slice(0, 2) });
    assert.equal(done.status, 'succeeded');
    const retrieved = (await second
      .stripe()
      .financialConnections.sessions.retrieve(session.id)) as unknown as PreviewSession;
    assert.equal(retrieved.accounts.data.length, 2);
  });

  test('the bank sends the holder back to the other process: it finishes the OAuth step', async () => {
    const { flow, other } = await newSession();
    await flow.step('consent');
    const oauth = await flow.step('institution', { institution: institutions.sandboxOAuth });
    const callback = await approveInBrowser(oauth.authorize_url as string, ['checking']);
    const atSecond = new URL(`${callback.pathname}${callback.search}`, second.url);
    const page = await fetch(atSecond);
    assert.equal(page.status, 200);
    const accounts = (await other.step('session')) as Step & { accounts: Array<{ display_name: string }> };
    assert.deepEqual(
      accounts.accounts.map((a) => a.display_name),
      ['Primary Checking'],
    );
  });
});
