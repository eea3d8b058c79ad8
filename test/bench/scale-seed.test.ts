import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openBulkWriter, seedTarget } from '../../bench/scale/bulk-writer.ts';
import { type SeedResult, seed } from '../../bench/scale/seed.ts';
import { apiCaller, makeTemplate, type TemplateFixture } from '../../bench/scale/template.ts';
import { loadOrCreateKey, SecretBox } from '../../src/store/secrets.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';
import { form, type Harness, startHarnessOn } from '../support/harness.ts';
import { type Receiver, startReceiver } from '../support/receiver.ts';
import { assertEventMatchesSchema, assertListOf, assertMatchesSchema } from '../support/stripe-schemas.ts';

const size = { customers: 4, accounts: 100, transactions: 1000 };

for (const backend of backends) {
  describe(`the scale benchmark's seeder on ${backend.name}`, { skip: backend.skip }, () => {
    let database: ProvisionedDatabase;
    let h: Harness | undefined;
    let receiver: Receiver | undefined;
    let template: TemplateFixture;
    let seeded: SeedResult;

    before(async () => {
      database = await backend.provision();
      h = await startHarnessOn(database);
      receiver = await startReceiver();
      template = await makeTemplate(apiCaller(h.url, h.secretKey), receiver.url);
      const writer = openBulkWriter(seedTarget(database.dataDir, database.databaseUrl));
      try {
        seeded = await seed({
          writer,
          secrets: new SecretBox(loadOrCreateKey({ dataDir: database.dataDir }).key),
          templateAccount: template.account,
          size,
        });
      } finally {
        await writer.close();
      }
    });
    after(async () => {
      await receiver?.close();
      await h?.close();
      await database?.drop();
    });

    test('writes the rows asked for, each with its events, deliveries and attempts', () => {
      const eventsPerAccount = 2;
      const events = size.customers + size.accounts * eventsPerAccount;
      assert.deepEqual(seeded.counts, {
        customers: size.customers,
        // 25 accounts per customer, 3 per authorization.
        authorizations: size.customers * 9,
        accounts: size.accounts,
        transactions: size.transactions,
        events,
        deliveries: events,
        attempts: events,
      });
    });

    test('the API reads a seeded account, its customer, its accounts and its transactions', async () => {
      const api = h as Harness;
      const { sample } = seeded;
      const account = await api.fetch(`/v1/financial_connections/accounts/${sample.account}`);
      assert.equal(account.status, 200, account.text);
      assertMatchesSchema('financial_connections.account', account.body);
      assert.deepEqual(account.body.account_holder, { type: 'customer', customer: sample.customer });
      assert.equal((account.body.transaction_refresh as { status: string }).status, 'succeeded');

      const customer = await api.fetch(`/v1/customers/${sample.customer}`);
      assert.equal(customer.status, 200, customer.text);
      assertMatchesSchema('customer', customer.body);

      const owned = await api.fetch(
        `/v1/financial_connections/accounts?account_holder[customer]=${sample.customer}&limit=100`,
      );
      assert.equal(owned.status, 200, owned.text);
      assertListOf('financial_connections.account', owned.body, '/v1/financial_connections/accounts');
      assert.equal((owned.body.data as unknown[]).length, sample.customerAccounts);

      const all = await api.fetch(
        `/v1/financial_connections/transactions?account=${sample.account}&limit=100`,
      );
      assert.equal(all.status, 200, all.text);
      assertListOf('financial_connections.transaction', all.body, '/v1/financial_connections/transactions');
      const transactions = all.body.data as { id: string; transacted_at: number }[];
      assert.equal(transactions.length, sample.accountTransactions);

      // A range and a cursor: the page after the newest, inside the range of the middle ones.
      const inRange = transactions.slice(1, -1);
      const last = inRange.at(-1) as { transacted_at: number };
      const first = transactions[0] as { id: string; transacted_at: number };
      const page = await api.fetch(
        `/v1/financial_connections/transactions?account=${sample.account}&transacted_at[gte]=${last.transacted_at}&transacted_at[lt]=${first.transacted_at}&starting_after=${first.id}&limit=100`,
      );
      assert.equal(page.status, 200, page.text);
      assert.deepEqual(
        (page.body.data as { id: string }[]).map((t) => t.id),
        inRange.map((t) => t.id),
      );
    });

    test('the API reads seeded events', async () => {
      const api = h as Harness;
      const event = await api.fetch(`/v1/events/${seeded.sample.event}`);
      assert.equal(event.status, 200, event.text);
      assertEventMatchesSchema(event.body);
      assert.equal(event.body.pending_webhooks, 0);
      assert.equal((event.body.data as { object: { id: string } }).object.id, seeded.sample.account);
      const list = await api.fetch('/v1/events?limit=100');
      assert.equal(list.status, 200, list.text);
      assertListOf('event', list.body, '/v1/events');
    });

    test("a seeded account's sealed numbers open: a SetupIntent pays from them", async () => {
      const api = h as Harness;
      const { sample } = seeded;
      const setup = await api.fetch(
        '/v1/setup_intents',
        form({
          customer: sample.customer,
          'payment_method_data[type]': 'us_bank_account',
          'payment_method_data[us_bank_account][financial_connections_account]': sample.account,
          confirm: 'true',
          'mandate_data[customer_acceptance][type]': 'offline',
          'expand[0]': 'payment_method',
        }),
      );
      assert.equal(setup.status, 200, setup.text);
      assertMatchesSchema('setup_intent', setup.body);
      assert.equal(setup.body.status, 'succeeded');
      const account = await api.fetch(`/v1/financial_connections/accounts/${sample.account}`);
      const paidFrom = (setup.body.payment_method as { us_bank_account: { last4: string } }).us_bank_account;
      assert.equal(paidFrom.last4, account.body.last4);
      // Each copy has a number of its own, not the template's.
      const copied = await api.fetch(`/v1/financial_connections/accounts/${template.account}`);
      assert.notEqual(account.body.last4, copied.body.last4);
    });
  });
}
