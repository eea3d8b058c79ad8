import {
  defaultInstitutionName,
  findInstitution,
  type SandboxAccount,
  type SandboxInstitution,
} from '../../bank/catalogue.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import type { AccountService } from './accounts.ts';
import type { FcAccount, FcAuthorization, FcSession } from './types.ts';

/**
 * The user's choices in a session, checked against it: the institution (fixed by a relink or a
 * filter) and the bank accounts picked there.
 */
export function chooseInstitution(
  session: FcSession,
  relinkAuth: FcAuthorization | undefined,
  requested: string | undefined,
) {
  const fixed = relinkAuth?.institutionId ?? session.filters.institution;
  const institution = findInstitution(requested ?? fixed ?? defaultInstitutionName);
  if (!institution)
    throw resourceMissing('financial_connections.institution', requested ?? '', 'institution');
  if (fixed !== undefined && institution.id !== fixed) {
    const why = relinkAuth
      ? 'this relink session is for the authorization at'
      : 'this session is filtered to';
    throw invalidRequest(`The institution must be '${fixed}': ${why} that institution.`, 'institution');
  }
  return institution;
}

/** The bank accounts the user picks, by their catalogue key, checked against the session. */
export async function pickAccounts(
  accounts: AccountService,
  merchantId: string,
  session: FcSession,
  institution: SandboxInstitution,
  requested: string[] | undefined,
  relinkAccount: FcAccount | undefined,
): Promise<SandboxAccount[]> {
  const allowed = session.filters.account_subcategories;
  const fits = (a: SandboxAccount) => allowed === null || allowed.includes(a.subcategory);
  let picked: SandboxAccount[];
  if (requested !== undefined) {
    picked = [];
    for (const [i, id] of requested.entries()) {
      const param = `accounts[${i}]`;
      const account = await accounts.get(merchantId, id, param);
      const bank = institution.accounts.find((a) => a.key === account.bankAccountKey);
      if (account.institutionId !== institution.id || !bank) {
        throw invalidRequest(`The account '${id}' is not at ${institution.name}.`, param);
      }
      if (!fits(bank))
        throw invalidRequest(`The account '${id}' is excluded by the session's filters.`, param);
      if (!picked.includes(bank)) picked.push(bank);
    }
  } else if (relinkAccount) {
    picked = institution.accounts.filter((a) => a.key === relinkAccount.bankAccountKey);
  } else {
    picked = institution.accounts.filter(fits).slice(0, session.limitsAccounts ?? undefined);
  }
  if (session.limitsAccounts !== null && picked.length > session.limitsAccounts) {
    throw invalidRequest(`This session allows at most ${session.limitsAccounts} accounts.`, 'accounts');
  }
  const payable = picked.filter((a) => a.supportedPaymentMethodTypes.includes('us_bank_account'));
  const rule = session.filters.require_payment_method_support;
  if (
    (rule === 'all' && payable.length !== picked.length) ||
    (rule === 'at_least_one' && payable.length === 0)
  ) {
    throw invalidRequest(
      `The session requires payment method support (${rule}) that the picked accounts lack.`,
      'accounts',
    );
  }
  return picked;
}
