/**
 * The sandbox bank's own JSON (snake_case, not Stripe's shapes), as schemas: the bank answers in
 * these shapes and the HTTP connector refuses anything else.
 */
import { z } from 'zod';

export const bankErrorKinds = [
  'invalid_request',
  'not_found',
  'invalid_token',
  'access_token_expired',
  'consent_expired',
  'access_revoked',
  'reauthentication_required',
  'holder_disconnected',
  'account_closed',
  'account_unavailable',
  'invalid_credentials',
  'login_failed',
  'invalid_grant',
  'invalid_client',
  'forbidden',
  'institution_unavailable',
  'server_error',
  'not_supported',
] as const;

export type BankErrorKind = (typeof bankErrorKinds)[number];

export const bankErrorBody = z.object({
  error: z.string(),
  message: z.string().optional(),
  expected_available_at: z.number().int().optional(),
});
export type BankErrorBody = z.infer<typeof bankErrorBody>;

export const accountBody = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  category: z.enum(['cash', 'credit', 'investment', 'other']),
  subcategory: z.enum(['checking', 'savings', 'credit_card', 'line_of_credit', 'mortgage', 'other']),
  last4: z.string(),
  status: z.enum(['open', 'closed', 'unavailable']),
  supported_payment_method_types: z.array(z.enum(['us_bank_account', 'link'])),
  currency: z.string(),
});
export type AccountBody = z.infer<typeof accountBody>;

export const tokenBody = z.object({
  access_token: z.string().min(1),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  access_token_expires_at: z.number().int(),
  refresh_token: z.string().min(1),
  consent_expires_at: z.number().int(),
  bank_user_id: z.string(),
  bank_instance: z.string().optional(),
  accounts: z.array(accountBody).optional(),
});
export type TokenBody = z.infer<typeof tokenBody>;

export const promptBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('options'), message: z.string(), options: z.array(z.string()) }),
  z.object({ kind: z.literal('mfa'), message: z.string() }),
  z.object({ kind: z.literal('confirm_mfa'), message: z.string() }),
  z.object({ kind: z.literal('security_question'), message: z.string() }),
]);
export type PromptBody = z.infer<typeof promptBody>;

export const loginBody = z.discriminatedUnion('status', [
  z.object({ status: z.literal('authorized'), code: z.string().min(1) }),
  z.object({ status: z.literal('prompt'), login_id: z.string(), prompt: promptBody }),
]);
export type LoginBody = z.infer<typeof loginBody>;

export const healthBody = z.object({ status: z.string(), instance: z.string().optional() });

export const sandboxAuthorizationBody = z.object({ code: z.string().min(1), bank_user_id: z.string() });

export const accountsBody = z.object({ accounts: z.array(accountBody) });

export const balanceBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('cash'),
    as_of: z.number().int(),
    currency: z.string(),
    current: z.number().int(),
    available: z.number().int(),
  }),
  z.object({
    type: z.literal('credit'),
    as_of: z.number().int(),
    currency: z.string(),
    current: z.number().int(),
    used: z.number().int(),
  }),
]);
export type BalanceBody = z.infer<typeof balanceBody>;

export const ownerBody = z.object({
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
});
export const ownersBody = z.object({ owners: z.array(ownerBody) });
export type OwnerBody = z.infer<typeof ownerBody>;

export const transactionBody = z.object({
  id: z.string(),
  amount: z.number().int(),
  currency: z.string(),
  description: z.string(),
  status: z.enum(['pending', 'posted']),
  transacted_at: z.number().int(),
  posted_at: z.number().int().nullable(),
});
export const transactionsBody = z.object({ transactions: z.array(transactionBody) });
export type TransactionBody = z.infer<typeof transactionBody>;

export const numbersEntryBody = z.object({
  routing_number: z.string(),
  account_number: z.string(),
  identifier_type: z.enum(['account_number', 'tokenized_account_number']),
  status: z.enum(['transactable', 'deactivated']),
  expected_expiry_date: z.number().int().nullable(),
  supported_networks: z.array(z.literal('ach')),
});
export const numbersBody = z.object({ numbers: z.array(numbersEntryBody) });
export type NumbersEntryBody = z.infer<typeof numbersEntryBody>;
