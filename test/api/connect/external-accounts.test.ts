import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { body, completeSession, createSession, type PreviewAccount } from '../../support/fc.ts';
import { type Harness, startHarness } from '../../support/harness.ts';
import {
  advanceClock,
  checked,
  clockNow,
  numbersOf,
  refused,
  simulateAccount,
  tokenizing,
} from '../../support/payments.ts';
import { closeReceivers, startReceiver, verifiedEvents } from '../../support/receiver.ts';
import { assertSdkFields } from '../../support/sdk-fields.ts';

type Session = Stripe.FinancialConnections.Session;

/** A bank account body checked against the fields the SDK declares for it. */
function bankChecked<T extends object>(value: T): Stripe.BankAccount {
  const raw = body(value) as unknown as Stripe.BankAccount;
  assertSdkFields('bank_account', raw as unknown as Record<string, unknown>);
  return raw;
}

function tokenChecked(value: Stripe.Token): Stripe.Token {
  const token = checked('token', value) as Stripe.Token;
  assertSdkFields('bank_account', token.bank_account as unknown as Record<string, unknown>);
  return token;
}

for (const backend of backends) {
  describe(`bank account tokens and external accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let stripe: Stripe;
    before(async () => {
      h = await startHarness(backend);
      stripe = h.stripe();
    });
    afterEach(() => closeReceivers());
    after(() => h?.close());

    /** A session linking one account for the connected account `account`, completed. */
    async function linkFor(
      account: string,
      options: { institution?: string; permissions?: Array<'payment_method' | 'balances'> } = {},
      relink?: { authorization: string; account: string },
    ) {
      const session = await createSession(stripe, {
        account_holder: { type: 'account', account },
        permissions: options.permissions ?? ['payment_method'],
        limits: { accounts: 1 },
        ...(relink && { relink_options: relink }),
      });
      const completed = await completeSession(stripe, session.id, { institution: options.institution });
      assert.equal(completed.status, 'succeeded', JSON.stringify(completed));
      const fcAccount = completed.accounts.data[0] as PreviewAccount;
      const token = (completed as Session).bank_account_token;
      return { session: completed, fcAccount, token: token && tokenChecked(token) };
    }

    test('a session for a connected account gives a token; attached, the bank account follows deactivation and relink', async () => {
      const receiver = await startReceiver('/connect');
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: [
          'account.external_account.created',
          'account.external_account.updated',
          'account.external_account.deleted',
        ],
        connect: true,
      });
      const shop = await stripe.accounts.create({ type: 'custom', business_type: 'company' });
      const { session, fcAccount, token } = await linkFor(shop.id, { institution: tokenizing });
      assert.ok(token, 'the completed session has a bank account token');
      checked('financial_connections.session', session);
      const numbers = await numbersOf(h, fcAccount.id);
      assert.match(token.id, /^btok_/);
      assert.deepEqual(
        { ...token, id: '', created: 0, bank_account: { ...token.bank_account, id: '', fingerprint: '' } },
        {
          id: '',
          object: 'token',
          bank_account: {
            id: '',
            object: 'bank_account',
            account_holder_name: null,
            account_holder_type: 'company',
            account_type: 'checking',
            bank_name: fcAccount.institution_name,
            country: 'US',
            currency: 'usd',
            fingerprint: '',
            last4: numbers.last4,
            routing_number: numbers.routing,
            status: 'new',
          },
          client_ip: null,
          created: 0,
          livemode: false,
          type: 'bank_account',
          used: false,
        },
      );
      // Stripe's includable field: a retrieve shows it only when asked for.
      const plain = await stripe.financialConnections.sessions.retrieve(session.id);
      assert.equal('bank_account_token' in plain, false);
      const included = await stripe.financialConnections.sessions.retrieve(session.id, {
        expand: ['bank_account_token'],
      });
      assert.deepEqual(included.bank_account_token, token);
      assert.deepEqual(tokenChecked(await stripe.tokens.retrieve(token.id)), token);

      const bankAccountId = token.bank_account?.id as string;
      const created = bankChecked(
        await stripe.accounts.createExternalAccount(shop.id, {
          external_account: token.id,
          metadata: { purpose: 'payouts' },
        }),
      );
      assert.deepEqual(created, {
        id: bankAccountId,
        object: 'bank_account',
        account: shop.id,
        account_holder_name: null,
        account_holder_type: 'company',
        account_type: 'checking',
        available_payout_methods: ['standard'],
        bank_name: fcAccount.institution_name,
        country: 'US',
        currency: 'usd',
        default_for_currency: true,
        fingerprint: token.bank_account?.fingerprint,
        future_requirements: { currently_due: [], errors: [], past_due: [], pending_verification: [] },
        last4: numbers.last4,
        metadata: { purpose: 'payouts' },
        requirements: { currently_due: [], errors: [], past_due: [], pending_verification: [] },
        routing_number: numbers.routing,
        status: 'new',
      });
      assert.equal((await stripe.tokens.retrieve(token.id)).used, true);
      await refused(stripe.accounts.createExternalAccount(shop.id, { external_account: token.id }), {
        statusCode: 400,
        code: 'token_already_used',
        param: 'external_account',
      });
      const account = checked('account', await stripe.accounts.retrieve(shop.id));
      assert.deepEqual(account.external_accounts?.data, [created]);
      assert.equal((account.external_accounts as { total_count?: number }).total_count, 1);
      assert.equal(account.payouts_enabled, true);
      assert.deepEqual(account.requirements?.currently_due, []);
      // The account's own events show it with its bank accounts too.
      await stripe.accounts.update(shop.id, { metadata: { tier: 'gold' } });
      const [accountUpdated] = (
        await stripe.events.list({ type: 'account.updated' }, { stripeAccount: shop.id })
      ).data;
      const shown = accountUpdated?.data.object as Stripe.Account;
      assert.deepEqual(
        [shown.external_accounts?.data, shown.payouts_enabled],
        [[created], true],
        JSON.stringify(accountUpdated),
      );
      assert.deepEqual(await h.running.services.externalAccounts.payoutDestination(shop.id, created.id), {
        ok: true,
        externalAccount: await h.running.services.externalAccounts.find(h.running.merchant, created.id),
      });

      await simulateAccount(h, fcAccount.id, 'account_numbers_deactivated');
      const deactivated = bankChecked(await stripe.accounts.retrieveExternalAccount(shop.id, created.id));
      assert.deepEqual(deactivated, { ...created, status: 'tokenized_account_number_deactivated' });
      const refusedPayout = await h.running.services.externalAccounts.payoutDestination(shop.id, created.id);
      assert.equal(refusedPayout.ok ? 'ok' : refusedPayout.failureCode, 'invalid_account_number');

      const relinked = await linkFor(
        shop.id,
        {},
        {
          authorization: fcAccount.authorization,
          account: fcAccount.id,
        },
      );
      const fresh = await numbersOf(h, fcAccount.id);
      assert.notEqual(fresh.last4 + fresh.routing, '', 'numbers are held');
      const repaired = bankChecked(await stripe.accounts.retrieveExternalAccount(shop.id, created.id));
      assert.deepEqual(repaired, { ...created, last4: fresh.last4, routing_number: fresh.routing });
      // The relink's own token names the same bank account: it is one the account has already.
      assert.ok(relinked.token);
      assert.equal(relinked.token.bank_account?.fingerprint, created.fingerprint);
      await refused(stripe.accounts.createExternalAccount(shop.id, { external_account: relinked.token.id }), {
        statusCode: 400,
        code: 'bank_account_exists',
        param: 'external_account',
      });
      assert.equal((await stripe.tokens.retrieve(relinked.token.id)).used, false);

      const events = verifiedEvents(await receiver.waitFor(3), endpoint.secret as string);
      for (const event of events) assert.equal(event.account, shop.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.previous_attributes ?? null, e.data.object]),
        [
          ['account.external_account.created', null, created],
          ['account.external_account.updated', { status: 'new' }, deactivated],
          [
            'account.external_account.updated',
            { last4: created.last4, status: 'tokenized_account_number_deactivated' },
            repaired,
          ],
        ],
      );
      const bodies = JSON.stringify([token, created, deactivated, repaired, events]);
      for (const n of (await h.running.services.accountNumbers.open(fcAccount.id)) ?? []) {
        assert.ok(!bodies.includes(n.accountNumber), 'no response or event shows the account number');
      }
    });

    test('list, update and delete; the first per currency is the default, which goes last', async () => {
      const shop = await stripe.accounts.create({ type: 'express' });
      const first = await linkFor(shop.id, { institution: tokenizing });
      const second = await linkFor(shop.id);
      assert.ok(first.token && second.token);
      const attach = { external_account: first.token.id };
      const a = bankChecked(
        await stripe.accounts.createExternalAccount(shop.id, attach, { idempotencyKey: `attach-${shop.id}` }),
      );
      // The same request again answers the same bank account, and the token is used once.
      assert.deepEqual(
        bankChecked(
          await stripe.accounts.createExternalAccount(shop.id, attach, {
            idempotencyKey: `attach-${shop.id}`,
          }),
        ),
        a,
      );
      const b = bankChecked(
        await stripe.accounts.createExternalAccount(shop.id, { external_account: second.token.id }),
      );
      assert.equal(a.default_for_currency, true);
      assert.equal(b.default_for_currency, false);
      assert.equal(b.account_holder_type, 'individual');

      const all = await stripe.accounts.listExternalAccounts(shop.id, { object: 'bank_account' });
      assert.deepEqual(
        all.data.map((e) => bankChecked(e)),
        [b, a],
      );
      assert.equal(all.url, `/v1/accounts/${shop.id}/external_accounts`);
      const page = await stripe.accounts.listExternalAccounts(shop.id, { limit: 1 });
      assert.deepEqual([page.data.map((e) => e.id), page.has_more], [[b.id], true]);
      const next = await stripe.accounts.listExternalAccounts(shop.id, { limit: 1, starting_after: b.id });
      assert.deepEqual([next.data.map((e) => e.id), next.has_more], [[a.id], false]);
      assert.deepEqual((await stripe.accounts.listExternalAccounts(shop.id, { object: 'card' })).data, []);

      const updated = bankChecked(
        await stripe.accounts.updateExternalAccount(shop.id, b.id, {
          default_for_currency: true,
          account_holder_name: 'Jenny Rosen',
          account_holder_type: 'company',
          metadata: { tier: 'gold' },
        }),
      );
      assert.deepEqual(updated, {
        ...b,
        default_for_currency: true,
        account_holder_name: 'Jenny Rosen',
        account_holder_type: 'company',
        metadata: { tier: 'gold' },
      });
      assert.equal(
        (await stripe.accounts.retrieveExternalAccount(shop.id, a.id)).default_for_currency,
        false,
      );
      await refused(stripe.accounts.updateExternalAccount(shop.id, b.id, { default_for_currency: false }), {
        statusCode: 400,
        code: undefined,
        param: 'default_for_currency',
      });
      await refused(stripe.accounts.deleteExternalAccount(shop.id, b.id), {
        statusCode: 400,
        code: undefined,
        param: undefined,
      });
      assert.equal((await stripe.accounts.listExternalAccounts(shop.id)).data.length, 2);

      assert.deepEqual(body(await stripe.accounts.deleteExternalAccount(shop.id, a.id)), {
        id: a.id,
        object: 'bank_account',
        currency: 'usd',
        deleted: true,
      });
      await refused(stripe.accounts.retrieveExternalAccount(shop.id, a.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'id',
      });
      // The default goes once it is the only one in its currency.
      await stripe.accounts.deleteExternalAccount(shop.id, b.id);
      assert.deepEqual((await stripe.accounts.listExternalAccounts(shop.id)).data, []);
      const account = await stripe.accounts.retrieve(shop.id);
      assert.equal(account.payouts_enabled, false);
      assert.deepEqual(account.requirements?.currently_due, ['external_account']);
    });

    test('an unknown token, another connected account’s token and tokens of unpayable accounts are refused; nothing changes', async () => {
      const shop = await stripe.accounts.create({ type: 'custom' });
      const market = await stripe.accounts.create({ type: 'custom' });
      const theirs = await linkFor(market.id);
      assert.ok(theirs.token);
      await refused(stripe.accounts.createExternalAccount(shop.id, { external_account: theirs.token.id }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'external_account',
      });
      await refused(stripe.accounts.createExternalAccount(shop.id, { external_account: 'btok_unknown' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'external_account',
      });
      await refused(stripe.accounts.createExternalAccount(shop.id, { external_account: 'tok_visa' }), {
        statusCode: 400,
        code: undefined,
        param: 'external_account',
      });
      // Only the platform manages a connected account's bank accounts.
      await refused(
        stripe.accounts.createExternalAccount(
          market.id,
          { external_account: theirs.token.id },
          { stripeAccount: market.id },
        ),
        { statusCode: 404, code: 'resource_missing', param: 'account' },
      );
      assert.deepEqual((await stripe.accounts.listExternalAccounts(shop.id)).data, []);
      assert.deepEqual((await stripe.accounts.listExternalAccounts(market.id)).data, []);
      assert.equal((await stripe.tokens.retrieve(theirs.token.id)).used, false);
      await refused(stripe.tokens.retrieve('btok_unknown'), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'token',
      });
      const other = h.stripe({ key: (await h.otherMerchant()).secretKey });
      await refused(other.tokens.retrieve(theirs.token.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'token',
      });

      // Linked without the payment_method permission: no numbers, so no token.
      const dataOnly = await linkFor(shop.id, { permissions: ['balances'] });
      assert.equal(dataOnly.token, undefined);
      assert.equal(
        'bank_account_token' in
          (await stripe.financialConnections.sessions.retrieve(dataOnly.session.id, {
            expand: ['bank_account_token'],
          })),
        false,
      );
      // A customer's session has no token.
      const customer = await stripe.customers.create({});
      const forCustomer = await createSession(stripe, {
        account_holder: { type: 'customer', customer: customer.id },
        permissions: ['payment_method'],
      });
      const completed = await completeSession(stripe, forCustomer.id);
      assert.equal('bank_account_token' in completed, false);
    });

    test('an account closed at the bank, or tokenized numbers past their expiry, stop payouts at once', async () => {
      const shop = await stripe.accounts.create({ type: 'custom' });
      const closing = await linkFor(shop.id);
      const expiring = await linkFor(shop.id, { institution: tokenizing });
      assert.ok(closing.token && expiring.token);
      const a = await stripe.accounts.createExternalAccount(shop.id, { external_account: closing.token.id });
      const b = await stripe.accounts.createExternalAccount(shop.id, { external_account: expiring.token.id });

      await simulateAccount(h, closing.fcAccount.id, 'account_closed');
      assert.equal((await stripe.accounts.retrieveExternalAccount(shop.id, a.id)).status, 'errored');
      const closed = await h.running.services.externalAccounts.payoutDestination(shop.id, a.id);
      assert.equal(closed.ok ? 'ok' : closed.failureCode, 'account_closed');
      assert.equal((await stripe.accounts.retrieveExternalAccount(shop.id, b.id)).status, 'new');

      const fc = await stripe.financialConnections.accounts.retrieve(expiring.fcAccount.id);
      const expiry = fc.account_numbers?.[0]?.expected_expiry_date;
      assert.ok(typeof expiry === 'number', JSON.stringify(fc.account_numbers));
      await advanceClock(stripe, expiry - (await clockNow(stripe)) + 1);
      assert.equal(
        (await stripe.accounts.retrieveExternalAccount(shop.id, b.id)).status,
        'tokenized_account_number_deactivated',
      );
      const gone = await h.running.services.externalAccounts.payoutDestination(shop.id, 'ba_missing');
      assert.equal(gone.ok ? 'ok' : gone.failureCode, 'no_account');
    });
  });
}
