import { type Account, type Capability, capabilityNames } from '../../domain/merchants/connected-accounts.ts';
import { renderExternalAccount } from '../external-accounts/render.ts';
import type { Json } from '../wire/expand.ts';

/**
 * What openfc asks of an account before it is paid out to: a bank account to send payouts to.
 * openfc verifies no identity, so nothing else is ever due.
 */
function requirements(due: string[]): Json {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: null,
    errors: [],
    eventually_due: due,
    past_due: [],
    pending_verification: [],
  };
}

/** Who controls an account: the platform for custom and Express accounts, the account itself for a platform. */
function controller(account: Account): Json {
  if (account.type === null) return { type: 'account' };
  const express = account.type === 'express';
  return {
    fees: { payer: express ? 'application_express' : 'application_custom' },
    is_controller: true,
    losses: { payments: 'application' },
    requirement_collection: express ? 'stripe' : 'application',
    stripe_dashboard: { type: express ? 'express' : 'none' },
    type: 'application',
  };
}

/** A platform can do everything; a connected account what its platform requested, granted at once. */
function capabilities(account: Account): Record<string, 'active'> {
  const granted: readonly Capability[] = account.type === null ? capabilityNames : account.capabilities;
  return Object.fromEntries(granted.map((name) => [name, 'active']));
}

/**
 * Stripe's account object, as a test-mode account that openfc has verified instantly: requested
 * capabilities are active and charges enabled. A connected account is not paid out to until it has
 * an external account: until then `payouts_enabled` is false and `external_account` is due.
 */
export function renderAccount(account: Account): Json {
  const platform = account.type === null;
  const granted = capabilities(account);
  const external = account.externalAccounts ?? { data: [], hasMore: false, total: 0 };
  const payable = platform || external.total > 0;
  const due = payable ? [] : ['external_account'];
  return {
    id: account.id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      name: platform ? account.name : null,
      product_description: null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: account.businessType,
    capabilities: granted,
    charges_enabled: platform || 'card_payments' in granted || 'us_bank_account_ach_payments' in granted,
    controller: controller(account),
    country: account.country,
    created: account.created,
    default_currency: 'usd',
    details_submitted: true,
    email: account.email,
    external_accounts: {
      object: 'list',
      data: external.data.map(renderExternalAccount),
      has_more: external.hasMore,
      total_count: external.total,
      url: `/v1/accounts/${account.id}/external_accounts`,
    },
    future_requirements: requirements([]),
    metadata: account.metadata,
    payouts_enabled: payable,
    requirements: requirements(due),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: platform ? account.name : null, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: {
        statement_descriptor: null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: {
        debit_negative_balances: !platform,
        schedule: { delay_days: 2, interval: 'daily' },
        statement_descriptor: null,
      },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: platform ? 'standard' : account.type,
  };
}
