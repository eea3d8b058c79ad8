import { useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Actions, Screen } from '../screen.tsx';
import type { Step } from '../types.ts';

type AccountsStep = Extract<Step, { kind: 'accounts' }>;

/** Checkboxes, or radio buttons when the merchant takes one account only. */
export function AccountsScreen({ flow, step }: { flow: Flow; step: AccountsStep }) {
  const [chosen, setChosen] = useState<string[]>(() =>
    step.multiple ? step.accounts.filter((a) => a.selectable).map((a) => a.id) : [],
  );
  const toggle = (id: string, on: boolean) => {
    if (!step.multiple) return setChosen([id]);
    setChosen((current) => (on ? [...current, id] : current.filter((c) => c !== id)));
  };
  const submit = (event: Event) => {
    event.preventDefault();
    if (chosen.length === 0) return flow.say('Choose at least one account.');
    void flow.act(() => flow.api.post('link', { accounts: chosen }));
  };
  return (
    <Screen title={step.multiple ? 'Choose the accounts to connect' : 'Choose an account to connect'}>
      <form onSubmit={submit}>
        <fieldset class="choices">
          <legend>Accounts at {step.institution.name}</legend>
          {step.accounts.map((account) => {
            const reasonId = `reason-${account.id}`;
            return (
              <div key={account.id} class={account.selectable ? 'account' : 'account off'}>
                <label class="choice">
                  <input
                    type={step.multiple ? 'checkbox' : 'radio'}
                    name="account"
                    value={account.id}
                    disabled={!account.selectable}
                    checked={chosen.includes(account.id)}
                    aria-describedby={account.reason ? reasonId : undefined}
                    onChange={(event) => toggle(account.id, event.currentTarget.checked)}
                  />
                  <span>
                    {account.display_name} ••••{account.last4}
                  </span>
                </label>
                {account.reason && (
                  <p class="reason" id={reasonId}>
                    {account.reason}
                  </p>
                )}
              </div>
            );
          })}
        </fieldset>
        <Actions>
          <button type="submit" class="primary" disabled={flow.busy}>
            Link accounts
          </button>
        </Actions>
      </form>
    </Screen>
  );
}
