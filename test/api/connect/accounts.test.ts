import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Stripe from 'stripe';
import { backends } from '../../support/backends.ts';
import { form, gaVersion, type Harness, previewVersion, startHarness } from '../../support/harness.ts';
import { checked, refused } from '../../support/payments.ts';
import { assertListOf, assertStripeError } from '../../support/stripe-schemas.ts';

/** A fresh connected account's requirements: only a payout bank account is due. */
const dueExternalAccount = {
  alternatives: [],
  current_deadline: null,
  currently_due: ['external_account'],
  disabled_reason: null,
  errors: [],
  eventually_due: ['external_account'],
  past_due: [],
  pending_verification: [],
};
const nothingDue = { ...dueExternalAccount, currently_due: [], eventually_due: [] };

/** The settings every account shows: openfc keeps none of them. */
function settings(displayName: string | null, debitNegativeBalances: boolean) {
  return {
    bacs_debit_payments: { display_name: null, service_user_number: null },
    branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
    card_payments: {
      decline_on: { avs_failure: false, cvc_failure: false },
      statement_descriptor_prefix: null,
      statement_descriptor_prefix_kana: null,
      statement_descriptor_prefix_kanji: null,
    },
    dashboard: { display_name: displayName, timezone: 'Etc/UTC' },
    invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
    payments: {
      statement_descriptor: null,
      statement_descriptor_kana: null,
      statement_descriptor_kanji: null,
      statement_descriptor_prefix_kana: null,
      statement_descriptor_prefix_kanji: null,
    },
    payouts: {
      debit_negative_balances: debitNegativeBalances,
      schedule: { delay_days: 2, interval: 'daily' },
      statement_descriptor: null,
    },
    sepa_debit_payments: {},
  };
}

function businessProfile(name: string | null) {
  return {
    annual_revenue: null,
    estimated_worker_count: null,
    mcc: null,
    minority_owned_business_designation: null,
    name,
    product_description: null,
    specified_commercial_transactions_act_url: null,
    support_address: null,
    support_email: null,
    support_phone: null,
    support_url: null,
    url: null,
  };
}

