import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type {
  AccountHolder,
  FcAccount,
  FcAuthorization,
  FcSession,
  StatusDetails,
} from '../../domain/financial-connections/types.ts';
import type { Json } from '../wire/expand.ts';
import type { ApiVersion } from '../wire/versions.ts';
import { renderAccountData } from './render-data.ts';

/** Stripe's JSON for Financial Connections objects, as each API version shows them. */
function renderHolder(holder: AccountHolder | null): Json | null {
  if (!holder) return null;
  return holder.type === 'customer'
    ? { customer: holder.customer, type: 'customer' }
    : { account: holder.account, type: 'account' };
}

function renderStatusDetails(details: StatusDetails, version: ApiVersion): Json {
  const out: Json = {};
  if (details.active) out.active = details.active;
  if (details.inactive && version.preview) out.inactive = details.inactive;
  return out;
}

export function renderInstitution(institution: SandboxInstitution): Json {
  return {
    id: institution.id,
    object: 'financial_connections.institution',
    countries: institution.countries,
    features: {
      balances: { supported: institution.features.balances },
      ownership: { supported: institution.features.ownership },
      payment_method: { supported: institution.features.payment_method },
      transactions: { supported: institution.features.transactions },
    },
    livemode: false,
    name: institution.name,
    routing_numbers: institution.routingNumbers,
    status: institution.availability.kind === 'up' ? 'active' : 'degraded',
    url: institution.url,
  };
}

export function renderAccount(account: FcAccount, version: ApiVersion): Json {
  const body: Json = {
    id: account.id,
    object: 'financial_connections.account',
    account_holder: renderHolder(account.holder),
    account_numbers: account.accountNumbers,
    category: account.category,
    created: account.created,
    display_name: account.displayName,
    institution_name: account.institutionName,
    last4: account.last4,
    livemode: false,
    permissions: account.permissions,
    status: account.status,
    status_details: renderStatusDetails(account.statusDetails, version),
    subcategory: account.subcategory,
    supported_payment_method_types: account.supportedPaymentMethodTypes,
    ...renderAccountData(account, version),
  };
  if (version.preview) {
    body.authorization = account.authorizationId;
    body.inferred_balances_refresh = null;
    body.institution = account.institutionId;
  }
  return body;
}

export function renderAuthorization(authorization: FcAuthorization, version: ApiVersion): Json {
  return {
    id: authorization.id,
    object: 'financial_connections.authorization',
    account_holder: renderHolder(authorization.holder),
    institution: authorization.institutionId,
    institution_name: authorization.institutionName,
    livemode: false,
    status: authorization.status,
    status_details: renderStatusDetails(authorization.statusDetails, version),
  };
}

/**
 * A session; `bankAccountToken` (the rendered token of a session for a connected account) is
 * shown only where asked for: `bank_account_token` is one of Stripe's includable fields.
 */
export function renderSession(session: FcSession, version: ApiVersion, bankAccountToken?: Json): Json {
  const { institution, ...gaFilters } = session.filters;
  const body: Json = {
    id: session.id,
    object: 'financial_connections.session',
    account_holder: renderHolder(session.holder),
    accounts: {
      object: 'list',
      data: session.accounts.map((a) => renderAccount(a, version)),
      has_more: false,
      url: '/v1/financial_connections/accounts',
    },
    client_secret: session.clientSecret,
    filters: version.preview ? session.filters : gaFilters,
    livemode: false,
    permissions: session.permissions,
    prefetch: session.prefetch,
  };
  if (bankAccountToken) body.bank_account_token = bankAccountToken;
  if (session.limitsAccounts !== null) body.limits = { accounts: session.limitsAccounts };
  if (session.manualEntryMode !== null) body.manual_entry = { mode: session.manualEntryMode };
  if (session.returnUrl !== null) body.return_url = session.returnUrl;
  if (version.preview) {
    if (session.relink) body.relink_options = session.relink;
    if (session.relinkResult) body.relink_result = session.relinkResult;
    body.status = session.status;
    if (session.cancelledReason !== null)
      body.status_details = { cancelled: { reason: session.cancelledReason } };
    // Events keep sessions as they were recorded; those from before hosted sessions lack these.
    body.ui_mode = session.uiMode ?? 'modal';
    body.url = session.url ?? null;
  }
  if (version.hosted) {
    body.hosted =
      session.uiMode === 'hosted'
        ? {
            ...(session.hostedDeliveryMethod !== null && { delivery_method: session.hostedDeliveryMethod }),
            return_url: session.returnUrl,
          }
        : null;
  }
  return body;
}
