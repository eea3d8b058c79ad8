import type { Flow } from '../app.tsx';
import { Actions, Screen } from '../screen.tsx';
import type { Permission } from '../types.ts';

/** The data each permission gives the merchant, in the holder's words. */
const described: Record<Permission, string> = {
  payment_method: 'Account and routing numbers, to pay from your account',
  balances: 'Account balances',
  ownership: 'Account owner names, addresses and contact details',
  transactions: 'Transactions, up to the last 180 days',
};

export function ConsentScreen({ flow }: { flow: Flow }) {
  const { merchant, session } = flow.view;
  return (
    <Screen
      title={`${merchant.name} uses openfc to ${session.relink ? 'reconnect' : 'connect'} your accounts`}
    >
      <p>{merchant.name} will be able to see the following data from the accounts you choose to connect:</p>
      <ul class="checks">
        {session.permissions.map((permission) => (
          <li key={permission}>{described[permission] ?? permission}</li>
        ))}
      </ul>
      <p class="fine">
        Your login details are never shared with {merchant.name}. You can disconnect your accounts at any
        time.
      </p>
      <Actions>
        <button
          type="button"
          class="primary"
          disabled={flow.busy}
          onClick={() => void flow.act(() => flow.api.post('consent'))}
        >
          Agree and continue
        </button>
      </Actions>
    </Screen>
  );
}
