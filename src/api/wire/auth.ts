import { ApiError } from '../../domain/errors.ts';
import type { ConnectedAccountService } from '../../domain/merchants/connected-accounts.ts';
import type { Credential, Merchant, MerchantService } from '../../domain/merchants/service.ts';

function unauthorized(message: string): ApiError {
  return new ApiError({ status: 401, type: 'invalid_request_error', message });
}

/** Reads the API key from `Authorization: Bearer …` or Basic auth (key as username). */
export function readApiKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || undefined;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(0, colon)) || undefined;
  }
  return undefined;
}

function masked(key: string): string {
  const prefix = key.match(/^(sk|pk|rk)_(test|live)_/)?.[0] ?? '';
  return `${prefix}${'*'.repeat(8)}${key.length > prefix.length + 8 ? key.slice(-4) : ''}`;
}

/** `publishable`: the account holder's flow, which runs in a browser and must never hold a secret key. */
export type AllowedKeys = 'secret' | 'secret_or_publishable' | 'publishable';

/** Authenticates a request; never echoes the full key. */
export async function authenticate(
  merchants: MerchantService,
  header: string | undefined,
  allowed: AllowedKeys,
): Promise<Credential> {
  const key = readApiKey(header);
  if (!key) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY') or Basic auth with the key as the username.",
    );
  }
  if (/^(sk|pk|rk)_live_/.test(key)) {
    throw unauthorized(
      `Live mode is not available: ${masked(key)} is a live key, and this openfc server has no live connector configured. Use a test key.`,
    );
  }
  const credential = await merchants.authenticate(key);
  if (!credential) throw unauthorized(`Invalid API Key provided: ${masked(key)}`);
  if (credential.kind === 'publishable' && allowed === 'secret') {
    throw new ApiError({
      status: 401,
      type: 'invalid_request_error',
      code: 'secret_key_required',
      message: 'This API call cannot be made with a publishable API key. Please use a secret API key.',
    });
  }
  if (credential.kind !== 'publishable' && allowed === 'publishable') {
    throw unauthorized(
      "This API call is made from the account holder's browser: use your publishable API key (pk_test_…), never a secret key.",
    );
  }
  return credential;
}

const accountIdPattern = /^acct_[A-Za-z0-9]{1,64}$/;

/**
 * The merchant a request acts as: the key's own, or the connected account its `Stripe-Account`
 * header names, which must be the key holder's own connected account and not deleted.
 */
export async function actingAccount(
  connected: ConnectedAccountService,
  credential: Credential,
  header: string | undefined,
  authorization: string | undefined,
): Promise<Merchant> {
  if (header === undefined) return credential.merchant;
  const id = header.trim();
  if (!accountIdPattern.test(id)) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      message: 'The Stripe-Account header must name an account id (acct_…).',
    });
  }
  const merchant = await connected.actingAs(credential.merchant, id);
  if (merchant) return merchant;
  throw new ApiError({
    status: 403,
    type: 'invalid_request_error',
    message: `The provided key '${masked(readApiKey(authorization) ?? '')}' does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
  });
}
