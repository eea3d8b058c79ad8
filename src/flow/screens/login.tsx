import { useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Actions, BackButton, Screen } from '../screen.tsx';
import type { Step } from '../types.ts';

type LoginStep = Extract<Step, { kind: 'login' }>;

export function LoginScreen({ flow, step }: { flow: Flow; step: LoginStep }) {
  const name = step.institution.name;
  if (step.method === 'none') {
    return (
      <Screen title={`Connect to ${name}`}>
        <p>You will choose the accounts to connect on the next screen.</p>
        <Actions>
          <button
            type="button"
            class="primary"
            disabled={flow.busy}
            onClick={() => void flow.act(() => flow.api.post('login'))}
          >
            Continue
          </button>
          <BackButton flow={flow} />
        </Actions>
      </Screen>
    );
  }
  return <CredentialsForm flow={flow} name={name} />;
}

function CredentialsForm({ flow, name }: { flow: Flow; name: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <Screen title={`Log in to ${name}`}>
      <p>Enter the username and password you use for online banking at {name}.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void flow.act(() => flow.api.post('login', { username, password }));
        }}
      >
        <label class="field">
          <span>Username</span>
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        <Actions>
          <button type="submit" class="primary" disabled={flow.busy}>
            Log in
          </button>
          <BackButton flow={flow} />
        </Actions>
      </form>
    </Screen>
  );
}
