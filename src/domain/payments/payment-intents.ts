import type { Kysely } from 'kysely';
import type { Database, PaymentIntentsTable } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId, newSecret } from '../ids.ts';
import { mergeMetadata } from '../metadata.ts';
import type { Page, PageResult } from '../paging.ts';
import type { AchDebits, DebitInput } from './ach-debit.ts';
import { exceeded, judge, type MicrodepositAnswer, maxFailures, verificationError } from './microdeposits.ts';
import { allows, checkAmount, unexpectedState } from './payment-intent-rules.ts';
import type { PaymentIntent, PaymentIntentFilter, PaymentIntentStore } from './payment-intent-store.ts';
import type { PaymentMethodService } from './payment-methods.ts';

export const paymentIntentIds = idKind('pi');

export interface CreatePaymentIntentInput extends DebitInput {
  amount: number;
  customer?: string | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string | null> | undefined;
  confirm?: boolean | undefined;
  offSession?: boolean | undefined;
}

export interface UpdatePaymentIntentInput extends Pick<DebitInput, 'paymentMethod' | 'paymentMethodData'> {
  amount?: number | undefined;
  customer?: string | undefined;
  description?: string | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** `us_bank_account` PaymentIntents in USD: their rules and events; `AchDebits` sends the debits. */
export class PaymentIntentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: PaymentIntentStore,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly debits: AchDebits,
    private readonly events: EventLog,
  ) {}

  async get(merchantId: string, id: string, param = 'intent'): Promise<PaymentIntent> {
    return this.store.get(merchantId, id, param);
  }

  async find(merchantId: string, id: string): Promise<PaymentIntent | undefined> {
    return this.store.find(merchantId, id);
  }

  async list(
    merchantId: string,
    filter: PaymentIntentFilter,
    page: Page,
  ): Promise<PageResult<PaymentIntent>> {
    return this.store.list(merchantId, filter, page);
  }

  async create(merchantId: string, input: CreatePaymentIntentInput, request?: RequestRef) {
    checkAmount(input.amount);
    for (const [given, param] of [
      [input.mandate, 'mandate'],
      [input.mandateData, 'mandate_data'],
      [input.offSession, 'off_session'],
    ] as const) {
      if (given !== undefined && !input.confirm) {
        throw invalidRequest(`${param} can only be used with confirm=true.`, param);
      }
    }
    const customer = input.customer ?? null;
    if (customer !== null) await this.customers.getLive(merchantId, customer, 'customer');
    const chosen = await this.debits.chosen(merchantId, { paymentMethod: null }, input);
    const id = newId(paymentIntentIds);
    const created: PaymentIntent = {
      id,
      created: Math.floor(Date.now() / 1000),
      clientSecret: newSecret(`${id}_secret_`, 24),
      amount: input.amount,
      currency: 'usd',
      customer,
      paymentMethod: chosen?.paymentMethod.id ?? null,
      status: chosen === undefined ? 'requires_payment_method' : 'requires_confirmation',
      description: input.description ?? null,
      metadata: mergeMetadata({}, input.metadata),
      mandate: null,
      latestCharge: null,
      lastPaymentError: null,
      microdeposits: null,
      settlesAt: null,
      canceledAt: null,
      cancellationReason: null,
    };
    const debit = input.confirm ? await this.debits.check(merchantId, created, input, chosen) : undefined;
    madeObject(id);
    return this.db.transaction().execute(async (trx) => {
      // A debit writes the PaymentMethod it builds itself, after the PaymentIntent.
      if (chosen?.built && !debit) await this.paymentMethods.insert(trx, chosen.built);
      await this.store.insert(trx, merchantId, created);
      await this.events.record(
        trx,
        merchantId,
        { type: 'payment_intent.created', object: { kind: 'payment_intent', record: created } },
        request,
      );
      return debit ? this.debits.send(trx, merchantId, created, debit, request) : created;
    });
  }

  /** Sends the ACH debit: the PaymentIntent is `processing` until it settles, or nothing changes. */
  async confirm(merchantId: string, id: string, input: DebitInput, request?: RequestRef) {
    const intent = await this.get(merchantId, id);
    if (!allows(intent.status, 'confirm')) throw unexpectedState('confirm', intent.status);
    const debit = await this.debits.check(merchantId, intent, input);
    return this.db.transaction().execute((trx) => this.debits.send(trx, merchantId, intent, debit, request));
  }

  /**
   * Checks the customer's answer to the microdeposits: the right one verifies the PaymentMethod
   * and sends the debit as a confirmation does; a wrong one is counted and refused, and the last
   * allowed wrong one (or Stripe's test values for too many attempts and for a timeout) sends the
   * PaymentIntent back to `requires_payment_method` with `last_payment_error`.
   */
  async verifyMicrodeposits(
    merchantId: string,
    id: string,
    answer: MicrodepositAnswer,
    request?: RequestRef,
  ): Promise<PaymentIntent> {
    const intent = await this.get(merchantId, id);
    const pending = intent.microdeposits;
    if (!allows(intent.status, 'verify') || pending === null || intent.paymentMethod === null)
      throw unexpectedState('verify', intent.status);
    const judgement = judge(answer);
    if (judgement.kind === 'verified') {
      const debit = await this.debits.resumed(merchantId, intent, pending.mandate);
      return this.db.transaction().execute(async (trx) => {
        await this.paymentMethods.markVerified(trx, merchantId, debit.paymentMethod.id);
        return this.debits.debit(trx, merchantId, intent, debit, request);
      });
    }
    const failures = pending.failures + 1;
    const ended = judgement.kind === 'ended' ? judgement : failures >= maxFailures ? exceeded : undefined;
    if (ended === undefined) {
      const counted: PaymentIntent = { ...intent, microdeposits: { ...pending, failures } };
      await this.db
        .transaction()
        .execute((trx) => this.store.move(trx, merchantId, intent, counted, 'verify'));
      throw verificationError(judgement.code, judgement.message);
    }
    const paymentMethod = await this.paymentMethods.get(merchantId, intent.paymentMethod, 'intent');
    const failed: PaymentIntent = {
      ...intent,
      status: 'requires_payment_method',
      paymentMethod: null,
      microdeposits: null,
      lastPaymentError: { code: ended.code, message: ended.message, charge: null, paymentMethod },
    };
    await this.db.transaction().execute(async (trx) => {
      await this.store.move(trx, merchantId, intent, failed, 'verify');
      await this.events.record(
        trx,
        merchantId,
        { type: 'payment_intent.payment_failed', object: { kind: 'payment_intent', record: failed } },
        request,
      );
    });
    throw verificationError(ended.code, ended.message);
  }

  async update(merchantId: string, id: string, input: UpdatePaymentIntentInput): Promise<PaymentIntent> {
    const intent = await this.get(merchantId, id);
    if (!allows(intent.status, 'update')) throw unexpectedState('update', intent.status);
    if (input.amount !== undefined) checkAmount(input.amount);
    if (input.customer !== undefined && intent.customer !== null && input.customer !== intent.customer) {
      throw invalidRequest(
        'You cannot change the customer of a PaymentIntent once it is set.',
        'customer',
        'payment_intent_invalid_parameter',
      );
    }
    if (input.customer !== undefined) await this.customers.getLive(merchantId, input.customer, 'customer');
    const chosen =
      input.paymentMethod === undefined && input.paymentMethodData === undefined
        ? undefined
        : await this.debits.chosen(merchantId, intent, input);
    const paymentMethod = chosen?.paymentMethod.id ?? intent.paymentMethod;
    const next: PaymentIntent = {
      ...intent,
      amount: input.amount ?? intent.amount,
      customer: input.customer ?? intent.customer,
      paymentMethod,
      status: paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation',
      description: input.description === undefined ? intent.description : input.description,
      metadata: mergeMetadata(intent.metadata, input.metadata),
    };
    // Stripe has no event for an update of a PaymentIntent.
    await this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      await this.store.move(trx, merchantId, intent, next, 'update');
    });
    return next;
  }

  async cancel(
    merchantId: string,
    id: string,
    reason: PaymentIntentsTable['cancellation_reason'],
    request?: RequestRef,
  ): Promise<PaymentIntent> {
    const intent = await this.get(merchantId, id);
    if (!allows(intent.status, 'cancel')) throw unexpectedState('cancel', intent.status);
    const canceled: PaymentIntent = {
      ...intent,
      status: 'canceled',
      microdeposits: null,
      canceledAt: Math.floor(Date.now() / 1000),
      cancellationReason: reason,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.store.move(trx, merchantId, intent, canceled, 'cancel');
      await this.events.record(
        trx,
        merchantId,
        { type: 'payment_intent.canceled', object: { kind: 'payment_intent', record: canceled } },
        request,
      );
    });
    return canceled;
  }
}
