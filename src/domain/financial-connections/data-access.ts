import { invalidRequest } from '../errors.ts';
import type { FcAccount, Permission } from './types.ts';

/** The features openfc refreshes (inferred balances are not computed yet). */
export type DataFeature = 'balance' | 'ownership' | 'transactions';

export const neededPermission: Record<DataFeature, Permission> = {
  balance: 'balances',
  ownership: 'ownership',
  transactions: 'transactions',
};

/** A feature the account's permissions do not cover is refused, and its data never shown. */
export function requirePermission(account: FcAccount, feature: DataFeature, param: string): void {
  const permission = neededPermission[feature];
  if (account.permissions.includes(permission)) return;
  throw invalidRequest(
    `The account '${account.id}' was linked without the '${permission}' permission, which ${feature} data needs. Link it again with a session whose permissions include '${permission}'.`,
    param,
  );
}

export function requireActive(account: FcAccount): void {
  if (account.status === 'active') return;
  const why =
    account.status === 'disconnected'
      ? 'is disconnected'
      : 'is inactive; relink it through a session with relink_options';
  throw invalidRequest(
    `The account '${account.id}' ${why}. Its data can no longer be refreshed; data fetched before stays readable.`,
    undefined,
    'financial_connections_account_inactive',
  );
}
