import { ApiError, invalidRequest } from '../errors.ts';
import type { PaymentMethod } from './payment-method-store.ts';
import type { NewPaymentMethod, PaymentMethodInput, PaymentMethodService } from './payment-methods.ts';
import { checkHolder } from './setup-rules.ts';

/**
 * The payment method a request names: an existing one (or a `pm_usBankAccount_*` test token),
 * or one to build from a linked account or entered numbers.
 */
export interface PaymentMethodChoice {
  paymentMethod?: string | undefined;
  paymentMethodData?: PaymentMethodInput | undefined;
}

/**
 * The PaymentMethod a request chooses, unchecked: an existing one, or one built (unwritten)
 * from `payment_method_data` or a test token. Undefined when the request names none.
 */
export async function choose(
  paymentMethods: PaymentMethodService,
  merchantId: string,
  choice: PaymentMethodChoice,
): Promise<{ existing?: string; built?: NewPaymentMethod } | undefined> {
  if (choice.paymentMethod !== undefined && choice.paymentMethodData !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: payment_method, payment_method_data.',
      'payment_method_data',
      'parameters_exclusive',
    );
  }
  if (choice.paymentMethodData) {
    return {
      built: await paymentMethods.prepare(merchantId, choice.paymentMethodData, 'payment_method_data'),
    };
  }
  if (choice.paymentMethod === undefined) return undefined;
  const fromToken = await paymentMethods.fromTestToken(merchantId, choice.paymentMethod);
  return fromToken ? { built: fromToken } : { existing: choice.paymentMethod };
}

/**
 * The PaymentMethod a request chooses, checked for this SetupIntent's customer: an existing
 * one, or one built (unwritten) from a linked account, entered numbers or a test token.
 */
export async function chooseFor(
  paymentMethods: PaymentMethodService,
  merchantId: string,
  choice: PaymentMethodChoice,
  customer: string | null,
): Promise<{ existing?: PaymentMethod; built?: NewPaymentMethod } | undefined> {
  const chosen = await choose(paymentMethods, merchantId, choice);
  if (chosen?.built) {
    if (chosen.built.account) checkHolder(chosen.built.account, customer);
    return { built: chosen.built };
  }
  if (chosen?.existing === undefined) return undefined;
  return { existing: await existingFor(paymentMethods, merchantId, chosen.existing, customer) };
}

/** An existing PaymentMethod, checked for use with a SetupIntent of `customer`. */
export async function existingFor(
  paymentMethods: PaymentMethodService,
  merchantId: string,
  id: string,
  customer: string | null,
): Promise<PaymentMethod> {
  const existing = await paymentMethods.get(merchantId, id);
  const account = await paymentMethods.usableAccount(merchantId, existing, 'payment_method');
  if (account) checkHolder(account, customer);
  if (existing.customer !== null && existing.customer !== customer) {
    throw invalidRequest(
      `The PaymentMethod ${existing.id} is attached to another customer and cannot be used with this SetupIntent.`,
      'payment_method',
      'setup_intent_invalid_parameter',
    );
  }
  return existing;
}

/**
 * Refuses to confirm with entered numbers that cannot be verified: Stripe's number whose
 * microdeposits fail is refused when it is confirmed (before any microdeposits are simulated),
 * and entered numbers are refused where the intent asks for instant verification only.
 */
export function checkVerified(
  paymentMethod: PaymentMethod,
  param: string,
  verificationMethod: 'automatic' | 'instant' | 'microdeposits' | undefined,
): void {
  if (paymentMethod.entered === null) return;
  if (verificationMethod === 'instant') {
    throw invalidRequest(
      `The bank account of the PaymentMethod ${paymentMethod.id} was entered by hand and cannot be verified instantly. Confirm with payment_method_options[us_bank_account][verification_method]=automatic, or link the account with Financial Connections.`,
      'payment_method_options[us_bank_account][verification_method]',
      'payment_method_invalid_parameter',
    );
  }
  if (paymentMethod.entered.verifies) return;
  throw new ApiError({
    status: 400,
    type: 'invalid_request_error',
    code: 'payment_method_microdeposit_failed',
    message: `The bank account of the PaymentMethod ${paymentMethod.id} could not be verified: the microdeposits to it failed. Collect another bank account.`,
    param,
  });
}
