import type { FcOwner, FcOwnership, FcTransaction } from '../../domain/financial-connections/transactions.ts';
import type { FcAccount } from '../../domain/financial-connections/types.ts';
import type { Json } from '../wire/expand.ts';
import type { ApiVersion } from '../wire/versions.ts';

/** Subscriptions GA versions know of; preview versions show every one. */
const gaSubscriptions = ['transactions'];

/** The account's data fields; a feature outside the account's permissions shows nothing. */
export function renderAccountData(account: FcAccount, version: ApiVersion): Json {
  const allows = (p: FcAccount['permissions'][number]) => account.permissions.includes(p);
  return {
    balance: allows('balances') ? account.balance : null,
    balance_refresh: allows('balances') ? account.balanceRefresh : null,
    ownership: allows('ownership') ? account.ownershipId : null,
    ownership_refresh: allows('ownership') ? account.ownershipRefresh : null,
    subscriptions: version.preview
      ? account.subscriptions
      : account.subscriptions.filter((s) => gaSubscriptions.includes(s)),
    transaction_refresh: allows('transactions') ? account.transactionRefresh : null,
  };
}

export function ownersUrl(accountId: string, ownershipId: string): string {
  return `/v1/financial_connections/accounts/${accountId}/owners?ownership=${ownershipId}`;
}

export function renderOwner(owner: FcOwner): Json {
  return {
    id: owner.id,
    object: 'financial_connections.account_owner',
    email: owner.email,
    name: owner.name,
    ownership: owner.ownership_id,
    phone: owner.phone,
    raw_address: owner.raw_address,
    refreshed_at: owner.refreshed_at,
  };
}

export function renderOwnership(ownership: FcOwnership): Json {
  return {
    id: ownership.id,
    object: 'financial_connections.account_ownership',
    created: ownership.created,
    owners: {
      object: 'list',
      data: ownership.owners.map(renderOwner),
      has_more: false,
      url: ownersUrl(ownership.accountId, ownership.id),
    },
  };
}

export function renderTransaction(t: FcTransaction): Json {
  return {
    id: t.id,
    object: 'financial_connections.transaction',
    account: t.account_id,
    amount: t.amount,
    currency: t.currency,
    description: t.description,
    livemode: false,
    status: t.status,
    status_transitions: { posted_at: t.posted_at, void_at: t.void_at },
    transacted_at: t.transacted_at,
    transaction_refresh: t.transaction_refresh,
    updated: t.updated,
  };
}
