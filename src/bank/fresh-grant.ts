/**
 * Calls a bank with a grant whose access token may have expired: refreshes first when the token is
 * known to be past its time, or once when the bank says so, and reports the new grant so that the
 * caller can keep it.
 */
import type { BankResult, Grant, InstitutionConnector } from './connector.ts';

export interface WithGrant<T> {
  result: BankResult<T>;
  /** Set when the grant was refreshed on the way: store it in place of the old one. */
  refreshed: Grant | undefined;
}

export async function withFreshGrant<T>(
  connector: Pick<InstitutionConnector, 'refresh'>,
  institutionId: string,
  grant: Grant,
  now: number,
  operation: (grant: Grant) => Promise<BankResult<T>>,
): Promise<WithGrant<T>> {
  let current = grant;
  let refreshed: Grant | undefined;
  const refresh = async (): Promise<BankResult<T> | undefined> => {
    const renewed = await connector.refresh(institutionId, current);
    if (!renewed.ok) return renewed;
    current = renewed.value;
    refreshed = renewed.value;
    return undefined;
  };

  if (current.accessTokenExpiresAt <= now) {
    const failed = await refresh();
    if (failed) return { result: failed, refreshed };
  }
  let result = await operation(current);
  if (!result.ok && result.failure.kind === 'access_token_expired' && refreshed === undefined) {
    const failed = await refresh();
    if (failed) return { result: failed, refreshed };
    result = await operation(current);
  }
  return { result, refreshed };
}
