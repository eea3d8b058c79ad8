import type { Kysely, Selectable } from 'kysely';
import type { Database, PaymentMethodsTable } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import type { AccountNumberSync } from '../financial-connections/account-numbers.ts';
import type { AccountService } from '../financial-connections/accounts.ts';
import type { FcAccount } from '../financial-connections/types.ts';
import { madeObject } from '../idempotency/scope.ts';
import { newId } from '../ids.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import {
  type AccountHolderType,
  type BankAccountType,
  checkPayable,
  type UsBankAccountView,
  viewOf,
} from './bank-account.ts';
import { type BillingDetails, type BillingDetailsInput, mergeBillingDetails } from './billing-details.ts';
import type { MandateService } from './mandates.ts';

/** A `us_bank_account` PaymentMethod, its bank details read from its linked account now. */
export interface PaymentMethod {
  id: string;
  created: number;
  customer: string | null;
  billingDetails: BillingDetails;
  metadata: Record<string, string>;
  usBankAccount: UsBankAccountView;
}

export interface PaymentMethodInput {
  financialConnectionsAccount: string;
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

/** A PaymentMethod about to be written: its row, and the record events carry. */
export interface NewPaymentMethod {
  row: Selectable<PaymentMethodsTable>;
  record: PaymentMethod;
  account: FcAccount;
}

/** `us_bank_account` PaymentMethods built on linked accounts: the one module that writes them. */
export class PaymentMethodService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountService,
    private readonly numbers: AccountNumberSync,
    private readonly customers: CustomerService,
    private readonly mandates: MandateService,
    private readonly events: EventLog,
  ) {}

  private async resolve(row: Selectable<PaymentMethodsTable>): Promise<PaymentMethod> {
    const account = await this.accounts.get(row.merchant_id, row.fc_account_id);
    const numbers = await this.numbers.open(account.id);
    return {
      id: row.id,
      created: Number(row.created),
      customer: row.customer_id,
      billingDetails: JSON.parse(row.billing_details) as BillingDetails,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      usBankAccount: viewOf(row.merchant_id, account, numbers, {
        accountHolderType: row.account_holder_type,
        accountType: row.account_type,
      }),
    };
  }

  /**
   * Checks the account as Stripe does and builds the PaymentMethod, unwritten; `param` names the
   * parameter that gave the account.
   */
  async prepare(merchantId: string, input: PaymentMethodInput, param: string): Promise<NewPaymentMethod> {
    const account = await this.accounts.get(merchantId, input.financialConnectionsAccount, param);
    checkPayable(account, await this.numbers.open(account.id), param);
    const row: Selectable<PaymentMethodsTable> = {
      id: newId('paymentMethod'),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      customer_id: null,
      fc_account_id: account.id,
      account_holder_type: input.accountHolderType ?? 'individual',
      account_type: input.accountType ?? null,
      billing_details: JSON.stringify(mergeBillingDetails(undefined, input.billingDetails)),
      metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
    };
    return { row, record: await this.resolve(row), account };
  }

  async insert(trx: Kysely<Database>, prepared: NewPaymentMethod): Promise<void> {
    await trx.insertInto('payment_methods').values(prepared.row).execute();
  }

  async create(merchantId: string, input: PaymentMethodInput): Promise<PaymentMethod> {
    const prepared = await this.prepare(merchantId, input, 'us_bank_account[financial_connections_account]');
    madeObject(prepared.row.id);
    // Stripe has no event for a PaymentMethod made on its own: only attaching it is news.
    await this.db.transaction().execute((trx) => this.insert(trx, prepared));
    return prepared.record;
  }

  private async row(merchantId: string, id: string, param: string) {
    const row = await this.db
      .selectFrom('payment_methods')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('PaymentMethod', id, param);
    return row;
  }

  async get(merchantId: string, id: string, param = 'payment_method'): Promise<PaymentMethod> {
    return this.resolve(await this.row(merchantId, id, param));
  }

  /** The account under a PaymentMethod, refused as `prepare` refuses it when it cannot be paid from. */
  async payableAccount(merchantId: string, paymentMethod: PaymentMethod, param: string): Promise<FcAccount> {
    const account = await this.accounts.get(
      merchantId,
      paymentMethod.usBankAccount.financialConnectionsAccount,
      param,
    );
    checkPayable(account, await this.numbers.open(account.id), param);
    return account;
  }

  /** The PaymentMethod, or undefined when this merchant has none of that id. */
  async find(merchantId: string, id: string): Promise<PaymentMethod | undefined> {
    const row = await this.db
      .selectFrom('payment_methods')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && this.resolve(row);
  }

  async update(
    merchantId: string,
    id: string,
    changes: PaymentMethodChanges,
    request?: RequestRef,
  ): Promise<PaymentMethod> {
    const row = await this.row(merchantId, id, 'payment_method');
    const before = await this.resolve(row);
    const billingDetails = mergeBillingDetails(before.billingDetails, changes.billingDetails);
    const metadata = mergeMetadata(before.metadata, changes.metadata);
    const next: Selectable<PaymentMethodsTable> = {
      ...row,
      account_holder_type: changes.accountHolderType ?? row.account_holder_type,
      account_type: changes.accountType ?? row.account_type,
      billing_details: JSON.stringify(billingDetails),
      metadata: JSON.stringify(metadata),
    };
    const after = await this.resolve(next);
    const previous: Record<string, unknown> = {};
    if (next.billing_details !== row.billing_details) previous.billing_details = before.billingDetails;
    const metadataBefore = previousMetadata(before.metadata, metadata);
    if (metadataBefore) previous.metadata = metadataBefore;
    const bankBefore: Record<string, unknown> = {};
    if (next.account_holder_type !== row.account_holder_type)
      bankBefore.account_holder_type = row.account_holder_type;
    if (after.usBankAccount.accountType !== before.usBankAccount.accountType)
      bankBefore.account_type = before.usBankAccount.accountType;
    if (Object.keys(bankBefore).length > 0) previous.us_bank_account = bankBefore;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('payment_methods')
        .set({
          account_holder_type: next.account_holder_type,
          account_type: next.account_type,
          billing_details: next.billing_details,
          metadata: next.metadata,
        })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .execute();
      if (Object.keys(previous).length > 0) {
        await this.events.record(
          trx,
          merchantId,
          { type: 'payment_method.updated', object: { kind: 'payment_method', record: after }, previous },
          request,
        );
      }
    });
    return after;
  }

  /**
   * Attaches in the caller's transaction, guarded on the PaymentMethod being unattached; true
   * when this call attached it. A PaymentMethod already on the same customer stays as it is.
   */
  async attachIn(
    trx: Kysely<Database>,
    merchantId: string,
    paymentMethod: PaymentMethod,
    customerId: string,
    request?: RequestRef,
  ): Promise<PaymentMethod> {
    if (paymentMethod.customer === customerId) return paymentMethod;
    if (paymentMethod.customer !== null) throw attachedElsewhere(paymentMethod.id);
    const moved = await trx
      .updateTable('payment_methods')
      .set({ customer_id: customerId })
      .where('id', '=', paymentMethod.id)
      .where('merchant_id', '=', merchantId)
      .where('customer_id', 'is', null)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw attachedElsewhere(paymentMethod.id);
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
    const paymentMethod = await this.get(merchantId, id);
    await this.customers.getLive(merchantId, customerId, 'customer');
    return this.db
      .transaction()
      .execute((trx) => this.attachIn(trx, merchantId, paymentMethod, customerId, request));
  }

  /** Detaches from the customer; its mandates end with it, as on Stripe. */
  async detach(merchantId: string, id: string, request?: RequestRef): Promise<PaymentMethod> {
    const paymentMethod = await this.get(merchantId, id);
    const customer = paymentMethod.customer;
    if (customer === null) {
      throw invalidRequest(
        `The PaymentMethod ${id} is not attached to a customer.`,
        'payment_method',
        'payment_method_unexpected_state',
      );
    }
    const detached = { ...paymentMethod, customer: null };
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('payment_methods')
        .set({ customer_id: null })
        .where('id', '=', id)
        .where('customer_id', '=', customer)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1)
        throw invalidRequest(`The PaymentMethod ${id} was detached by another request.`, 'payment_method');
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
    filter: { customer?: string | undefined; type?: string | undefined },
    page: Page,
  ): Promise<PageResult<PaymentMethod>> {
    // openfc makes only us_bank_account PaymentMethods: asking for another type finds none.
    if (filter.type !== undefined && filter.type !== 'us_bank_account') return { data: [], hasMore: false };
    if (filter.customer !== undefined) await this.customers.getLive(merchantId, filter.customer, 'customer');
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('payment_methods').selectAll().where('merchant_id', '=', merchantId);
      if (filter.customer !== undefined) q = q.where('customer_id', '=', filter.customer);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
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
