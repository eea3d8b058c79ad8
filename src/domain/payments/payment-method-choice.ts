import { invalidRequest } from '../errors.ts';
import type { PaymentMethod } from './payment-method-store.ts';
import type { NewPaymentMethod, PaymentMethodInput, PaymentMethodService } from './payment-methods.ts';
import { checkHolder } from './setup-rules.ts';

/** The payment method a request names: an existing one, or one to build from an account. */
export interface PaymentMethodChoice {
  paymentMethod?: string | undefined;
  paymentMethodData?: PaymentMethodInput | undefined;
}

const dataParam = 'payment_method_data[us_bank_account][financial_connections_account]';

/**
 * The PaymentMethod a request chooses, checked for this SetupIntent's customer: an existing
 * one, or one built (unwritten) from a linked account.
 */
export async function chooseFor(
  paymentMethods: PaymentMethodService,
  merchantId: string,
  choice: PaymentMethodChoice,
  customer: string | null,
): Promise<{ existing?: PaymentMethod; built?: NewPaymentMethod } | undefined> {
  if (choice.paymentMethod !== undefined && choice.paymentMethodData !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: payment_method, payment_method_data.',
      'payment_method_data',
      'parameters_exclusive',
    );
  }
  if (choice.paymentMethodData) {
    const built = await paymentMethods.prepare(merchantId, choice.paymentMethodData, dataParam);
    checkHolder(built.account, customer);
    return { built };
  }
  if (choice.paymentMethod === undefined) return undefined;
  return { existing: await existingFor(paymentMethods, merchantId, choice.paymentMethod, customer) };
}

/** An existing PaymentMethod, checked for use with a SetupIntent of `customer`. */
export async function existingFor(
  paymentMethods: PaymentMethodService,
  merchantId: string,
  id: string,
  customer: string | null,
): Promise<PaymentMethod> {
  const existing = await paymentMethods.get(merchantId, id);
  checkHolder(await paymentMethods.usableAccount(merchantId, existing, 'payment_method'), customer);
  if (existing.customer !== null && existing.customer !== customer) {
    throw invalidRequest(
      `The PaymentMethod ${existing.id} is attached to another customer and cannot be used with this SetupIntent.`,
      'payment_method',
      'setup_intent_invalid_parameter',
    );
  }
  return existing;
}
