import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { atBank, bankUserOf, body, linkAccounts } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

type Account = Stripe.FinancialConnections.Account;
type Feature = 'balance' | 'ownership' | 'transactions';

const field = {
  balance: 'balance_refresh',
  ownership: 'ownership_refresh',
  transactions: 'transaction_refresh',
} as const;

for (const backend of backends) {
  describe(`refresh events on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    /** The account once its refresh of `feature` left pending. */
    async function settled(stripe: Stripe, id: string, feature: Feature): Promise<Account> {
      return eventually(
        `the ${feature} refresh of ${id} to settle`,
        () => stripe.financialConnections.accounts.retrieve(id),
        (a) => a[field[feature]] !== null && a[field[feature]]?.status !== 'pending',
      );
    }

    /** The events of `type` about one account, oldest first, each checked against Stripe's schema. */
    async function eventsAbout(stripe: Stripe, type: string, id: string): Promise<Stripe.Event[]> {
      const out: Stripe.Event[] = [];
      for await (const e of stripe.events.list({ type, limit: 100 })) {
        assertMatchesSchema('event', e);
        if ((e.data.object as { id: string }).id === id) out.push(e);
      }
      return out.reverse();
    }

    test('each refresh that succeeds writes its refreshed event with the account as it ended', async () => {
      const { stripe, accounts } = await linkAccounts(h, {
        permissions: ['balances', 'ownership', 'transactions'],
        limit: 1,
      });
      const id = accounts[0]?.id as string;
      for (const feature of ['balance', 'ownership', 'transactions'] as const) {
        const type = `financial_connections.account.refreshed_${feature}`;
        assert.deepEqual(await eventsAbout(stripe, type, id), [], `no ${type} before the refresh`);
        await stripe.financialConnections.accounts.refresh(id, { features: [feature] });
        const done = await settled(stripe, id, feature);
        assert.equal(done[field[feature]]?.status, 'succeeded', JSON.stringify(done));
        const events = await eventsAbout(stripe, type, id);
        assert.equal(events.length, 1, `one ${type}: ${JSON.stringify(events)}`);
        const event = events[0] as Stripe.Event;
        assert.equal(event.request, null, 'the refresh ends after the request that started it');
        const object = event.data.object as Account;
        assertMatchesSchema('financial_connections.account', object);
        assert.deepEqual(object, body(done), 'the event shows the account as the refresh left it');
      }
      const balanceEvents = await eventsAbout(stripe, 'financial_connections.account.refreshed_balance', id);
      assert.equal(balanceEvents.length, 1, 'other refreshes write no balance event');
    });

    test('a refresh that fails at the bank writes its refreshed event with status failed', async () => {
      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 1 });
      const id = accounts[0]?.id as string;
      // The holder revokes access at the bank; openfc learns of it only through the refresh.
      await atBank(h, `/users/${await bankUserOf(h, authorization)}/revoke`);
      await stripe.financialConnections.accounts.refresh(id, { features: ['balance'] });
      const done = await settled(stripe, id, 'balance');
      assert.equal(done.balance_refresh?.status, 'failed', JSON.stringify(done));
      assert.equal(done.status, 'inactive');
      const events = await eventsAbout(stripe, 'financial_connections.account.refreshed_balance', id);
      assert.equal(events.length, 1, JSON.stringify(events));
      const object = (events[0] as Stripe.Event).data.object as Account;
      assert.equal(object.balance_refresh?.status, 'failed');
      assert.equal(object.balance, null);
      const deactivated = await eventsAbout(stripe, 'financial_connections.account.deactivated', id);
      assert.equal(deactivated.length, 1, 'the broken access deactivates the account as well');
    });
  });
}
