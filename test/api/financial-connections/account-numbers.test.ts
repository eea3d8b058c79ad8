import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import {
  body,
  completeSession,
  createSession,
  linkAccounts,
  type PreviewAccount,
  simulate,
} from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

type NumberDetails = {
  identifier_type: string;
  status: string;
  expected_expiry_date: number | null;
  supported_networks: string[];
};

const tokenizing = 'Tokenized Account Numbers';

for (const backend of backends) {
  describe(`account numbers on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** Every API response body seen, to check that no account number leaks into one. */
    const responses: string[] = [];

    function checked(account: object): PreviewAccount {
      const raw = body(account);
      assertMatchesSchema('financial_connections.account', raw);
      responses.push(JSON.stringify(raw));
      return raw as PreviewAccount;
    }

    async function retrieve(stripe: Stripe, id: string) {
      return checked(await stripe.financialConnections.accounts.retrieve(id));
    }

    async function simulateOn(stripe: Stripe, id: string, event: string) {
      return checked(await simulate(stripe, 'accounts', id, event));
    }

    function numbersOf(account: PreviewAccount): NumberDetails[] | null {
      return account.account_numbers as NumberDetails[] | null;
    }

    async function stored(id: string) {
      const row = await h.running.store.db
        .selectFrom('fc_accounts')
        .select(['account_numbers_sealed', 'account_numbers'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const numbers = await h.running.services.accountNumbers.open(id);
      assert.ok(numbers && numbers.length === 1, 'openfc holds the numbers');
      const accountNumber = numbers[0]?.accountNumber as string;
      assert.match(accountNumber, /^\d{12}$/);
      for (const column of [row.account_numbers_sealed, row.account_numbers]) {
        assert.ok(column);
        assert.ok(!column.includes(accountNumber), 'the account number is not stored in the clear');
      }
      return { sealed: row.account_numbers_sealed as string, accountNumber };
    }

    test('tokenized numbers: transactable, rotate, deactivate, and a relink issues a new one', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, {
        institution: tokenizing,
        permissions: ['payment_method'],
        limit: 1,
      });
      const id = (accounts[0] as PreviewAccount).id;
      const now = Math.floor(Date.now() / 1000);

      const linked = await retrieve(stripe, id);
      const [first] = numbersOf(linked) ?? [];
      assert.equal(numbersOf(linked)?.length, 1);
      assert.equal(first?.identifier_type, 'tokenized_account_number');
      assert.equal(first?.status, 'transactable');
      assert.deepEqual(first?.supported_networks, ['ach']);
      assert.ok(typeof first?.expected_expiry_date === 'number' && first.expected_expiry_date > now);
      const original = await stored(id);

      const rotated = await simulateOn(stripe, id, 'account_numbers_rotated');
      assert.equal(numbersOf(rotated)?.[0]?.status, 'transactable');
      assert.equal(numbersOf(rotated)?.[0]?.identifier_type, 'tokenized_account_number');
      const afterRotation = await stored(id);
      assert.notEqual(afterRotation.sealed, original.sealed, 'the sealed column changed');
      assert.notEqual(afterRotation.accountNumber, original.accountNumber, 'the bank issued a new number');

      const deactivated = await simulateOn(stripe, id, 'account_numbers_deactivated');
      assert.equal(numbersOf(deactivated)?.[0]?.status, 'deactivated');
      assert.equal((await retrieve(stripe, id)).account_numbers?.[0]?.status, 'deactivated');
      await stored(id);

      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['payment_method'],
        relink_options: { authorization, account: id },
      });
      const relinked = await completeSession(stripe, session.id);
      assert.equal(relinked.status, 'succeeded');
      for (const account of relinked.accounts.data) checked(account);
      const repaired = await retrieve(stripe, id);
      assert.equal(numbersOf(repaired)?.[0]?.status, 'transactable');
      const afterRelink = await stored(id);
      assert.notEqual(afterRelink.accountNumber, afterRotation.accountNumber);

      const list = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
      });
      for (const account of list.data) checked(account);
      for (const number of [original, afterRotation, afterRelink].map((s) => s.accountNumber)) {
        for (const text of responses) assert.ok(!text.includes(number), 'no API response shows the number');
      }
    });

    test('Test Institution: a permanent account number without expiry', async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: ['payment_method'], limit: 1 });
      const account = await retrieve(stripe, (accounts[0] as PreviewAccount).id);
      assert.deepEqual(numbersOf(account), [
        {
          expected_expiry_date: null,
          identifier_type: 'account_number',
          status: 'transactable',
          supported_networks: ['ach'],
        },
      ]);
      const { accountNumber } = await stored(account.id);
      assert.ok(!JSON.stringify(account).includes(accountNumber));
    });

    test('without the payment_method permission there are no account numbers', async () => {
      const { stripe, accounts } = await linkAccounts(h, {
        institution: tokenizing,
        permissions: ['balances'],
        limit: 1,
      });
      const account = await retrieve(stripe, (accounts[0] as PreviewAccount).id);
      assert.equal(account.account_numbers, null);
      assert.equal(await h.running.services.accountNumbers.open(account.id), null);
    });

    test('rotating numbers at Test Institution is refused with a 400', async () => {
      const { stripe, accounts } = await linkAccounts(h, { permissions: ['payment_method'], limit: 1 });
      const id = (accounts[0] as PreviewAccount).id;
      const refused = await h.fetch(`/v1/test_helpers/financial_connections/accounts/${id}/simulate`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'event=account_numbers_rotated',
      });
      assert.equal(refused.status, 400, refused.text);
      const error = refused.body.error as { type: string; message: string };
      assert.equal(error.type, 'invalid_request_error');
      assert.match(error.message, /tokenized account number/);
      const account = await retrieve(stripe, id);
      assert.equal(numbersOf(account)?.[0]?.identifier_type, 'account_number');
      assert.equal(numbersOf(account)?.[0]?.status, 'transactable');
    });
  });
}
