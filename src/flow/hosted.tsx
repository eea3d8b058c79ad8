import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, FlowApi, openHosted, resendHosted } from './api.ts';
import { App } from './app.tsx';
import { hostedHost } from './host.ts';
import { Actions, Screen } from './screen.tsx';
import type { FlowError } from './types.ts';

type Opening =
  | { kind: 'opening' }
  | { kind: 'open'; api: FlowApi }
  | { kind: 'expired'; resent: boolean; busy: boolean; problem: string | null }
  | { kind: 'invalid'; error: FlowError }
  | { kind: 'ended' };

/** The full-page flow behind a hosted link: the link's token opens the session, then the same screens. */
export function Hosted({ token }: { token: string }) {
  const [state, setState] = useState<Opening>({ kind: 'opening' });
  const host = useMemo(() => hostedHost(() => setState({ kind: 'ended' })), []);

  useEffect(() => {
    openHosted(token).then(
      (keys) => setState({ kind: 'open', api: new FlowApi(keys.publishable_key, keys.client_secret) }),
      (error: unknown) => {
        const flowError =
          error instanceof ApiError ? error.error : { type: 'api_error', message: String(error) };
        setState(
          flowError.code === 'hosted_link_expired'
            ? { kind: 'expired', resent: false, busy: false, problem: null }
            : { kind: 'invalid', error: flowError },
        );
      },
    );
  }, [token]);

  if (state.kind === 'open') return <App api={state.api} host={host} />;

  const resend = async () => {
    setState({ kind: 'expired', resent: false, busy: true, problem: null });
    try {
      await resendHosted(token);
      setState({ kind: 'expired', resent: true, busy: false, problem: null });
    } catch (error) {
      const message = error instanceof ApiError ? error.message : 'We could not send a new link.';
      setState({ kind: 'expired', resent: false, busy: false, problem: message });
    }
  };

  return (
    <div class="frame">
      <main class="screen">
        {state.kind === 'opening' && (
          <p class="loading" role="status">
            Loading…
          </p>
        )}
        {state.kind === 'expired' && (
          <Screen title="This link has expired">
            {state.resent ? (
              <p role="status">We sent you a new link. Check your email or messages.</p>
            ) : (
              <>
                <p>For your security, links to connect your bank expire. We can send you a new one.</p>
                <Actions>
                  <button type="button" class="primary" disabled={state.busy} onClick={() => void resend()}>
                    Send me a new link
                  </button>
                </Actions>
              </>
            )}
            <p class="problem" aria-live="assertive">
              {state.problem}
            </p>
          </Screen>
        )}
        {state.kind === 'invalid' && (
          <Screen title="This link is not valid">
            <p class="message">{state.error.message}</p>
          </Screen>
        )}
        {state.kind === 'ended' && (
          <Screen title="All done">
            <p>You can close this window.</p>
          </Screen>
        )}
      </main>
      <footer class="foot">Secured by openfc</footer>
    </div>
  );
}
