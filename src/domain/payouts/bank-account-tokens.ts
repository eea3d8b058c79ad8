import type { Kysely, Selectable } from 'kysely';
import type { BankAccountTokensTable, Database } from '../../store/schema.ts';
import { ApiError, resourceMissing } from '../errors.ts';
import type { LinkFollower } from '../financial-connections/account-linking.ts';
import type { AccountNumberSync } from '../financial-connections/account-numbers.ts';
import type { SessionService } from '../financial-connections/sessions.ts';
import type { FcSession } from '../financial-connections/types.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import { type AccountHolderType, type BankAccountType, checkPayable } from '../payments/bank-account.ts';
import { bankStateOf, currentNumbers } from './bank-state.ts';

export const bankAccountTokenIds = idKind('btok');
export const bankAccountIds = idKind('ba');

/**
 * A single-use token of a bank account for payouts, made when a session linked an account for a
 * connected account (`account_holder[type]=account`): the bank details as they were then.
 */
export interface BankAccountToken {
  id: string;
  /** The merchant that made the session. */
  merchantId: string;
  /** The account the session linked for: the only one the token can be attached to. */
  accountId: string;
  sessionId: string;
  fcAccountId: string;
  /** The bank account the token becomes when attached: its id is kept. */
  bankAccountId: string;
  created: number;
  used: boolean;
  accountHolderType: AccountHolderType;
  accountType: BankAccountType | null;
  bankName: string | null;
  last4: string;
  routingNumber: string;
  fingerprint: string;
}

type TokenRow = Selectable<BankAccountTokensTable>;

function fromRow(row: TokenRow): BankAccountToken {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    accountId: row.account_id,
    sessionId: row.session_id,
    fcAccountId: row.fc_account_id,
    bankAccountId: row.bank_account_id,
    created: Number(row.created),
    used: Number(row.used) === 1,
    accountHolderType: row.account_holder_type,
    accountType: row.account_type,
    bankName: row.bank_name,
    last4: row.last4,
    routingNumber: row.routing_number,
    fingerprint: row.fingerprint,
  };
}

/** Bank account tokens: made once a session's linked account has its numbers, used once. */
export class BankAccountTokens implements LinkFollower {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sessions: SessionService,
    private readonly numbers: AccountNumberSync,
  ) {}

  /**
   * Makes the token of a session that linked an account for a connected account, if the account
   * can be paid out to: linked with the `payment_method` permission, active, able to take ACH and
   * with transactable numbers (`refusal` says why not otherwise).
   */
  async sessionLinked(merchantId: string, linking: FcSession): Promise<void> {
    if (linking.holder?.type !== 'account') return;
    const sessionId = linking.id;
    const session = await this.sessions.find(merchantId, sessionId);
    const holder = session?.holder;
    const account = session?.accounts[0];
    if (!session || holder?.type !== 'account' || !account) return;
    const numbers = currentNumbers(account, await this.numbers.open(account.id));
    try {
      checkPayable(account, numbers, 'account');
    } catch {
      return;
    }
    const state = bankStateOf(holder.account, account, numbers);
    if (!state) return;
    const holderRow = await this.db
      .selectFrom('merchant_accounts')
      .select('business_type')
      .where('id', '=', holder.account)
      .executeTakeFirst();
    const row: TokenRow = {
      id: newId(bankAccountTokenIds),
      merchant_id: merchantId,
      account_id: holder.account,
      session_id: sessionId,
      fc_account_id: account.id,
      bank_account_id: newId(bankAccountIds),
      created: Math.floor(Date.now() / 1000),
      used: 0,
      account_holder_type: holderRow?.business_type === 'company' ? 'company' : 'individual',
      account_type: state.accountType,
      bank_name: state.bankName,
      last4: state.last4,
      routing_number: state.routingNumber,
      fingerprint: state.fingerprint,
    };
    await this.db.insertInto('bank_account_tokens').values(row).execute();
  }

  /**
   * Why a succeeded session for a connected account has no token: Stripe's error for the
   * account it linked (or for linking none). Undefined for sessions that are not for a connected
   * account, or that have a token.
   */
  async refusal(merchantId: string, session: FcSession): Promise<ApiError | undefined> {
    if (session.holder?.type !== 'account' || session.status !== 'succeeded') return undefined;
    if (await this.ofSession(merchantId, session.id)) return undefined;
    const account = session.accounts[0];
    if (!account) return undefined;
    try {
      checkPayable(account, currentNumbers(account, await this.numbers.open(account.id)), 'account');
    } catch (error) {
      if (error instanceof ApiError) return error;
      throw error;
    }
    return new ApiError({
      status: 400,
      type: 'invalid_request_error',
      code: 'financial_connections_account_unavailable_account_numbers',
      message: `The Financial Connections account '${account.id}' has no account numbers to make a bank account token from.`,
      param: 'account',
    });
  }

  async ofSession(merchantId: string, sessionId: string): Promise<BankAccountToken | undefined> {
    const row = await this.db
      .selectFrom('bank_account_tokens')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A token the viewer made, or one made for the viewer (as a connected account). */
  async find(
    viewerId: string,
    id: string,
    db: Kysely<Database> = this.db,
  ): Promise<BankAccountToken | undefined> {
    const row = await db
      .selectFrom('bank_account_tokens')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => eb.or([eb('merchant_id', '=', viewerId), eb('account_id', '=', viewerId)]))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async get(viewerId: string, id: string): Promise<BankAccountToken> {
    const token = await this.find(viewerId, id);
    if (!token) throw resourceMissing('token', id, 'token');
    return token;
  }

  /**
   * Uses the token to make a bank account of `accountId`, as `viewerId` (its platform, or the
   * account itself): it must have been made for that account and not used before.
   */
  async use(
    trx: Kysely<Database>,
    viewerId: string,
    accountId: string,
    id: string,
  ): Promise<BankAccountToken> {
    const token = await this.find(viewerId, id, trx);
    if (!token || token.accountId !== accountId) throw resourceMissing('token', id, 'external_account');
    const moved = await trx
      .updateTable('bank_account_tokens')
      .set({ used: 1 })
      .where('id', '=', id)
      .where('used', '=', 0)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) {
      throw new ApiError({
        status: 400,
        type: 'invalid_request_error',
        code: 'token_already_used',
        message: `You cannot use a Stripe token more than once: ${id}.`,
        param: 'external_account',
      });
    }
    madeObject(token.bankAccountId);
    return { ...token, used: true };
  }
}
