import type { BankAccount } from '../../bank/connector.ts';
import { invalidRequest } from '../errors.ts';
import type { SharedAccount } from './flow-store.ts';
import type { FcSession } from './types.ts';

/** One account of the accounts step, as the holder sees it. */
export interface AccountChoice {
  id: string;
  display_name: string;
  last4: string;
  category: BankAccount['category'];
  subcategory: BankAccount['subcategory'];
  selectable: boolean;
  reason: string | null;
  /** The account a relink session was made to repair (`relink_options.account`). */
  relink_target: boolean;
}

const payable = (a: SharedAccount) => a.supportedPaymentMethodTypes.includes('us_bank_account');

/** The accounts the bank shared that the session's filters let through. */
function offered(session: FcSession, shared: SharedAccount[]): SharedAccount[] {
  const allowed = session.filters.account_subcategories;
  return shared.filter((a) => allowed === null || allowed.includes(a.subcategory));
}

/** The accounts step: what the bank shared, filtered, and which of them the session can link. */
export function accountChoices(
  session: FcSession,
  shared: SharedAccount[],
  relinkTarget: string | null = null,
): AccountChoice[] {
  const forPayments = session.permissions.includes('payment_method');
  return offered(session, shared).map((a) => {
    const selectable = !forPayments || payable(a);
    return {
      id: a.id,
      display_name: a.name,
      last4: a.last4,
      category: a.category,
      subcategory: a.subcategory,
      selectable,
      reason: selectable ? null : 'This account cannot be used for bank payments.',
      relink_target: a.id === relinkTarget,
    };
  });
}

/** The bank accounts the holder picked (by the bank's ids), checked against the session. */
export function checkPick(session: FcSession, shared: SharedAccount[], ids: string[]): SharedAccount[] {
  if (ids.length === 0)
    throw invalidRequest('Pick at least one account to link.', 'accounts', 'parameter_missing');
  const choices = accountChoices(session, shared);
  const picked: SharedAccount[] = [];
  for (const [i, id] of ids.entries()) {
    const param = `accounts[${i}]`;
    const choice = choices.find((c) => c.id === id);
    const account = shared.find((a) => a.id === id);
    if (!choice || !account)
      throw invalidRequest(`'${id}' is not one of the accounts offered in this step.`, param);
    if (!choice.selectable) throw invalidRequest(`'${id}' cannot be linked: ${choice.reason}`, param);
    if (!picked.includes(account)) picked.push(account);
  }
  if (session.limitsAccounts !== null && picked.length > session.limitsAccounts) {
    throw invalidRequest(`This session allows at most ${session.limitsAccounts} accounts.`, 'accounts');
  }
  const rule = session.filters.require_payment_method_support;
  const payableCount = picked.filter(payable).length;
  if ((rule === 'all' && payableCount !== picked.length) || (rule === 'at_least_one' && payableCount === 0)) {
    throw invalidRequest(
      `The session requires payment method support (${rule}) that the picked accounts lack.`,
      'accounts',
    );
  }
  return picked;
}

/** The non-secret fields kept between the login and the pick. */
export function sharedAccounts(accounts: BankAccount[]): SharedAccount[] {
  return accounts.map(({ id, key, name, category, subcategory, last4, supportedPaymentMethodTypes }) => ({
    id,
    key,
    name,
    category,
    subcategory,
    last4,
    supportedPaymentMethodTypes,
  }));
}
