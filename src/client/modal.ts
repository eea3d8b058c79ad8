import type { StripeError } from './openfc.ts';

const readyTimeoutMs = 20_000;

/**
 * The overlay and its iframe, made hidden ahead of use (as Stripe.js loads its frames when the page
 * sets it up), so that a flow opens on a frame that has already loaded. It listens for the frame's
 * `openfc:ready` from the start, which carries nothing secret.
 */
export interface FlowFrame {
  readonly origin: string;
  readonly overlay: HTMLDivElement;
  readonly iframe: HTMLIFrameElement;
  /** Whether the frame said it is ready (and so that openfc answered). */
  ready(): boolean;
  /** Resolves once the frame said it is ready. */
  whenReady: Promise<void>;
  discard(): void;
}

export function prepareFrame(origin: string): FlowFrame {
  const overlay = document.createElement('div');
  overlay.setAttribute('role', 'dialog');
  overlay.setAttribute('aria-modal', 'true');
  overlay.setAttribute('aria-label', 'Connect your bank account');
  overlay.setAttribute('data-openfc', 'modal');
  Object.assign(overlay.style, {
    position: 'fixed',
    inset: '0',
    zIndex: '2147483647',
    display: 'none',
    alignItems: 'center',
    justifyContent: 'center',
    background: 'rgba(15, 23, 42, 0.55)',
  });

  const iframe = document.createElement('iframe');
  iframe.src = `${origin}/flow/`;
  iframe.title = 'Connect your bank account';
  iframe.referrerPolicy = 'no-referrer';
  Object.assign(iframe.style, {
    width: '100%',
    height: '100%',
    border: '0',
    background: '#fff',
    boxShadow: '0 20px 60px rgba(0, 0, 0, 0.3)',
  });
  overlay.appendChild(iframe);

  let isReady = false;
  let markReady = () => {};
  const whenReady = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const onReady = (event: MessageEvent) => {
    if (event.source !== iframe.contentWindow || event.origin !== origin) return;
    if ((event.data as { type?: unknown } | null)?.type !== 'openfc:ready') return;
    isReady = true;
    window.removeEventListener('message', onReady);
    markReady();
  };
  window.addEventListener('message', onReady);
  document.body.appendChild(overlay);
  return {
    origin,
    overlay,
    iframe,
    ready: () => isReady,
    whenReady,
    discard() {
      window.removeEventListener('message', onReady);
      overlay.remove();
    },
  };
}

/** What the merchant's page asks of the frame, and how the frame's `openfc:done` answers it. */
export interface FlowRequest<R> {
  /** The modal's accessible name and the frame's title while it is on show. */
  label: string;
  init: { publishableKey: string; clientSecret: string; confirmSetup?: { paymentMethod?: string } };
  /** The result an `openfc:done` message carries, or undefined when it carries none. */
  done(data: Record<string, unknown>): R | undefined;
}

/**
 * One flow in a prepared frame: shown, handed the secret once the frame is ready, and removed at
 * the end. Focus stays inside (the iframe is the only thing to focus) and goes back where it was.
 */
export function openModal<R>(frame: FlowFrame, request: FlowRequest<R>): Promise<R | { error: StripeError }> {
  const { origin, overlay, iframe } = frame;
  return new Promise((resolve) => {
    const previousFocus = document.activeElement as HTMLElement | null;
    const previousOverflow = document.body.style.overflow;
    overlay.setAttribute('aria-label', request.label);
    iframe.title = request.label;

    // A card on wide screens, the whole screen on phones. Styles set from script, not a stylesheet,
    // so that a merchant's CSP for styles does not matter.
    const fit = () => {
      const phone = window.innerWidth <= 480;
      Object.assign(iframe.style, {
        maxWidth: phone ? '100%' : '440px',
        maxHeight: phone ? '100%' : '700px',
        borderRadius: phone ? '0' : '12px',
      });
    };
    fit();

    const keepFocus = (event: FocusEvent) => {
      if (!overlay.contains(event.target as Node)) iframe.focus();
    };

    let ended = false;
    const finish = (result: R | { error: StripeError }) => {
      ended = true;
      clearTimeout(readyTimer);
      window.removeEventListener('message', onMessage);
      window.removeEventListener('resize', fit);
      document.removeEventListener('focusin', keepFocus);
      frame.discard();
      document.body.style.overflow = previousOverflow;
      previousFocus?.focus?.();
      resolve(result);
    };

    const readyTimer = setTimeout(
      () => finish({ error: { type: 'api_connection_error', message: 'The openfc flow did not load.' } }),
      readyTimeoutMs,
    );

    const onMessage = (event: MessageEvent) => {
      if (event.source !== iframe.contentWindow || event.origin !== origin) return;
      const data = event.data as { type?: unknown; error?: unknown } | null;
      if (data?.type === 'openfc:done') {
        const result = request.done(data as Record<string, unknown>);
        if (result) finish(result);
      } else if (data?.type === 'openfc:error' && data.error && typeof data.error === 'object') {
        const { type, code, param, message } = data.error as Record<string, unknown>;
        finish({
          error: {
            type: typeof type === 'string' ? type : 'api_error',
            ...(typeof code === 'string' && { code }),
            ...(typeof param === 'string' && { param }),
            message: typeof message === 'string' ? message : 'The flow ended with an error.',
          },
        });
      }
    };

    window.addEventListener('message', onMessage);
    window.addEventListener('resize', fit);
    document.addEventListener('focusin', keepFocus);
    document.body.style.overflow = 'hidden';
    overlay.style.display = 'flex';
    void frame.whenReady.then(() => {
      if (ended) return;
      clearTimeout(readyTimer);
      iframe.contentWindow?.postMessage({ type: 'openfc:init', ...request.init }, origin);
      iframe.focus();
    });
  });
}
