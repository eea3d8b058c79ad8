import { useEffect, useRef, useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Actions, BackButton, Screen } from '../screen.tsx';
import type { Step } from '../types.ts';

type OAuthStep = Extract<Step, { kind: 'oauth' }>;

const pollMs = 1000;

/**
 * The bank's own consent page opens in a popup. The OAuth callback page tells this window when it is
 * done (`openfc:oauth-complete`, same origin only); polling the session covers a callback that
 * could not reach its opener.
 */
export function OAuthScreen({ flow, step }: { flow: Flow; step: OAuthStep }) {
  const name = step.institution.name;
  const popup = useRef<Window | null>(null);
  const [waiting, setWaiting] = useState(false);
  const { refresh, say } = flow;

  useEffect(() => {
    if (!waiting) return;
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: unknown } | null;
      if (event.origin === window.location.origin && data?.type === 'openfc:oauth-complete') void refresh();
    };
    window.addEventListener('message', onMessage);
    const timer = setInterval(() => {
      if (popup.current?.closed) setWaiting(false);
      void refresh();
    }, pollMs);
    return () => {
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
  }, [waiting, refresh]);

  const open = () => {
    if (popup.current && !popup.current.closed) return popup.current.focus();
    popup.current = window.open(step.authorize_url, 'openfc-oauth', 'popup,width=480,height=640');
    if (!popup.current)
      return say('Your browser blocked the window. Allow pop-ups for this page and try again.');
    say(null);
    setWaiting(true);
  };

  return (
    <Screen title={`Log in at ${name}`}>
      <p>
        You will log in on the bank's own site, in a new window, and choose the accounts to share there. Your
        login details stay with the bank.
      </p>
      {waiting && (
        <p class="waiting" role="status">
          Waiting for you to finish at {name}…
        </p>
      )}
      <Actions>
        <button type="button" class="primary" disabled={flow.busy} onClick={open}>
          Continue to {name}
        </button>
        <BackButton flow={flow} />
      </Actions>
    </Screen>
  );
}
