import type { FlowState } from '../../domain/financial-connections/flow.ts';
import { flowInstitution } from '../../domain/financial-connections/flow-institution.ts';
import type { Merchant } from '../../domain/merchants/service.ts';
import { renderSession } from '../financial-connections/render.ts';
import type { Json } from '../wire/expand.ts';
import type { ApiVersion } from '../wire/versions.ts';

/** A session for a connected account ends with its bank account token, or why it has none. */
export interface PayoutEnd {
  token?: Json | undefined;
  error?: Json | undefined;
}

/** The flow app's view of a session: what it is for, the step the holder is at, and its end. */
export function renderFlow(
  merchant: Merchant,
  state: FlowState,
  version: ApiVersion,
  payout: PayoutEnd = {},
): Json {
  const { session, step, relink } = state;
  return {
    object: 'flow_state',
    merchant: { name: merchant.name },
    session: {
      id: session.id,
      status: session.status,
      permissions: session.permissions,
      relink: relink && {
        authorization: relink.authorization,
        account: relink.account,
        institution: flowInstitution(relink.institution),
      },
      limits_accounts: session.limitsAccounts,
      account_subcategories: session.filters.account_subcategories,
      ui_mode: session.uiMode,
      return_url: session.returnUrl,
    },
    step,
    result: session.status === 'pending' ? null : renderSession(session, version, payout.token),
    bank_account_token_error: payout.error ?? null,
  } as unknown as Json;
}
