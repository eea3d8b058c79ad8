import { invalidRequest } from '../errors.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import type { CustomerAcceptance } from './mandates.ts';

/** What a SetupIntent's status allows, in one table. */
export type SetupIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'succeeded'
  | 'canceled';

const confirmable: ReadonlySet<SetupIntentStatus> = new Set([
  'requires_payment_method',
  'requires_confirmation',
]);

export function canConfirm(status: SetupIntentStatus): boolean {
  return confirmable.has(status);
}

/** Updates are allowed in the states a confirmation may start from. */
export const canChange = canConfirm;

/** Cancels also while the SetupIntent waits for microdeposits. */
export function canCancel(status: SetupIntentStatus): boolean {
  return confirmable.has(status) || status === 'requires_action';
}

export function unexpectedState(action: 'confirm' | 'update' | 'cancel' | 'verify', status: string) {
  const why =
    status === 'succeeded' && action === 'confirm'
      ? 'it has already succeeded after being previously confirmed'
      : `it has a status of ${status}`;
  const doing = action === 'verify' ? 'verify microdeposits on' : action;
  return invalidRequest(
    `You cannot ${doing} this SetupIntent because ${why}.`,
    undefined,
    'setup_intent_unexpected_state',
  );
}

/**
 * The SetupIntent's customer must be the holder the account was linked for: a PaymentMethod
 * attaches to its customer, and Stripe does not let one customer's account pay as another's.
 */
export function checkHolder(account: FcAccount, customer: string | null): void {
  if (customer === null) return;
  const holder = account.holder;
  if (holder?.type === 'customer' && holder.customer === customer) return;
  const whose =
    holder === null
      ? 'has no account holder'
      : holder.type === 'customer'
        ? `belongs to another customer than '${customer}'`
        : 'belongs to an account, not a customer';
  throw invalidRequest(
    `The Financial Connections account '${account.id}' ${whose}: a SetupIntent for customer '${customer}' can only use accounts linked with account_holder[customer]=${customer}.`,
    'customer',
    'setup_intent_invalid_parameter',
  );
}

/** Stripe's `mandate_data[customer_acceptance]` as sent. */
export interface AcceptanceInput {
  type: 'online' | 'offline';
  accepted_at?: number | undefined;
  online?: { ip_address: string; user_agent: string } | undefined;
  offline?: Record<string, never> | undefined;
}

export function acceptanceOf(input: AcceptanceInput | undefined): CustomerAcceptance {
  if (!input) {
    throw invalidRequest(
      'Missing required param: mandate_data. Confirming a us_bank_account SetupIntent from your server needs the customer’s acceptance of the mandate in mandate_data[customer_acceptance].',
      'mandate_data',
      'parameter_missing',
    );
  }
  const acceptedAt = input.accepted_at ?? Math.floor(Date.now() / 1000);
  if (input.type === 'offline') return { type: 'offline', accepted_at: acceptedAt, offline: {} };
  if (!input.online) {
    throw invalidRequest(
      'Missing required param: mandate_data[customer_acceptance][online].',
      'mandate_data[customer_acceptance][online]',
      'parameter_missing',
    );
  }
  return { type: 'online', accepted_at: acceptedAt, online: input.online };
}
