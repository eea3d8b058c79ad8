import { useState } from 'preact/hooks';
import type { Flow } from '../app.tsx';
import { Actions, Screen } from '../screen.tsx';
import type { Step } from '../types.ts';

type AccountsStep = Extract<Step, { kind: 'accounts' }>;

function accountsTitle(multiple: boolean, relink: boolean): string {
  const verb = relink ? 'reconnect' : 'connect';
  return multiple ? `Choose the accounts to ${verb}` : `Choose an account to ${verb}`;
}

/** Checkboxes, or radio buttons when the merchant takes one account only. */
export function AccountsScreen({ flow, step }: { flow: Flow; step: AccountsStep }) {
  const relink = flow.view.session.relink !== null;
  // A relink of one account starts with that account chosen; a new link with every usable one.
  const [chosen, setChosen] = useState<string[]>(() => {
    const target = step.accounts.filter((a) => a.relink_target && a.selectable);
    if (target.length > 0) return target.map((a) => a.id);
    return step.multiple && !relink ? step.accounts.filter((a) => a.selectable).map((a) => a.id) : [];
  });
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
    <Screen title={accountsTitle(step.multiple, relink)}>
      <form onSubmit={submit}>
        <fieldset class="choices">
          <legend>Accounts at {step.institution.name}</legend>
          {step.accounts.map((account) => {
            const reasonId = `reason-${account.id}`;
            const targetId = `target-${account.id}`;
            const described = [account.relink_target && targetId, account.reason && reasonId].filter(Boolean);
            return (
              <div key={account.id} class={account.selectable ? 'account' : 'account off'}>
                <label class="choice">
                  <input
                    type={step.multiple ? 'checkbox' : 'radio'}
                    name="account"
                    value={account.id}
                    disabled={!account.selectable}
                    checked={chosen.includes(account.id)}
                    aria-describedby={described.length > 0 ? described.join(' ') : undefined}
                    onChange={(event) => toggle(account.id, event.currentTarget.checked)}
                  />
                  <span>
                    {account.display_name} ••••{account.last4}
                  </span>
                </label>
                {account.relink_target && (
                  <p class="reason target" id={targetId}>
                    <span class="tag">Needs reconnecting</span>
                  </p>
                )}
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
