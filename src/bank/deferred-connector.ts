import type { InstitutionConnector } from './connector.ts';
import type { HttpConnector } from './http-connector.ts';

/**
 * A connector whose bank address is known only once openfc listens (the embedded sandbox bank is
 * served by openfc itself, possibly on a port chosen at start). Services hold this from the
 * start; `bind` gives it the real connector.
 */
export interface DeferredConnector extends InstitutionConnector {
  bind(connector: HttpConnector): void;
  close(): Promise<void>;
}

export function deferredConnector(): DeferredConnector {
  let inner: HttpConnector | undefined;
  const target = (): HttpConnector => {
    if (!inner) throw new Error('The bank connector is used before openfc has bound it.');
    return inner;
  };
  return {
    bind: (connector) => {
      inner = connector;
    },
    close: async () => inner?.close(),
    startAuthorization: (...args) => target().startAuthorization(...args),
    exchangeCode: (...args) => target().exchangeCode(...args),
    logIn: (...args) => target().logIn(...args),
    createSandboxAuthorization: (...args) => target().createSandboxAuthorization(...args),
    refresh: (...args) => target().refresh(...args),
    revoke: (...args) => target().revoke(...args),
    listAccounts: (...args) => target().listAccounts(...args),
    getBalance: (...args) => target().getBalance(...args),
    listOwners: (...args) => target().listOwners(...args),
    listTransactions: (...args) => target().listTransactions(...args),
    getAccountNumbers: (...args) => target().getAccountNumbers(...args),
  };
}
