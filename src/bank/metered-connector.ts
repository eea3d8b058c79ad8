import type { BankResult, InstitutionConnector } from './connector.ts';

/** Every connector operation; a record, so that one added to the interface must be added here. */
const operations: Record<keyof InstitutionConnector, true> = {
  startAuthorization: true,
  exchangeCode: true,
  logIn: true,
  createSandboxAuthorization: true,
  refresh: true,
  revoke: true,
  listAccounts: true,
  getBalance: true,
  listOwners: true,
  listTransactions: true,
  getAccountNumbers: true,
};

type Operation = (...args: unknown[]) => Promise<BankResult<unknown>>;

/**
 * The connector with each call's outcome reported: `ok`, the bank failure's kind, or
 * `connector_error` when the call throws (a broken contract).
 */
export function meteredConnector(
  inner: InstitutionConnector,
  record: (operation: string, outcome: string) => void,
): InstitutionConnector {
  const metered: Record<string, Operation> = {};
  for (const name of Object.keys(operations) as (keyof InstitutionConnector)[]) {
    const call = (inner[name] as Operation).bind(inner);
    metered[name] = async (...args) => {
      let result: BankResult<unknown>;
      try {
        result = await call(...args);
      } catch (error) {
        record(name, 'connector_error');
        throw error;
      }
      record(name, result.ok ? 'ok' : result.failure.kind);
      return result;
    };
  }
  return metered as unknown as InstitutionConnector;
}
