import type { CollectResult } from './openfc.ts';

const readyTimeoutMs = 20_000;

interface ModalOptions {
  origin: string;
  publishableKey: string;
  clientSecret: string;
}

/**
 * The overlay and its iframe, for one flow. Focus stays inside (the iframe is the only thing to
 * focus) and goes back where it was when the flow ends.
 */
export function openModal({ origin, publishableKey, clientSecret }: ModalOptions): Promise<CollectResult> {
  return new Promise((resolve) => {
    const previousFocus = document.activeElement as HTMLElement | null;
    const previousOverflow = document.body.style.overflow;

    const overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', 'Connect your bank account');
    overlay.setAttribute('data-openfc', 'modal');
    Object.assign(overlay.style, {
      position: 'fixed',
      inset: '0',
      zIndex: '2147483647',
      display: 'flex',
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

    const finish = (result: CollectResult) => {
      clearTimeout(readyTimer);
      window.removeEventListener('message', onMessage);
      window.removeEventListener('resize', fit);
      document.removeEventListener('focusin', keepFocus);
      overlay.remove();
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
      const data = event.data as { type?: unknown; session?: unknown; error?: unknown } | null;
      if (data?.type === 'openfc:ready') {
        clearTimeout(readyTimer);
        iframe.contentWindow?.postMessage({ type: 'openfc:init', publishableKey, clientSecret }, origin);
        iframe.focus();
      } else if (data?.type === 'openfc:done' && data.session && typeof data.session === 'object') {
        finish({ financialConnectionsSession: data.session as Record<string, unknown> });
      } else if (data?.type === 'openfc:error' && data.error && typeof data.error === 'object') {
        const { type, code, message } = data.error as Record<string, unknown>;
        finish({
          error: {
            type: typeof type === 'string' ? type : 'api_error',
            ...(typeof code === 'string' && { code }),
            message: typeof message === 'string' ? message : 'The flow ended with an error.',
          },
        });
      }
    };

    window.addEventListener('message', onMessage);
    window.addEventListener('resize', fit);
    document.addEventListener('focusin', keepFocus);
    document.body.style.overflow = 'hidden';
    document.body.appendChild(overlay);
  });
}
