import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { eventually } from '../../support/eventually.ts';
import { atBank, bankUserOf, body, completeSession, createSession, linkAccounts } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import { assertMatchesSchema } from '../../support/stripe-schemas.ts';

const day = 86_400;

for (const backend of backends) {
  describe(`the scheduler on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      // A pass every 0.2 s, and each connection checked at the bank once a second.
      h = await startHarness(backend, { schedulerInterval: '0.2', bankCheckInterval: '1' });
    });
    after(() => h?.close());

    // Retrieving accounts, authorizations and events only reads openfc's records: none of these
    // calls reaches the bank, so whatever changes is the scheduler's doing.
    async function account(stripe: Stripe, id: string) {
      const found = await stripe.financialConnections.accounts.retrieve(id);
      assertMatchesSchema('financial_connections.account', body(found));
      return found;
    }

    async function authorizationOf(stripe: Stripe, id: string) {
      const found = (await stripe.rawRequest(
        'GET',
        `/v1/financial_connections/authorizations/${id}`,
        {},
      )) as Record<string, unknown>;
      assertMatchesSchema('financial_connections.authorization', body(found));
      return found;
    }

    async function eventsAbout(stripe: Stripe, type: string, ids: string[]) {
      const out: Stripe.Event[] = [];
      for await (const e of stripe.events.list({ type, limit: 100 })) {
        assertMatchesSchema('event', e);
        if (ids.includes((e.data.object as { id: string }).id)) out.push(e);
      }
      return out;
    }

    test('a consent ended and a disconnect made at the bank alone show without an API call', async () => {
      const expired = await linkAccounts(h, { limit: 2 });
      const ended = await linkAccounts(h, { limit: 1 });
      const stripe = expired.stripe;
      await atBank(h, `/users/${await bankUserOf(h, expired.authorization)}/expire-consent`);
      await atBank(h, `/users/${await bankUserOf(h, ended.authorization)}/disconnect`);

      for (const { id } of expired.accounts) {
        const found = await eventually(
          `${id} to turn inactive`,
          () => account(stripe, id),
          (a) => a.status !== 'active',
        );
        assert.deepEqual(
          {
            status: found.status,
            status_details: (found as unknown as { status_details: unknown }).status_details,
          },
          {
            status: 'inactive',
            status_details: { inactive: { cause: 'access_expired', action: 'relink_required' } },
          },
        );
      }
      assert.equal((await authorizationOf(stripe, expired.authorization)).status, 'inactive');
      const deactivated = await eventsAbout(
        stripe,
        'financial_connections.account.deactivated',
        expired.accounts.map((a) => a.id),
      );
      assert.equal(deactivated.length, expired.accounts.length, 'one event per account, from one process');
      for (const e of deactivated) assert.equal(e.request, null);

      const gone = ended.accounts[0]?.id as string;
      await eventually(
        `${gone} to be disconnected`,
        () => account(stripe, gone),
        (a) => a.status === 'disconnected',
      );
      assert.equal((await authorizationOf(stripe, ended.authorization)).status, 'disconnected');
      assert.equal(
        (await eventsAbout(stripe, 'financial_connections.account.disconnected', [gone])).length,
        1,
      );
    });

    test('a subscribed account is refreshed once a day has passed on the merchant clock', async () => {
      const stripe = h.stripe({ key: (await h.otherMerchant()).secretKey });
      const { merchant } = (await stripe.rawRequest(
        'GET',
        '/v1/test_helpers/sandbox_clock',
        {},
      )) as unknown as {
        merchant: string;
      };
      const customer = await stripe.customers.create({ email: 'daily@example.com' });
      const session = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['transactions'],
        limits: { accounts: 1 },
      });
      const id = (await completeSession(stripe, session.id)).accounts.data[0]?.id as string;
      await stripe.financialConnections.accounts.subscribe(id, { features: ['transactions'] });
      const first = await eventually(
        'the first transaction refresh to succeed',
        () => account(stripe, id),
        (a) => a.transaction_refresh?.status === 'succeeded',
      );

      // Two days pass on the merchant's clock and nothing else: the clock test helper would run the
      // daily refresh itself, so only openfc's clock record moves here.
      const clock = await h.running.services.clocks.advance(merchant, 2 * day);
      const scheduled = await eventually(
        'the scheduled refresh to succeed',
        () => account(stripe, id),
        (a) =>
          a.transaction_refresh?.id !== first.transaction_refresh?.id &&
          a.transaction_refresh?.status === 'succeeded',
      );
      const attempted = scheduled.transaction_refresh?.last_attempted_at ?? 0;
      assert.ok(attempted >= clock.now && attempted <= clock.now + 60, `${attempted} is on the moved clock`);
      const events = await eventsAbout(stripe, 'financial_connections.account.refreshed_transactions', [id]);
      assert.equal(events.length, 2, 'the subscription refresh and the scheduled one');
    });

    test('a due bank check is claimed by exactly one of several callers', async () => {
      const { authorization } = await linkAccounts(h, { limit: 1 });
      const merchant = h.running.merchant.id;
      // Far enough ahead that the check is due whenever the scheduler last made it.
      const at = (await h.running.services.clocks.now(merchant)) + 3600;
      const scheduled = h.running.services.scheduled;
      const claims = await Promise.all(
        Array.from({ length: 5 }, () => scheduled.claimCheck(authorization, at)),
      );
      assert.deepEqual(claims.filter(Boolean).length, 1, JSON.stringify(claims));
      assert.equal(await scheduled.claimCheck(authorization, at), false, 'checked at that time already');
      assert.equal(await scheduled.claimCheck(authorization, at + 1), true, 'due again a second later');
    });
  });
}
