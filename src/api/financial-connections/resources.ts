import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type { FcOwnership } from '../../domain/financial-connections/transactions.ts';
import type { FcAccount, FcAuthorization, FcSession } from '../../domain/financial-connections/types.ts';
import { defineResource } from '../resource.ts';
import { accountDataRoutes } from './account-data.ts';
import { accountRoutes } from './accounts.ts';
import { authorizationRoutes } from './authorizations.ts';
import { institutionRoutes } from './institutions.ts';
import { renderAccount, renderAuthorization, renderInstitution, renderSession } from './render.ts';
import { renderOwnership } from './render-data.ts';
import { sessionRoutes } from './sessions.ts';
import { transactionRoutes } from './transactions.ts';

/** Who holds a session's accounts: a customer of the merchant, or the merchant's own account. */
const holderFields = { 'account_holder.customer': 'customer', 'account_holder.account': 'account' };

export const sessionResource = defineResource<FcSession>({
  object: 'financial_connections.session',
  routes: sessionRoutes,
  render: (session, reader) => renderSession(session, reader.version),
  get: (services, merchant, id) => services.sessions.get(merchant.id, id),
  // The token is not an id that expands: asking for it includes it (see the retrieve route).
  expandable: { ...holderFields, bank_account_token: 'token' },
  lists: { accounts: 'financial_connections.account' },
});

export const accountResource = defineResource<FcAccount>({
  object: 'financial_connections.account',
  routes: [...accountRoutes, ...accountDataRoutes],
  render: (account, reader) => renderAccount(account, reader.version),
  get: (services, merchant, id) => services.accounts.get(merchant.id, id),
  expandable: {
    institution: 'financial_connections.institution',
    ownership: 'financial_connections.account_ownership',
    ...holderFields,
  },
});

export const authorizationResource = defineResource<FcAuthorization>({
  object: 'financial_connections.authorization',
  routes: authorizationRoutes,
  render: (authorization, reader) => renderAuthorization(authorization, reader.version),
  get: (services, merchant, id) => services.authorizations.get(merchant.id, id),
  expandable: { institution: 'financial_connections.institution', ...holderFields },
});

export const institutionResource = defineResource<SandboxInstitution>({
  object: 'financial_connections.institution',
  routes: institutionRoutes,
  render: renderInstitution,
  find: async (services, _merchant, id) => services.institutions.find(id),
});

export const ownershipResource = defineResource<FcOwnership>({
  object: 'financial_connections.account_ownership',
  render: renderOwnership,
  find: (services, merchant, id) => services.transactions.ownership(merchant.id, id),
});

export const transactionResource = defineResource({
  object: 'financial_connections.transaction',
  routes: transactionRoutes,
});
