import { Actions, Screen } from '../screen.tsx';
import type { MandateView } from '../types.ts';

/**
 * The ACH Direct Debit mandate, in the words Stripe gives merchants for saving a bank account for
 * later payments, naming the merchant and the account the customer authorizes it to debit.
 */
export function MandateScreen(props: {
  view: MandateView;
  busy: boolean;
  onAccept(): void;
  onCancel(): void;
}) {
  const name = props.view.merchant.name;
  const { bank_name, last4 } = props.view.payment_method;
  return (
    <Screen title="Authorize debits from your bank account">
      <p class="debited">
        {bank_name}
        {last4 && ` ••••${last4}`}
      </p>
      <div class="mandate">
        <p>
          By clicking Accept, you authorize {name} to debit the bank account specified above for any amount
          owed for charges arising from your use of {name}’s services and/or purchase of products from {name},
          pursuant to {name}’s website and terms, until this authorization is revoked. You may amend or cancel
          this authorization at any time by providing notice to {name} with 30 (thirty) days notice.
        </p>
        <p>
          If you use {name}’s services or purchase additional products periodically pursuant to {name}’s
          terms, you authorize {name} to debit your bank account periodically. Payments that fall outside of
          the regular debits authorized above will only be debited after your authorization is obtained.
        </p>
      </div>
      <Actions>
        <button type="button" class="primary" disabled={props.busy} onClick={props.onAccept}>
          Accept
        </button>
        <button type="button" class="secondary" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </Actions>
    </Screen>
  );
}
