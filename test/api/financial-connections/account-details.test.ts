import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, linkAccounts, type PreviewAccount } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

/** What another bank could have reported for the same account. */
const elsewhere = {
  institution_name: 'Another Bank',
  display_name: 'Joint Card',
  last4: '9876',
  category: 'credit',
  subcategory: 'credit_card',
  supported_payment_method_types: ['link'],
} as const;

for (const backend of backends) {
  describe(`account details as the bank reported them on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** Rewrites the stored details of an account (and its authorization) behind openfc's back. */
    async function reportedElsewhere(account: string, authorization: string) {
      const { supported_payment_method_types, ...plain } = elsewhere;
      await h.running.store.db
        .updateTable('fc_accounts')
        .set({ ...plain, supported_payment_method_types: JSON.stringify(supported_payment_method_types) })
        .where('id', '=', account)
        .execute();
      await h.running.store.db
        .updateTable('fc_authorizations')
        .set({ institution_name: elsewhere.institution_name })
        .where('id', '=', authorization)
        .execute();
    }

    async function retrieve(id: string) {
      const fetched = body(await h.stripe().financialConnections.accounts.retrieve(id));
      assertMatchesSchema('financial_connections.account', fetched);
      return fetched as PreviewAccount;
    }

    test('accounts and authorizations render what openfc stored, not the sandbox catalogue', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const [changed, kept] = accounts as [PreviewAccount, PreviewAccount];
      await reportedElsewhere(changed.id, authorization);

      assert.deepEqual(await retrieve(changed.id), { ...changed, ...elsewhere });
      assert.deepEqual(await retrieve(kept.id), kept);
      const listed = await stripe.financialConnections.accounts.list({
        account_holder: { customer: customer.id },
      });
      assert.deepEqual(listed.data.find((a) => a.id === changed.id)?.display_name, elsewhere.display_name);
      const authz = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${authorization}`,
        {},
      )) as Record<string, unknown>;
      assert.equal(authz.institution_name, elsewhere.institution_name);
    });

    test('a relink keeps the details the bank reports now', async () => {
      const { stripe, customer, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const [changed, other] = accounts as [PreviewAccount, PreviewAccount];
      await reportedElsewhere(changed.id, authorization);
      // Relinking the other account renews every account the bank shares under the authorization.
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['balances', 'payment_method'],
        relink_options: { authorization, account: other.id },
      });
      const done = await completeSession(stripe, session.id);
      assert.equal(done.status, 'succeeded', JSON.stringify(done));
      assert.deepEqual(await retrieve(changed.id), changed);
    });

    test('account numbers are fetched for accounts the bank said can pay', async () => {
      const { accounts, authorization } = await linkAccounts(h, { limit: 1 });
      const [account] = accounts as [PreviewAccount];
      assert.equal(account.account_numbers?.length, 1, JSON.stringify(account));
      await reportedElsewhere(account.id, authorization);
      await h.running.services.accountNumbers.syncAccount(account.id);
      assert.equal((await retrieve(account.id)).account_numbers, null);
    });
  });
}
