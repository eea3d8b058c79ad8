import { z } from 'zod';
import { invalidRequest } from '../../domain/errors.ts';
import type { BillingDetailsInput } from '../../domain/payments/billing-details.ts';
import { bankParam, type PaymentMethodInput } from '../../domain/payments/payment-methods.ts';
import { emptyableStr, metadata, obj, oneOf, str } from '../wire/params.ts';

/** Parameters shared by PaymentMethod create and update and by `payment_method_data`. */
const addressParams = obj({
  city: emptyableStr(200).optional(),
  country: emptyableStr(2).optional(),
  line1: emptyableStr(200).optional(),
  line2: emptyableStr(200).optional(),
  postal_code: emptyableStr(20).optional(),
  state: emptyableStr(200).optional(),
});

export const billingDetailsParams = obj({
  // An empty string unsets the whole address, as on Stripe.
  address: z.union([z.literal('').transform(() => null), addressParams]).optional(),
  email: emptyableStr(800).optional(),
  name: emptyableStr(5000).optional(),
  phone: emptyableStr(5000).optional(),
});

export const holderTypeParam = oneOf(['individual', 'company']);
export const accountTypeParam = oneOf(['checking', 'savings']);

export const usBankAccountParams = obj({
  financial_connections_account: str().optional(),
  account_holder_type: holderTypeParam.optional(),
  account_type: accountTypeParam.optional(),
  account_number: str().optional(),
  routing_number: str().optional(),
});

/** `type=us_bank_account` with the account it is built on, as create and `payment_method_data` take it. */
export const paymentMethodDataParams = {
  type: oneOf(['us_bank_account']),
  us_bank_account: usBankAccountParams.optional(),
  billing_details: billingDetailsParams.optional(),
  metadata: metadata().optional(),
};

const dataSchema = obj(paymentMethodDataParams);

/**
 * The domain's input from those parameters; `prefix` is how the request nests them. A bank
 * account is either a linked account or entered numbers, and entered numbers need the holder's
 * name, as on Stripe.
 */
export function paymentMethodInput(p: z.output<typeof dataSchema>, prefix = ''): PaymentMethodInput {
  const name = (field: string) => bankParam(prefix, field);
  const bank = p.us_bank_account;
  const common = {
    accountHolderType: bank?.account_holder_type,
    accountType: bank?.account_type,
    billingDetails: p.billing_details as BillingDetailsInput | undefined,
    metadata: p.metadata,
  };
  const entered = bank?.account_number !== undefined || bank?.routing_number !== undefined;
  if (bank?.financial_connections_account !== undefined) {
    if (entered) {
      throw invalidRequest(
        `You may only specify one of these parameters: ${name('financial_connections_account')}, ${name(bank.account_number !== undefined ? 'account_number' : 'routing_number')}.`,
        name('financial_connections_account'),
        'parameters_exclusive',
      );
    }
    return { ...common, bank: { financialConnectionsAccount: bank.financial_connections_account } };
  }
  if (!entered) throw missing(name('financial_connections_account'));
  if (bank.routing_number === undefined) throw missing(name('routing_number'));
  if (bank.account_number === undefined) throw missing(name('account_number'));
  if (!p.billing_details?.name) {
    throw missing(prefix ? `${prefix}[billing_details][name]` : 'billing_details[name]');
  }
  return { ...common, bank: { routingNumber: bank.routing_number, accountNumber: bank.account_number } };
}

function missing(param: string) {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}
