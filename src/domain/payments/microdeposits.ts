import { ApiError, type ErrorCode, invalidRequest } from '../errors.ts';
import { afterBusinessDays } from './payment-intent-rules.ts';

/**
 * Microdeposit verification of entered bank numbers, in the sandbox. openfc sends no money:
 * the "microdeposits" land one business day after confirmation, carry Stripe's documented test
 * descriptor code SM11AA (or, as amounts, 32 and 45 cents), and Stripe's other test values
 * answer as Stripe's do.
 */
export const microdepositType = 'descriptor_code';

/** How many wrong verifications Stripe allows; the last one fails the setup. */
export const maxFailures = 3;

export function arrivalDate(now: number): number {
  return afterBusinessDays(now, 1);
}

/** What the customer read off their statement: the two amounts, or the descriptor code. */
export type MicrodepositAnswer = { amounts: number[] } | { descriptorCode: string };

/**
 * How an answer is judged: verified, wrong (counted), or one of Stripe's test values that ends
 * the verification at once.
 */
export type Judgement =
  | { kind: 'verified' }
  | { kind: 'wrong'; code: ErrorCode; message: string }
  | { kind: 'ended'; code: ErrorCode; message: string };

const attemptsExceeded =
  'You have exceeded the number of allowed verification attempts. Collect another bank account.';
const timedOut =
  'The microdeposits were not verified in time. Collect the bank account again to send new microdeposits.';

/** The end of a verification after too many wrong answers. */
export const exceeded = {
  kind: 'ended',
  code: 'payment_method_microdeposit_verification_attempts_exceeded',
  message: attemptsExceeded,
} as const;

export function judge(answer: MicrodepositAnswer): Judgement {
  if ('descriptorCode' in answer) {
    const code = answer.descriptorCode;
    if (code === 'SM11AA') return { kind: 'verified' };
    if (code === 'SM33CC') return exceeded;
    if (code === 'SM44DD')
      return { kind: 'ended', code: 'payment_method_microdeposit_verification_timeout', message: timedOut };
    return {
      kind: 'wrong',
      code: 'payment_method_microdeposit_verification_descriptor_code_mismatch',
      message: 'The descriptor code provided does not match the one in the microdeposit.',
    };
  }
  const [first, second] = answer.amounts;
  const pair = `${first},${second}`;
  if (pair === '32,45') return { kind: 'verified' };
  if (pair === '10,11') return exceeded;
  if (pair === '40,41')
    return { kind: 'ended', code: 'payment_method_microdeposit_verification_timeout', message: timedOut };
  return {
    kind: 'wrong',
    code: 'payment_method_microdeposit_verification_amounts_mismatch',
    message: 'The amounts provided do not match the amounts that were sent to the bank account.',
  };
}

/** The answer a request gives: exactly one of `amounts` (two, in cents) or `descriptor_code`. */
export function answerOf(
  amounts: number[] | undefined,
  descriptorCode: string | undefined,
): MicrodepositAnswer {
  if (amounts !== undefined && descriptorCode !== undefined) {
    throw invalidRequest(
      'You may only specify one of these parameters: amounts, descriptor_code.',
      'descriptor_code',
      'parameters_exclusive',
    );
  }
  if (descriptorCode !== undefined) return { descriptorCode };
  if (amounts === undefined) {
    throw invalidRequest(
      'Missing required param: descriptor_code. Pass the 6-character code starting with SM from the microdeposit, or the two amounts in amounts[].',
      'descriptor_code',
      'parameter_missing',
    );
  }
  if (amounts.length !== 2 || amounts.some((a) => a < 1 || a > 99)) {
    throw new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'payment_method_microdeposit_verification_amounts_invalid',
      message: 'Pass the two microdeposit amounts, each between 1 and 99 cents.',
      param: 'amounts',
    });
  }
  return { amounts };
}

export function verificationError(code: ErrorCode, message: string): ApiError {
  return new ApiError({ status: 400, type: 'invalid_request_error', code, message });
}
