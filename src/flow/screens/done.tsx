import type { Flow } from '../app.tsx';
import { Actions, Screen } from '../screen.tsx';
import type { Step } from '../types.ts';

type DoneStep = Extract<Step, { kind: 'done' }>;

const titles: Record<DoneStep['status'], string> = {
  succeeded: 'Your accounts are connected',
  cancelled: 'No accounts were connected',
  failed: 'We could not connect your accounts',
};

function title(step: DoneStep, relink: boolean): string {
  if (step.status !== 'succeeded') return titles[step.status];
  const verb = relink ? 'reconnected' : 'connected';
  return step.accounts.length === 1 ? `Your account is ${verb}` : `Your accounts are ${verb}`;
}

export function DoneScreen({ flow, step }: { flow: Flow; step: DoneStep }) {
  const merchant = flow.view.merchant.name;
  return (
    <Screen title={title(step, flow.view.session.relink !== null)}>
      {step.status === 'succeeded' && (
        <>
          <p>
            {merchant} can now use {step.accounts.length === 1 ? 'this account' : 'these accounts'}
            {step.institution ? ` at ${step.institution.name}` : ''}:
          </p>
          <ul class="linked">
            {step.accounts.map((account) => (
              <li key={`${account.display_name}${account.last4}`}>
                {account.display_name} ••••{account.last4}
              </li>
            ))}
          </ul>
        </>
      )}
      {step.message && <p class="message">{step.message}</p>}
      <Actions>
        <button type="button" class="primary" disabled={flow.busy} onClick={() => void flow.end()}>
          Done
        </button>
      </Actions>
    </Screen>
  );
}
