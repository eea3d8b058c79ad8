/**
 * One error type for every failure openfc reports to a client. The code set is closed and drawn
 * from Stripe's own; the HTTP edge renders these as Stripe's error shape.
 */
export type ErrorType = 'invalid_request_error' | 'api_error' | 'idempotency_error' | 'authentication_error';

export type ErrorCode =
  | 'parameter_unknown'
  | 'parameter_missing'
  | 'parameter_invalid_empty'
  | 'parameter_invalid_integer'
  | 'parameter_invalid_string_blank'
  | 'parameter_invalid_string_empty'
  | 'parameters_exclusive'
  | 'resource_missing'
  | 'secret_key_required'
  | 'api_key_expired'
  | 'idempotency_key_in_use'
  | 'livemode_mismatch'
  | 'url_invalid'
  | 'financial_connections_account_inactive'
  | 'financial_connections_institution_unavailable'
  | 'status_transition_invalid'
  | 'email_invalid'
  | 'invalid_characters'
  | 'rate_limit'
  | 'hosted_link_expired'
  | 'hosted_link_used'
  | 'bank_account_unusable'
  | 'financial_connections_account_unavailable_account_numbers'
  | 'payment_method_bank_account_blocked'
  | 'payment_method_invalid_parameter'
  | 'payment_method_unexpected_state'
  | 'setup_intent_invalid_parameter'
  | 'setup_intent_unexpected_state'
  | 'amount_too_small'
  | 'amount_too_large'
  | 'balance_insufficient'
  | 'payment_intent_invalid_parameter'
  | 'payment_intent_mandate_invalid'
  | 'payment_intent_unexpected_state'
  | 'routing_number_invalid'
  | 'account_number_invalid'
  | 'payment_method_microdeposit_failed'
  | 'payment_method_microdeposit_verification_amounts_invalid'
  | 'payment_method_microdeposit_verification_amounts_mismatch'
  | 'payment_method_microdeposit_verification_descriptor_code_mismatch'
  | 'payment_method_microdeposit_verification_attempts_exceeded'
  | 'payment_method_microdeposit_verification_timeout'
  | 'token_already_used'
  | 'bank_account_exists'
  | 'instant_payouts_unsupported';

export interface ApiErrorInit {
  status: number;
  type: ErrorType;
  message: string;
  code?: ErrorCode;
  param?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly code: ErrorCode | undefined;
  readonly param: string | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.status = init.status;
    this.type = init.type;
    this.code = init.code;
    this.param = init.param;
  }
}

export function invalidRequest(message: string, param?: string, code?: ErrorCode): ApiError {
  return new ApiError({ status: 400, type: 'invalid_request_error', message, param, code });
}

export function resourceMissing(objectName: string, id: string, param = 'id'): ApiError {
  return new ApiError({
    status: 404,
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${objectName}: '${id}'`,
    param,
  });
}
