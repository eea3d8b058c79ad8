import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type { LoginPrompt } from '../../bank/connector.ts';
import { type AccountChoice, accountChoices } from './flow-accounts.ts';
import { type FlowInstitution, flowInstitution } from './flow-institution.ts';
import type { Flow } from './flow-store.ts';
import type { FcSession } from './types.ts';

export type ErrorCode =
  | 'institution_unavailable'
  | 'invalid_credentials'
  | 'login_failed'
  | 'access_denied'
  | 'no_account'
  | 'other';

/** The step the holder is at, as the flow app shows it. */
export type Step =
  | { kind: 'consent' }
  | { kind: 'institution' }
  | { kind: 'login'; institution: FlowInstitution; method: 'credentials' | 'none' }
  | { kind: 'oauth'; institution: FlowInstitution; authorize_url: string }
  | { kind: 'prompt'; institution: FlowInstitution; prompt: LoginPrompt }
  | { kind: 'accounts'; institution: FlowInstitution; multiple: boolean; accounts: AccountChoice[] }
  | {
      kind: 'error';
      institution: FlowInstitution | null;
      code: ErrorCode;
      message: string;
      retry: boolean;
    }
  | {
      kind: 'done';
      status: 'succeeded' | 'cancelled' | 'failed';
      institution: FlowInstitution | null;
      accounts: Array<{ display_name: string | null; last4: string | null }>;
      message: string | null;
    };

const messages: Record<ErrorCode, string> = {
  institution_unavailable: 'This bank is not available right now. Try again later or pick another bank.',
  invalid_credentials: 'The bank did not accept what you entered. Try again.',
  login_failed: 'The bank ended the login. Start again.',
  access_denied: 'You did not give access at the bank.',
  no_account: 'The account this connection is for was not picked, so it could not be repaired.',
  other: 'Something went wrong at the bank.',
};

/**
 * What the bank says to the holder about their own login is shown as the bank said it; how openfc
 * failed to reach the bank is openfc's to word, never a status code.
 */
const bankWorded = new Set<ErrorCode>(['invalid_credentials', 'login_failed', 'access_denied']);

function errorCode(kind: string): ErrorCode {
  return kind in messages ? (kind as ErrorCode) : 'other';
}

/** The step of a flow; `authorizeUrl` is the bank's URL, opened for the OAuth step only. */
export function renderStep(
  session: FcSession,
  flow: Flow,
  institution: SandboxInstitution | undefined,
  authorizeUrl: string | null,
  relinkTarget: string | null = null,
): Step {
  const shown = institution ? flowInstitution(institution) : null;
  const failure = flow.failure;
  if (flow.step === 'error' && failure) {
    const code = errorCode(failure.kind);
    return {
      kind: 'error',
      institution: shown,
      code,
      message: (bankWorded.has(code) && failure.message) || messages[code],
      retry: code !== 'no_account' && session.status === 'pending',
    };
  }
  if (session.status !== 'pending' || flow.step === 'done') {
    return {
      kind: 'done',
      status: session.status === 'pending' ? 'cancelled' : session.status,
      institution: shown,
      accounts: session.accounts.map((a) => ({ display_name: a.displayName, last4: a.last4 })),
      message: null,
    };
  }
  if (flow.step === 'consent' || flow.step === 'institution' || !shown || !institution)
    return { kind: flow.step === 'consent' ? 'consent' : 'institution' };
  switch (flow.step) {
    case 'login':
      return {
        kind: 'login',
        institution: shown,
        method: institution.auth === 'credentials' ? 'credentials' : 'none',
      };
    case 'oauth':
      return { kind: 'oauth', institution: shown, authorize_url: authorizeUrl ?? '' };
    case 'prompt':
      return { kind: 'prompt', institution: shown, prompt: flow.prompt as LoginPrompt };
    default:
      return {
        kind: 'accounts',
        institution: shown,
        multiple: session.limitsAccounts !== 1,
        accounts: accountChoices(session, flow.bankAccounts ?? [], relinkTarget),
      };
  }
}
