import { createHash, randomBytes } from 'node:crypto';
import type { SandboxInstitution } from '../../bank/catalogue.ts';
import type {
  Authorized,
  BankFailure,
  BankResult,
  InstitutionConnector,
  LoginStep,
} from '../../bank/connector.ts';
import { sharedAccounts } from './flow-accounts.ts';
import type { FlowChange } from './flow-store.ts';

/** The error step for what the bank refused; the login's secrets are dropped with it. */
export function failed(
  failure: BankFailure | { kind: 'access_denied' | 'no_account'; message?: string },
): FlowChange {
  return {
    step: 'error',
    failure: {
      kind: failure.kind,
      message: failure.message ?? null,
      availableAt: ('expectedAvailableAt' in failure && failure.expectedAvailableAt) || null,
    },
    oauth: null,
    loginId: null,
    prompt: null,
  };
}

/** The accounts step once the bank authorized the holder. */
export function authorized(value: Authorized): FlowChange {
  return {
    step: 'accounts',
    grant: value.grant,
    bankAccounts: sharedAccounts(value.accounts),
    failure: null,
    oauth: null,
    loginId: null,
    prompt: null,
  };
}

/** The step after one login step at the bank: a question, the accounts, or the error. */
export function afterLoginStep(result: BankResult<LoginStep>): FlowChange {
  if (!result.ok) return failed(result.failure);
  if (result.value.status === 'authorized') return authorized(result.value.authorized);
  return {
    step: 'prompt',
    loginId: result.value.loginId,
    prompt: result.value.prompt,
    failure: null,
  };
}

/**
 * The OAuth step: the bank's authorization URL with PKCE (S256) and a `state` that finds this flow
 * again when the bank sends the holder back. A named holder (`loginHint`) is the one the bank reaches.
 */
export async function startOAuth(
  connector: InstitutionConnector,
  merchantId: string,
  institution: SandboxInstitution,
  redirectUri: string,
  loginHint: string | undefined,
): Promise<FlowChange> {
  const state = randomBytes(24).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const started = await connector.startAuthorization(institution.id, {
    tenant: merchantId,
    redirectUri,
    state,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    ...(loginHint && { loginHint }),
  });
  if (!started.ok) return failed(started.failure);
  return {
    step: 'oauth',
    institutionId: institution.id,
    oauth: { state, verifier, redirectUri, authorizeUrl: started.value.url },
    loginId: null,
    prompt: null,
    grant: null,
    bankAccounts: null,
    failure: null,
  };
}

/** Where a login at the institution starts: the OAuth step, or the login form (or one click). */
export function loginStepFor(institution: SandboxInstitution): FlowChange {
  return {
    step: 'login',
    institutionId: institution.id,
    oauth: null,
    loginId: null,
    prompt: null,
    grant: null,
    bankAccounts: null,
    failure: null,
  };
}
