/**
 * openfc.js: opens the account holder's flow in a modal iframe and resolves with what Stripe.js's
 * collectFinancialConnectionsAccounts resolves with. The client secret goes to the iframe only by
 * postMessage, to openfc's origin, after the iframe has said it is ready.
 */
import { type FlowFrame, openModal, prepareFrame } from './modal.ts';

export interface OpenFCOptions {
  /** openfc's origin; defaults to the origin the script was loaded from. */
  apiBase?: string;
  /** Used for the reachability check before the modal opens. */
  fetch?: typeof fetch;
}

export interface StripeError {
  type: string;
  code?: string;
  message: string;
}

export type CollectResult = { financialConnectionsSession: Record<string, unknown> } | { error: StripeError };

export interface OpenFCInstance {
  collectFinancialConnectionsAccounts(options: { clientSecret: string }): Promise<CollectResult>;
}

const reachTimeoutMs = 10_000;

const invalid = (message: string): CollectResult => ({ error: { type: 'invalid_request_error', message } });

/** `scriptOrigin`: where this script came from (the classic and module builds find it differently). */
export function createOpenFC(scriptOrigin: string) {
  return function OpenFC(publishableKey: string, options: OpenFCOptions = {}): OpenFCInstance {
    if (typeof publishableKey !== 'string' || !publishableKey.startsWith('pk_')) {
      throw new TypeError('OpenFC: pass your publishable key (pk_...) as the first argument.');
    }
    const origin = new URL(options.apiBase ?? scriptOrigin).origin;
    const fetcher = options.fetch ?? globalThis.fetch.bind(globalThis);
    let open = false;
    // The next flow's frame, loaded hidden as soon as the page has a body.
    let warm: FlowFrame | undefined;
    const prepare = () => {
      if (!warm && document.body) warm = prepareFrame(origin);
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', prepare);
    else prepare();

    return {
      async collectFinancialConnectionsAccounts({ clientSecret } = { clientSecret: '' }) {
        if (typeof clientSecret !== 'string' || !/^fcsess_\w+_secret_\w+$/.test(clientSecret)) {
          return invalid(
            "collectFinancialConnectionsAccounts: pass the session's client_secret as clientSecret.",
          );
        }
        if (open) return invalid('collectFinancialConnectionsAccounts: a flow is already open.');
        open = true;
        prepare();
        const frame = warm ?? prepareFrame(origin);
        warm = undefined;
        try {
          // A frame that said it is ready has reached openfc; otherwise check that openfc answers at
          // all (an opaque answer, no CORS needed), so that an unreachable one fails fast.
          if (!frame.ready()) {
            try {
              await fetcher(`${origin}/flow/`, {
                mode: 'no-cors',
                signal: AbortSignal.timeout(reachTimeoutMs),
              });
            } catch {
              frame.discard();
              return {
                error: { type: 'api_connection_error', message: `Could not reach openfc at ${origin}.` },
              };
            }
          }
          return await openModal(frame, { publishableKey, clientSecret });
        } finally {
          open = false;
          prepare();
        }
      },
    };
  };
}
