import type { FlowError, FlowView } from './types.ts';

/** Where the flow's end goes: the merchant's page (modal) or the session's return URL (hosted). */
export interface Host {
  mode: 'modal' | 'hosted';
  finish(view: FlowView): void;
  fail(error: FlowError): void;
}

/**
 * The modal handshake, iframe side. `openfc:ready` carries nothing secret, so it may go to any
 * parent; `openfc:init` is taken only from the parent window, and its origin becomes the only
 * origin results are posted to.
 */
export interface Init {
  publishableKey: string;
  clientSecret: string;
  origin: string;
  /** Set when the merchant's page confirms a SetupIntent: the mandate screen, not the bank flow. */
  confirmSetup?: { paymentMethod?: string };
}

export function waitForInit(): Promise<Init> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent) => {
      const data = event.data as {
        type?: unknown;
        publishableKey?: unknown;
        clientSecret?: unknown;
        confirmSetup?: { paymentMethod?: unknown } | null;
      } | null;
      if (event.source !== window.parent || data?.type !== 'openfc:init') return;
      if (typeof data.publishableKey !== 'string' || typeof data.clientSecret !== 'string') return;
      window.removeEventListener('message', onMessage);
      const paymentMethod = data.confirmSetup?.paymentMethod;
      resolve({
        publishableKey: data.publishableKey,
        clientSecret: data.clientSecret,
        origin: event.origin,
        ...(data.confirmSetup && {
          confirmSetup: typeof paymentMethod === 'string' ? { paymentMethod } : {},
        }),
      });
    };
    window.addEventListener('message', onMessage);
    window.parent.postMessage({ type: 'openfc:ready' }, '*');
  });
}

/** The end of a SetupIntent confirmation, posted to the merchant's page only. */
export interface SetupHost {
  finish(setupIntent: Record<string, unknown>): void;
  fail(error: FlowError): void;
}

export function setupHost(parentOrigin: string): SetupHost {
  return {
    finish(setupIntent) {
      window.parent.postMessage({ type: 'openfc:done', setupIntent }, parentOrigin);
    },
    fail(error) {
      window.parent.postMessage({ type: 'openfc:error', error }, parentOrigin);
    },
  };
}

export function modalHost(parentOrigin: string): Host {
  return {
    mode: 'modal',
    finish(view) {
      window.parent.postMessage(
        { type: 'openfc:done', session: view.result, bankAccountTokenError: view.bank_account_token_error },
        parentOrigin,
      );
    },
    fail(error) {
      window.parent.postMessage({ type: 'openfc:error', error }, parentOrigin);
    },
  };
}

/** Hosted mode ends on the merchant's return URL (the server only accepts registered ones). */
export function hostedHost(onEndedWithoutReturn: (view: FlowView | null) => void): Host {
  return {
    mode: 'hosted',
    finish(view) {
      const target = webUrl(view.session.return_url);
      if (target) window.location.assign(target);
      else onEndedWithoutReturn(view);
    },
    fail() {
      onEndedWithoutReturn(null);
    },
  };
}

/** Only an http(s) address is followed: never a `javascript:` or other scheme. */
function webUrl(value: string | null): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
