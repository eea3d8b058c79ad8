import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../api.ts';
import { Page } from '../page.tsx';
import type { SessionInfo } from '../types.ts';

function refusal(failure: unknown): string {
  if (!(failure instanceof ApiError)) return 'openfc could not be reached.';
  if (failure.error.code === 'secret_key_required')
    return 'A publishable key cannot sign in: paste a secret key (sk_test_…).';
  return failure.message;
}

/** Sign-in with a secret key: the key is sent once and kept nowhere; openfc answers with a cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="narrow">
      <Page title="Sign in to the openfc dashboard">
        <p>
          Paste a secret key (sk_test_…) of the merchant account to look at. It is checked and then forgotten:
          the dashboard keeps a session cookie, not the key.
        </p>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const input = form.elements.namedItem('key') as HTMLInputElement;
            setBusy(true);
            setError(undefined);
            signIn(input.value.trim()).then(
              (session) => {
                input.value = '';
                onSignedIn(session);
              },
              (failure: unknown) => {
                setBusy(false);
                setError(refusal(failure));
              },
            );
          }}
        >
          <label class="field">
            <span>Secret key</span>
            <input
              name="key"
              type="password"
              autocomplete="off"
              spellcheck={false}
              required
              aria-describedby={error ? 'sign-in-error' : undefined}
            />
          </label>
          {error ? (
            <p id="sign-in-error" class="error" role="alert">
              {error}
            </p>
          ) : null}
          <button type="submit" class="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      </Page>
    </main>
  );
}
