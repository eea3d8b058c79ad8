import type { CustomerService } from '../customers/service.ts';
import { invalidRequest } from '../errors.ts';
import type { AccountService } from './accounts.ts';
import type { HostedLinks } from './hosted-links.ts';
import type { AccountHolder, FcAccount } from './types.ts';

export type DeliveryMethod = 'email' | 'url';

/** Stripe's window: numbers expiring within 30 days may be refreshed through a hosted relink. */
const expiringWithinSeconds = 30 * 86_400;
/** One hosted relink request per authorization every 48 hours, unless the last one is complete. */
const requestWindowSeconds = 48 * 3600;

export interface HostedRelinkRequest {
  merchantId: string;
  holder: AccountHolder | null;
  relink: { authorization: string; account?: string | undefined };
  deliveryMethod: DeliveryMethod | null;
  /** The merchant's clock. */
  now: number;
}

function needsRelink(account: FcAccount, now: number): boolean {
  if (account.status === 'inactive') return true;
  return (account.accountNumbers ?? []).some(
    (n) =>
      n.identifier_type === 'tokenized_account_number' &&
      n.expected_expiry_date !== null &&
      n.expected_expiry_date <= now + expiringWithinSeconds,
  );
}

/**
 * Stripe's rules for hosted relink: the accounts need it (inactive, or a tokenized number
 * expiring within 30 days), no other request for the authorization in the past 48 hours is still
 * open, and the holder can be reached (a customer with an email address, or a connected account).
 * Each refusal names the parameter it is about. Returns the address a link is mailed to.
 */
export async function checkHostedRelink(
  deps: { customers: CustomerService; accounts: AccountService; links: HostedLinks },
  request: HostedRelinkRequest,
): Promise<{ mailTo: string | null }> {
  const { merchantId, relink, now } = request;
  const accounts =
    relink.account === undefined
      ? await deps.accounts.ofAuthorization(merchantId, relink.authorization)
      : [await deps.accounts.get(merchantId, relink.account, 'relink_options[account]')];
  if (!accounts.some((account) => needsRelink(account, now))) {
    const [param, what] =
      relink.account === undefined
        ? ['relink_options[authorization]', `No account of the authorization '${relink.authorization}'`]
        : ['relink_options[account]', `The account '${relink.account}'`];
    throw invalidRequest(
      `${what} needs relinking: hosted relink is for inactive accounts and for tokenized account numbers that expire within 30 days.`,
      param,
    );
  }
  const open = await deps.links.openRelinkRequest(
    merchantId,
    relink.authorization,
    now - requestWindowSeconds,
  );
  if (open) {
    throw invalidRequest(
      `A hosted relink request for the authorization '${relink.authorization}' was made in the past 48 hours (session '${open.session_id}') and is not complete yet.`,
      'relink_options[authorization]',
    );
  }
  const holder = request.holder;
  if (holder === null) {
    throw invalidRequest(
      'Hosted relink needs an account holder: a customer with an email address, or a connected account.',
      'account_holder',
    );
  }
  if (holder.type === 'account') {
    if (request.deliveryMethod === 'email') {
      throw invalidRequest(
        'openfc keeps no email address for accounts: use hosted[delivery_method]=url and send the link yourself.',
        'hosted[delivery_method]',
      );
    }
    return { mailTo: null };
  }
  const customer = await deps.customers.getLive(merchantId, holder.customer, 'account_holder[customer]');
  if (!customer.email) {
    throw invalidRequest(
      `The customer '${customer.id}' has no email address: hosted relink needs one.`,
      'account_holder[customer]',
    );
  }
  return { mailTo: request.deliveryMethod === 'email' ? customer.email : null };
}