for (const backend of backends) {
  describe(`connected accounts on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    for (const version of [gaVersion, previewVersion]) {
      test(`create, retrieve, update and delete a custom account on ${version}`, async () => {
        const stripe = h.stripe({ apiVersion: version });
        const created = checked(
          'account',
          await stripe.accounts.create({
            type: 'custom',
            country: 'US',
            email: 'shop@example.com',
            business_type: 'company',
            capabilities: {
              transfers: { requested: true },
              us_bank_account_ach_payments: { requested: true },
            },
            metadata: { shop: '42' },
          }),
        );
        assert.match(created.id, /^acct_[A-Za-z0-9]{24}$/);
        assert.ok(Math.abs((created.created ?? 0) - Date.now() / 1000) < 60);
        assert.deepEqual(created, {
          id: created.id,
          object: 'account',
          business_profile: businessProfile(null),
          business_type: 'company',
          capabilities: { transfers: 'active', us_bank_account_ach_payments: 'active' },
          charges_enabled: true,
          controller: {
            fees: { payer: 'application_custom' },
            is_controller: true,
            losses: { payments: 'application' },
            requirement_collection: 'application',
            stripe_dashboard: { type: 'none' },
            type: 'application',
          },
          country: 'US',
          created: created.created,
          default_currency: 'usd',
          details_submitted: true,
          email: 'shop@example.com',
          external_accounts: {
            object: 'list',
            data: [],
            has_more: false,
            total_count: 0,
            url: `/v1/accounts/${created.id}/external_accounts`,
          },
          future_requirements: nothingDue,
          metadata: { shop: '42' },
          payouts_enabled: false,
          requirements: dueExternalAccount,
          settings: settings(null, true),
          tos_acceptance: { date: null, ip: null, user_agent: null },
          type: 'custom',
        });

        assert.deepEqual(checked('account', await stripe.accounts.retrieve(created.id)), created);

        const updated = checked(
          'account',
          await stripe.accounts.update(created.id, {
            email: 'owner@example.com',
            business_type: 'individual',
            metadata: { shop: '', tier: 'gold' },
          }),
        );
        assert.deepEqual(updated, {
          ...created,
          email: 'owner@example.com',
          business_type: 'individual',
          metadata: { tier: 'gold' },
        });
        assert.deepEqual(checked('account', await stripe.accounts.retrieve(created.id)), updated);

        const deleted = await stripe.accounts.del(created.id);
        assert.deepEqual(
          { ...deleted, lastResponse: undefined },
          {
            id: created.id,
            object: 'account',
            deleted: true,
            lastResponse: undefined,
          },
        );
        await refused(stripe.accounts.retrieve(created.id), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'account',
        });
        await refused(stripe.accounts.del(created.id), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'account',
        });
        await refused(stripe.accounts.update(created.id, { email: 'again@example.com' }), {
          statusCode: 404,
          code: 'resource_missing',
          param: 'account',
        });
      });
    }

    test('an Express account, made with type or with controller', async () => {
      const stripe = h.stripe();
      const byType = checked('account', await stripe.accounts.create({ type: 'express' }));
      const byController = checked(
        'account',
        await stripe.accounts.create({
          controller: {
            fees: { payer: 'application' },
            losses: { payments: 'application' },
            stripe_dashboard: { type: 'express' },
          },
        }),
      );
      const expressController = {
        fees: { payer: 'application_express' },
        is_controller: true,
        losses: { payments: 'application' },
        requirement_collection: 'stripe',
        stripe_dashboard: { type: 'express' },
        type: 'application',
      };
      for (const account of [byType, byController]) {
        assert.equal(account.type, 'express');
        assert.deepEqual(account.controller, expressController);
        // Nothing requested: no capability, no charges.
        assert.deepEqual(account.capabilities, {});
        assert.equal(account.charges_enabled, false);
        assert.equal(account.business_type, null);
        assert.equal(account.email, null);
        assert.deepEqual(account.metadata, {});
      }
      const custom = checked(
        'account',
        await stripe.accounts.create({
          controller: { requirement_collection: 'application', stripe_dashboard: { type: 'none' } },
        }),
      );
      assert.equal(custom.type, 'custom');
    });

    test('the platform itself, at /v1/account and by its id', async () => {
      const stripe = h.stripe({ apiVersion: gaVersion });
      const platform = checked('account', await stripe.accounts.retrieveCurrent());
      const { merchant } = h.running;
      assert.deepEqual(platform, {
        id: merchant.id,
        object: 'account',
        business_profile: businessProfile(merchant.name),
        business_type: null,
        capabilities: {
          card_payments: 'active',
          transfers: 'active',
          us_bank_account_ach_payments: 'active',
        },
        charges_enabled: true,
        controller: { type: 'account' },
        country: 'US',
        created: platform.created,
        default_currency: 'usd',
        details_submitted: true,
        email: null,
        external_accounts: {
          object: 'list',
          data: [],
          has_more: false,
          total_count: 0,
          url: `/v1/accounts/${merchant.id}/external_accounts`,
        },
        future_requirements: nothingDue,
        metadata: {},
        payouts_enabled: true,
        requirements: nothingDue,
        settings: settings(merchant.name, false),
        tos_acceptance: { date: null, ip: null, user_agent: null },
        type: 'standard',
      });
      assert.deepEqual(checked('account', await stripe.accounts.retrieve(merchant.id)), platform);
      // The platform is not one of its connected accounts.
      await refused(stripe.accounts.update(merchant.id, { email: 'me@example.com' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
    });

    test('lists connected accounts newest first, with cursors, and never another platform’s', async () => {
      const other = await h.otherMerchant();
      const otherStripe = h.stripe({ key: other.secretKey });
      const theirs = await otherStripe.accounts.create({ type: 'custom' });
      const stripe = h.stripe();
      const made: string[] = [];
      for (let i = 0; i < 3; i++) made.push((await stripe.accounts.create({ type: 'custom' })).id);
      const gone = await stripe.accounts.create({ type: 'express' });
      await stripe.accounts.del(gone.id);

      const first = await stripe.accounts.list({ limit: 2 });
      assertListOf('account', first, '/v1/accounts');
      assert.deepEqual(
        first.data.map((a) => a.id),
        [made[2], made[1]],
      );
      assert.equal(first.has_more, true);
      const next = await stripe.accounts.list({ limit: 2, starting_after: made[1] });
      assert.equal(next.data[0]?.id, made[0]);
      const back = await stripe.accounts.list({ limit: 2, ending_before: made[0] });
      assert.deepEqual(
        back.data.map((a) => a.id),
        [made[2], made[1]],
      );
      const all: string[] = [];
      for await (const account of stripe.accounts.list({ limit: 100 })) all.push(account.id);
      assert.ok(!all.includes(gone.id), 'a deleted account is not listed');
      assert.ok(!all.includes(theirs.id), "another platform's account is not listed");
      assert.ok(!all.includes(h.running.merchant.id), 'the platform is not its own connected account');

      // Another platform's account cannot be seen, changed or deleted.
      await refused(stripe.accounts.retrieve(theirs.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
      await refused(stripe.accounts.update(theirs.id, { email: 'x@example.com' }), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
      await refused(stripe.accounts.del(theirs.id), {
        statusCode: 404,
        code: 'resource_missing',
        param: 'account',
      });
      assert.equal((await otherStripe.accounts.retrieve(theirs.id)).id, theirs.id);
    });

    test('bad input gets a Stripe error and makes nothing', async () => {
      const stripe = h.stripe();
      const before = (await stripe.accounts.list({ limit: 100 })).data.length;
      await refused(stripe.accounts.create({}), {
        statusCode: 400,
        code: 'parameter_missing',
        param: 'type',
      });
      await refused(stripe.accounts.create({ type: 'standard' }), {
        statusCode: 400,
        code: undefined,
        param: 'type',
      });
      await refused(stripe.accounts.create({ type: 'custom', country: 'FR' }), {
        statusCode: 400,
        code: undefined,
        param: 'country',
      });
      await refused(stripe.accounts.create({ type: 'custom', email: 'not-an-email' }), {
        statusCode: 400,
        code: 'email_invalid',
        param: 'email',
      });
      await refused(stripe.accounts.create({ type: 'custom', business_type: 'non_profit' }), {
        statusCode: 400,
        code: undefined,
        param: 'business_type',
      });
      await refused(
        stripe.accounts.create({ type: 'custom', controller: { stripe_dashboard: { type: 'express' } } }),
        { statusCode: 400, code: 'parameters_exclusive', param: 'controller' },
      );
      await refused(stripe.accounts.create({ controller: { stripe_dashboard: { type: 'full' } } }), {
        statusCode: 400,
        code: undefined,
        param: 'controller',
      });
      await refused(stripe.accounts.create({ type: 'custom', unknown: 'x' } as Stripe.AccountCreateParams), {
        statusCode: 400,
        code: 'parameter_unknown',
        param: 'unknown',
      });
      assert.equal((await stripe.accounts.list({ limit: 100 })).data.length, before);

      // Accounts are managed with a secret key only.
      const raw = await h.fetch('/v1/accounts', { ...form({ type: 'custom' }), key: h.publishableKey });
      assert.equal(raw.status, 401, raw.text);
      assertStripeError(raw.body);
      assert.equal((raw.body.error as { code?: string }).code, 'secret_key_required');
    });
  });
}
