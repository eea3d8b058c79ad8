/**
 * openfc.js: opens the account holder's flow in a modal iframe and resolves with what Stripe.js
 * resolves with. The client secret goes to the iframe only by postMessage, to openfc's origin,
 * after the iframe has said it is ready.
 */
import { type FlowFrame, type FlowRequest, openModal, prepareFrame } from './modal.ts';

export interface OpenFCOptions {
  /** openfc's origin; defaults to the origin the script was loaded from. */
  apiBase?: string;
  /** Used for the reachability check before the modal opens. */
  fetch?: typeof fetch;
}

export interface StripeError {
  type: string;
  code?: string;
  param?: string;
  message: string;
}

type StripeObject = Record<string, unknown>;

export type CollectResult = { financialConnectionsSession: StripeObject } | { error: StripeError };
export type CollectTokenResult =
  | { financialConnectionsSession: StripeObject; token?: StripeObject }
  | { error: StripeError };
export type ConfirmSetupResult = { setupIntent: StripeObject } | { error: StripeError };

export interface OpenFCInstance {
  collectFinancialConnectionsAccounts(options: { clientSecret: string }): Promise<CollectResult>;
  /**
   * For a session whose account holder is a connected account: resolves with the session and the
   * bank account token of the account linked (to attach as the account's external account).
   */
  collectBankAccountToken(options: { clientSecret: string }): Promise<CollectTokenResult>;
  /** Shows the ACH Direct Debit mandate; Accept confirms the SetupIntent with it. */
  confirmUsBankAccountSetup(
    clientSecret: string,
    data?: { payment_method?: string },
  ): Promise<ConfirmSetupResult>;
}

const reachTimeoutMs = 10_000;

const invalid = (message: string) => ({ error: { type: 'invalid_request_error', message } });

const objectIn = (data: StripeObject, field: string) => {
  const value = data[field];
  return value && typeof value === 'object' ? (value as StripeObject) : undefined;
};

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

    /** One modal at a time, on the warm frame when there is one. */
    async function show<R>(method: string, request: FlowRequest<R>): Promise<R | { error: StripeError }> {
      if (open) return invalid(`${method}: a flow is already open.`);
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
        return await openModal(frame, request);
      } finally {
        open = false;
        prepare();
      }
    }

    const isSessionSecret = (secret: unknown) =>
      typeof secret === 'string' && /^fcsess_\w+_secret_\w+$/.test(secret);

    return {
      collectFinancialConnectionsAccounts({ clientSecret } = { clientSecret: '' }) {
        if (!isSessionSecret(clientSecret)) {
          return Promise.resolve(
            invalid("collectFinancialConnectionsAccounts: pass the session's client_secret as clientSecret."),
          );
        }
        return show('collectFinancialConnectionsAccounts', {
          label: 'Connect your bank account',
          init: { publishableKey, clientSecret },
          done: (data) => {
            const session = objectIn(data, 'session');
            return session && { financialConnectionsSession: session };
          },
        });
      },

      collectBankAccountToken({ clientSecret } = { clientSecret: '' }) {
        if (!isSessionSecret(clientSecret)) {
          return Promise.resolve(
            invalid("collectBankAccountToken: pass the session's client_secret as clientSecret."),
          );
        }
        return show('collectBankAccountToken', {
          label: 'Connect your bank account',
          init: { publishableKey, clientSecret },
          done: (data): CollectTokenResult | undefined => {
            const session = objectIn(data, 'session');
            if (!session) return undefined;
            const { bank_account_token: token, ...financialConnectionsSession } = session;
            if (token && typeof token === 'object') {
              return { financialConnectionsSession, token: token as StripeObject };
            }
            const refused = objectIn(data, 'bankAccountTokenError');
            if (refused) {
              const { type, code, param, message } = refused;
              return {
                error: {
                  type: typeof type === 'string' ? type : 'invalid_request_error',
                  ...(typeof code === 'string' && { code }),
                  ...(typeof param === 'string' && { param }),
                  message: typeof message === 'string' ? message : 'No bank account token could be made.',
                },
              };
            }
            // The holder linked no account (or left): the session, and no token.
            return { financialConnectionsSession };
          },
        });
      },

      confirmUsBankAccountSetup(clientSecret, data = {}) {
        if (typeof clientSecret !== 'string' || !/^seti_\w+_secret_\w+$/.test(clientSecret)) {
          return Promise.resolve(
            invalid("confirmUsBankAccountSetup: pass the SetupIntent's client_secret as the first argument."),
          );
        }
        const paymentMethod = data?.payment_method;
        if (paymentMethod !== undefined && typeof paymentMethod !== 'string') {
          return Promise.resolve(
            invalid(
              'confirmUsBankAccountSetup: openfc takes data.payment_method as the id of a PaymentMethod (pm_...).',
            ),
          );
        }
        return show('confirmUsBankAccountSetup', {
          label: 'Authorize debits from your bank account',
          init: {
            publishableKey,
            clientSecret,
            confirmSetup: paymentMethod === undefined ? {} : { paymentMethod },
          },
          done: (message) => {
            const setupIntent = objectIn(message, 'setupIntent');
            return setupIntent && { setupIntent };
          },
        });
      },
    };
  };
}
