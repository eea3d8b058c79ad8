/** What the dashboard says about Stripe's codes, in words. */

export const inactiveCauses: Record<string, string> = {
  access_denied: 'The bank denied access to the account.',
  access_expired: 'Access to the account expired: the holder’s consent ended.',
  account_closed: 'The account was closed at the bank.',
  account_unavailable: 'The account is no longer available at the bank.',
  institution_requirement: 'The bank made a change that broke the connection.',
  unspecified: 'The account became inactive for an unspecified reason.',
};

export const upcomingCauses: Record<string, string> = {
  access_expired: 'Access to the account will expire.',
  institution_requirement: 'The bank is making a change that will break the connection.',
  unspecified: 'The account is expected to become inactive.',
};

export const actions: Record<string, string> = {
  none: 'Nothing can be done about it for now.',
  relink_required: 'Relink: have the account holder go through the relink flow.',
};

export const statuses: Record<string, string> = {
  active: 'Active',
  inactive: 'Inactive',
  disconnected: 'Disconnected',
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  canceled: 'Canceled',
  processing: 'Processing',
  requires_payment_method: 'Needs a payment method',
  requires_confirmation: 'Needs confirming',
  requires_action: 'Needs an action from the customer',
};

/** A select filter's choices: each code (a status, a type) with its words. */
export function choices(codes: readonly string[], words: Record<string, string> = statuses) {
  return codes.map((code) => [code, say(words, code)] as const);
}

/** Words for a code, or the code itself for one openfc does not know words for. */
export function say(words: Record<string, string>, code: string): string {
  return words[code] ?? code;
}

export function when(unixSeconds: number): string {
  return new Date(unixSeconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function whenMs(unixMs: number): string {
  return when(unixMs / 1000);
}

export function money(minorUnits: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(
    minorUnits / 100,
  );
}

/** An account as people name it: never its number, at most its last four digits. */
export function accountName(account: { display_name: string | null; last4: string | null }): string {
  return `${account.display_name ?? 'Account'}${account.last4 ? ` ••••${account.last4}` : ''}`;
}

export function list(values: readonly string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(', ') : 'none';
}
