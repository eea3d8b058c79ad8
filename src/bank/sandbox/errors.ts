import type { BankErrorKind } from '../wire.ts';

const statusOf: Record<BankErrorKind, number> = {
  invalid_request: 400,
  not_found: 404,
  invalid_token: 401,
  access_token_expired: 401,
  consent_expired: 403,
  access_revoked: 403,
  reauthentication_required: 403,
  holder_disconnected: 403,
  account_closed: 409,
  account_unavailable: 404,
  invalid_credentials: 401,
  login_failed: 400,
  invalid_grant: 400,
  invalid_client: 401,
  forbidden: 403,
  institution_unavailable: 503,
  server_error: 500,
  not_supported: 409,
};

/** A refusal by the sandbox bank, rendered as `{error, message}` with the kind's status. */
export class BankError extends Error {
  readonly kind: BankErrorKind;
  readonly status: number;
  readonly expectedAvailableAt: number | undefined;

  constructor(
    kind: BankErrorKind,
    message: string,
    options: { status?: number; expectedAvailableAt?: number } = {},
  ) {
    super(message);
    this.kind = kind;
    this.status = options.status ?? statusOf[kind];
    this.expectedAvailableAt = options.expectedAvailableAt;
  }

  body(): Record<string, unknown> {
    return {
      error: this.kind,
      message: this.message,
      ...(this.expectedAvailableAt !== undefined && { expected_available_at: this.expectedAvailableAt }),
    };
  }
}

export const invalidRequest = (message: string) => new BankError('invalid_request', message);
