import type { Kysely } from 'kysely';
import type { AccountNumbers } from '../../bank/connector.ts';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import type { CustomerService } from '../customers/service.ts';
import { ApiError, invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import type { AccountService } from '../financial-connections/accounts.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import type { Page, PageResult } from '../paging.ts';
import {
  type AccountHolderType,
  type BankAccountType,
  checkPayable,
  previousBankFields,
} from './bank-account.ts';
import { type BillingDetailsInput, mergeBillingDetails } from './billing-details.ts';
import type { MandateService } from './mandates.ts';
import { behaviourOf, checkEnteredNumbers, enteredFingerprint, numbersOfToken } from './manual-entry.ts';
import {
  enteredPaymentMethodOf,
  type PaymentMethod,
  type PaymentMethodRow,
  type PaymentMethodStore,
  paymentMethodOf,
} from './payment-method-store.ts';

export const paymentMethodIds = idKind('pm');

/** The bank account a PaymentMethod is built on: a linked account, or numbers entered by hand. */
export type BankAccountSource =
  | { financialConnectionsAccount: string }
  | { routingNumber: string; accountNumber: string };

export interface PaymentMethodInput {
  bank: BankAccountSource;
  accountHolderType?: AccountHolderType | undefined;
  accountType?: BankAccountType | undefined;
  billingDetails?: BillingDetailsInput | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export interface PaymentMethodChanges {
  accountHolderType?: AccountHolderType | undefined;
  accountType?: BankAccountType | undefined;
  billingDetails?: BillingDetailsInput | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/**
 * A PaymentMethod about to be written: its row, the record events carry, and its linked
 * account (null for entered numbers).
 */
export interface NewPaymentMethod {
  row: PaymentMethodRow;
  record: PaymentMethod;
  account: FcAccount | null;
}

/** How a parameter of the bank account is named, bare or nested under `prefix`. */
export function bankParam(prefix: string, field: string): string {
  return prefix ? `${prefix}[us_bank_account][${field}]` : `us_bank_account[${field}]`;
}

/** Where PaymentMethods read their account's numbers (sealed at rest, opened to pay). */
export interface NumberReader {
  open(accountId: string): Promise<AccountNumbers[] | null>;
}

/**
 * `us_bank_account` PaymentMethods built on linked accounts or on entered numbers (and on
 * Stripe's `pm_usBankAccount_*` test tokens, which stand for entered test numbers).
 */
export class PaymentMethodService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: PaymentMethodStore,
    private readonly accounts: AccountService,
    private readonly numbers: NumberReader,
    private readonly customers: CustomerService,
    private readonly mandates: MandateService,
    private readonly events: EventLog,
    private readonly secrets: SecretBox,
  ) {}

  private async resolve(row: PaymentMethodRow): Promise<PaymentMethod> {
    if (row.fc_account_id === null) {
      const accountNumber = this.secrets.open(row.account_number_sealed ?? '', row.id);
      return enteredPaymentMethodOf(row, behaviourOf(row.routing_number ?? '', accountNumber));
    }
    const account = await this.accounts.get(row.merchant_id, row.fc_account_id);
    return paymentMethodOf(row, account, await this.numbers.open(account.id));
  }

  /**
   * Checks the bank account as Stripe does and builds the PaymentMethod, unwritten; `prefix`
   * is how the request nests the parameters (`payment_method_data`, or none).
   */
  async prepare(
    merchantId: string,
    input: PaymentMethodInput,
    prefix = '',
    testToken = false,
  ): Promise<NewPaymentMethod> {
    const base = {
      id: newId(paymentMethodIds),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      customer_id: null,
      account_holder_type: input.accountHolderType ?? 'individual',
      account_type: input.accountType ?? null,
      billing_details: JSON.stringify(mergeBillingDetails(undefined, input.billingDetails)),
      metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
    };
    const { bank } = input;
    if ('routingNumber' in bank) {
      checkEnteredNumbers(bank.routingNumber, bank.accountNumber, (field) => bankParam(prefix, field));
      const row: PaymentMethodRow = {
        ...base,
        fc_account_id: null,
        routing_number: bank.routingNumber,
        last4: bank.accountNumber.slice(-4),
        fingerprint: enteredFingerprint(this.secrets, merchantId, bank.routingNumber, bank.accountNumber),
        account_number_sealed: this.secrets.seal(bank.accountNumber, base.id),
        test_token: testToken ? 1 : null,
        verified: null,
      };
      const behaviour = behaviourOf(bank.routingNumber, bank.accountNumber);
      return { row, record: enteredPaymentMethodOf(row, behaviour), account: null };
    }
    const param = bankParam(prefix, 'financial_connections_account');
    const account = await this.accounts.get(merchantId, bank.financialConnectionsAccount, param);
    const numbers = await this.numbers.open(account.id);
    checkPayable(account, numbers, param);
    const row: PaymentMethodRow = {
      ...base,
      fc_account_id: account.id,
      routing_number: null,
      last4: null,
      fingerprint: null,
      account_number_sealed: null,
      test_token: null,
      verified: null,
    };
    return { row, record: paymentMethodOf(row, account, numbers), account };
  }

  /**
   * A fresh PaymentMethod, unwritten, for a `pm_usBankAccount_*` test token (as Stripe makes
   * one each time a test token is used); undefined for any other id.
   */
  async fromTestToken(merchantId: string, id: string): Promise<NewPaymentMethod | undefined> {
    const numbers = numbersOfToken(id);
    return numbers && this.prepare(merchantId, { bank: numbers, accountType: 'checking' }, '', true);
  }

  async insert(trx: Kysely<Database>, prepared: NewPaymentMethod): Promise<void> {
    await this.store.insert(trx, prepared.row);
  }

  /** Remembers that its entered numbers were verified: later debits and setups skip microdeposits. */
  async markVerified(trx: Kysely<Database>, merchantId: string, id: string): Promise<void> {
    await this.store.markVerified(trx, merchantId, id);
  }

  async create(merchantId: string, input: PaymentMethodInput): Promise<PaymentMethod> {
    const prepared = await this.prepare(merchantId, input);
    madeObject(prepared.row.id);
    // Stripe has no event for a PaymentMethod made on its own: only attaching it is news.
    await this.db.transaction().execute((trx) => this.insert(trx, prepared));
    return prepared.record;
  }

  private async row(merchantId: string, id: string, param: string): Promise<PaymentMethodRow> {
    const row = await this.store.find(merchantId, id);
    if (!row) throw resourceMissing('PaymentMethod', id, param);
    return row;
  }

  async get(merchantId: string, id: string, param = 'payment_method'): Promise<PaymentMethod> {
    return this.resolve(await this.row(merchantId, id, param));
  }

  /** The PaymentMethod, or undefined when this merchant has none of that id. */
  async find(merchantId: string, id: string): Promise<PaymentMethod | undefined> {
    const row = await this.store.find(merchantId, id);
    return row && this.resolve(row);
  }

  /**
   * The linked account under an existing PaymentMethod (null for entered numbers), for an
   * intent to use. What Stripe checks is whether the PaymentMethod is blocked now; an account
   * disconnected since keeps its PaymentMethods usable, as Stripe documents.
   */
  async usableAccount(
    merchantId: string,
    paymentMethod: PaymentMethod,
    param: string,
  ): Promise<FcAccount | null> {
    const { blocked, financialConnectionsAccount } = paymentMethod.usBankAccount;
    if (blocked !== null) {
      throw new ApiError({
        status: 400,
        type: 'invalid_request_error',
        code: 'payment_method_bank_account_blocked',
        message: `The PaymentMethod ${paymentMethod.id} cannot be used: its bank account is blocked (${blocked}). Relink the account, or use another PaymentMethod.`,
        param,
      });
    }
    if (financialConnectionsAccount === null) return null;
    return this.accounts.get(merchantId, financialConnectionsAccount, param);
  }

  async update(
    merchantId: string,
    id: string,
    changes: PaymentMethodChanges,
    request?: RequestRef,
  ): Promise<PaymentMethod> {
    const row = await this.row(merchantId, id, 'payment_method');
    const before = await this.resolve(row);
    const metadata = mergeMetadata(before.metadata, changes.metadata);
    const next: PaymentMethodRow = {
      ...row,
      account_holder_type: changes.accountHolderType ?? row.account_holder_type,
      account_type: changes.accountType ?? row.account_type,
      billing_details: JSON.stringify(mergeBillingDetails(before.billingDetails, changes.billingDetails)),
      metadata: JSON.stringify(metadata),
    };
    const after = await this.resolve(next);
    const previous: Record<string, unknown> = {};
    if (next.billing_details !== row.billing_details) previous.billing_details = before.billingDetails;
    const metadataBefore = previousMetadata(before.metadata, metadata);
    if (metadataBefore) previous.metadata = metadataBefore;
    const bankBefore = previousBankFields(before.usBankAccount, after.usBankAccount);
    if (bankBefore) previous.us_bank_account = bankBefore;
    await this.db.transaction().execute(async (trx) => {
      await this.store.setDetails(trx, next);
      if (Object.keys(previous).length === 0) return;
      await this.events.record(
        trx,
        merchantId,
        { type: 'payment_method.updated', object: { kind: 'payment_method', record: after }, previous },
        request,
      );
    });
    return after;
  }

  /**
   * Attaches in the caller's transaction, guarded on the PaymentMethod being unattached. A
   * PaymentMethod already on the same customer stays as it is.
   */
  async attachIn(
    trx: Kysely<Database>,
    merchantId: string,
    paymentMethod: PaymentMethod,
    customerId: string,
    request?: RequestRef,
  ): Promise<PaymentMethod> {
    if (paymentMethod.customer === customerId) return paymentMethod;
    if (
      paymentMethod.customer !== null ||
      !(await this.store.attach(trx, merchantId, paymentMethod.id, customerId))
    )
      throw attachedElsewhere(paymentMethod.id);
    const attached = { ...paymentMethod, customer: customerId };
    await this.events.record(
      trx,
      merchantId,
      { type: 'payment_method.attached', object: { kind: 'payment_method', record: attached } },
      request,
    );
    return attached;
  }

  async attach(merchantId: string, id: string, customerId: string, request?: RequestRef) {
    const fromToken = await this.fromTestToken(merchantId, id);
    const paymentMethod = fromToken?.record ?? (await this.get(merchantId, id));
    await this.customers.getLive(merchantId, customerId, 'customer');
    if (fromToken) madeObject(fromToken.row.id);
    return this.db.transaction().execute(async (trx) => {
      if (fromToken) await this.insert(trx, fromToken);
      return this.attachIn(trx, merchantId, paymentMethod, customerId, request);
    });
  }

  /** Detaches from the customer; its mandates end with it, as on Stripe. */
  async detach(merchantId: string, id: string, request?: RequestRef): Promise<PaymentMethod> {
    const paymentMethod = await this.get(merchantId, id);
    const customer = paymentMethod.customer;
    const notAttached = () =>
      invalidRequest(
        `The PaymentMethod ${id} is not attached to a customer.`,
        'payment_method',
        'payment_method_unexpected_state',
      );
    if (customer === null) throw notAttached();
    const detached = { ...paymentMethod, customer: null };
    await this.db.transaction().execute(async (trx) => {
      if (!(await this.store.detach(trx, merchantId, id, customer))) throw notAttached();
      await this.mandates.deactivateFor(trx, merchantId, id, request);
      await this.events.record(
        trx,
        merchantId,
        {
          type: 'payment_method.detached',
          object: { kind: 'payment_method', record: detached },
          previous: { customer },
        },
        request,
      );
    });
    return detached;
  }

  async list(
    merchantId: string,
    /** `account`: made from this linked account (the dashboard's filter; the API has none). */
    filter: { customer?: string | undefined; type?: string | undefined; account?: string | undefined },
    page: Page,
  ): Promise<PageResult<PaymentMethod>> {
    // openfc makes only us_bank_account PaymentMethods: asking for another type finds none.
    if (filter.type !== undefined && filter.type !== 'us_bank_account') return { data: [], hasMore: false };
    if (filter.customer !== undefined) await this.customers.getLive(merchantId, filter.customer, 'customer');
    const result = await this.store.list(
      merchantId,
      { customer: filter.customer, account: filter.account },
      page,
    );
    const data: PaymentMethod[] = [];
    for (const row of result.data) data.push(await this.resolve(row));
    return { data, hasMore: result.hasMore };
  }
}

function attachedElsewhere(id: string) {
  return invalidRequest(
    `The PaymentMethod ${id} is attached to another customer. Detach it first, or build a new one.`,
    'payment_method',
    'payment_method_unexpected_state',
  );
}
