import type { Kysely } from 'kysely';
import type { Database, SetupIntentsTable } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId, newSecret } from '../ids.ts';
import { mergeMetadata } from '../metadata.ts';
import type { Page, PageResult } from '../paging.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import { withClientSecret } from './client-secret.ts';
import type { CustomerAcceptance, MandateService } from './mandates.ts';
import {
  arrivalDate,
  exceeded,
  judge,
  type MicrodepositAnswer,
  maxFailures,
  verificationError,
} from './microdeposits.ts';
import { checkVerified, chooseFor, existingFor, type PaymentMethodChoice } from './payment-method-choice.ts';
import type { PaymentMethod } from './payment-method-store.ts';
import type { PaymentMethodService } from './payment-methods.ts';
import type { SetupAttemptLog } from './setup-attempts.ts';
import type { SetupIntent, SetupIntentFilter, SetupIntentStore } from './setup-intent-store.ts';
import {
  type AcceptanceInput,
  acceptanceOf,
  canCancel,
  canChange,
  canConfirm,
  unexpectedState,
} from './setup-rules.ts';

export const setupIntentIds = idKind('seti');

export interface CreateSetupIntentInput extends PaymentMethodChoice {
  customer?: string | undefined;
  usage?: SetupIntentsTable['usage'] | undefined;
  description?: string | null | undefined;
  verificationMethod?: SetupIntentsTable['verification_method'] | undefined;
  metadata?: Record<string, string | null> | undefined;
  confirm?: boolean | undefined;
  mandateData?: AcceptanceInput | undefined;
}

export interface UpdateSetupIntentInput extends PaymentMethodChoice {
  customer?: string | undefined;
  description?: string | null | undefined;
  verificationMethod?: SetupIntentsTable['verification_method'] | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export interface ConfirmSetupIntentInput extends PaymentMethodChoice {
  mandateData?: AcceptanceInput | undefined;
  verificationMethod?: SetupIntentsTable['verification_method'] | undefined;
}

/** SetupIntents for `us_bank_account`: their rules and events; `SetupIntentStore` keeps their rows. */
export class SetupIntentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: SetupIntentStore,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly mandates: MandateService,
    private readonly attempts: SetupAttemptLog,
    private readonly events: EventLog,
    private readonly clocks: SandboxClocks,
  ) {}

  async get(merchantId: string, id: string, param = 'intent'): Promise<SetupIntent> {
    return this.store.get(merchantId, id, param);
  }

  async list(merchantId: string, filter: SetupIntentFilter, page: Page): Promise<PageResult<SetupIntent>> {
    return this.store.list(merchantId, filter, page);
  }

  /** The SetupIntent, for a caller that proves it was handed its client secret. */
  async getWithSecret(merchantId: string, id: string, clientSecret: string | undefined) {
    return withClientSecret('SetupIntent', clientSecret, () => this.get(merchantId, id));
  }

  /**
   * What confirming would set up, checked as a confirmation checks it and changing nothing: the
   * SetupIntent (reached with its client secret) and the PaymentMethod its mandate would be for.
   */
  async toConfirm(
    merchantId: string,
    id: string,
    clientSecret: string,
    paymentMethod: string | undefined,
  ): Promise<{ intent: SetupIntent; paymentMethod: PaymentMethod }> {
    const intent = await this.getWithSecret(merchantId, id, clientSecret);
    if (!canConfirm(intent.status)) throw unexpectedState('confirm', intent.status);
    const chosen = paymentMethod ?? intent.paymentMethod;
    if (chosen === null) throw missingPaymentMethod();
    return {
      intent,
      paymentMethod: await existingFor(this.paymentMethods, merchantId, chosen, intent.customer),
    };
  }

  async create(
    merchantId: string,
    input: CreateSetupIntentInput,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    if (input.mandateData && !input.confirm) {
      throw invalidRequest(
        'mandate_data can only be used with confirm=true: pass it when you confirm the SetupIntent.',
        'mandate_data',
      );
    }
    const customer = input.customer ?? null;
    if (customer !== null) await this.customers.getLive(merchantId, customer, 'customer');
    const chosen = await chooseFor(this.paymentMethods, merchantId, input, customer);
    const paymentMethod = chosen?.existing ?? chosen?.built?.record;
    if (input.confirm) {
      if (!paymentMethod) throw missingPaymentMethod();
      acceptanceOf(input.mandateData);
      checkVerified(paymentMethod, paymentParam(input), input.verificationMethod);
    }
    const id = newId(setupIntentIds);
    const created: SetupIntent = {
      id,
      created: Math.floor(Date.now() / 1000),
      clientSecret: newSecret(`${id}_secret_`, 24),
      customer,
      paymentMethod: paymentMethod?.id ?? null,
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      usage: input.usage ?? 'off_session',
      description: input.description ?? null,
      verificationMethod: input.verificationMethod ?? 'automatic',
      metadata: mergeMetadata({}, input.metadata),
      mandate: null,
      latestAttempt: null,
      cancellationReason: null,
      microdeposits: null,
      lastSetupError: null,
    };
    madeObject(id);
    const now = await this.clocks.now(merchantId);
    return this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      await this.store.insert(trx, merchantId, created);
      await this.events.record(
        trx,
        merchantId,
        { type: 'setup_intent.created', object: { kind: 'setup_intent', record: created } },
        request,
      );
      if (!input.confirm || !paymentMethod) return created;
      return this.confirmIn(
        trx,
        merchantId,
        created,
        created,
        paymentMethod,
        input.mandateData,
        now,
        request,
      );
    });
  }

  /** Confirms with the customer's acceptance of the mandate: the SetupIntent succeeds, or nothing changes. */
  async confirm(
    merchantId: string,
    id: string,
    input: ConfirmSetupIntentInput,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const intent = await this.get(merchantId, id);
    if (!canConfirm(intent.status)) throw unexpectedState('confirm', intent.status);
    const chosen = await chooseFor(this.paymentMethods, merchantId, input, intent.customer);
    let paymentMethod = chosen?.existing ?? chosen?.built?.record;
    if (!paymentMethod && intent.paymentMethod !== null)
      paymentMethod = await existingFor(
        this.paymentMethods,
        merchantId,
        intent.paymentMethod,
        intent.customer,
      );
    if (!paymentMethod) throw missingPaymentMethod();
    acceptanceOf(input.mandateData);
    const next = { ...intent, verificationMethod: input.verificationMethod ?? intent.verificationMethod };
    checkVerified(paymentMethod, paymentParam(input), next.verificationMethod);
    const chosenMethod = paymentMethod;
    const now = await this.clocks.now(merchantId);
    return this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      return this.confirmIn(trx, merchantId, intent, next, chosenMethod, input.mandateData, now, request);
    });
  }

  /**
   * A confirmation's writes: numbers entered by hand and not yet verified wait for
   * microdeposits in `requires_action`; any other bank account succeeds at once.
   */
  private async confirmIn(
    trx: Kysely<Database>,
    merchantId: string,
    intent: SetupIntent,
    next: SetupIntent,
    paymentMethod: PaymentMethod,
    mandateData: AcceptanceInput | undefined,
    /** The merchant's sandbox clock, read before the transaction. */
    now: number,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const accepted = acceptanceOf(mandateData);
    if (paymentMethod.entered === null || paymentMethod.entered.verified)
      return this.succeed(trx, merchantId, intent, next, paymentMethod, accepted, request);
    const waiting: SetupIntent = {
      ...next,
      status: 'requires_action',
      paymentMethod: paymentMethod.id,
      lastSetupError: null,
      microdeposits: {
        arrivalDate: arrivalDate(now),
        failures: 0,
        acceptance: accepted,
      },
    };
    await this.store.move(trx, merchantId, intent, waiting, 'confirm');
    await this.events.record(
      trx,
      merchantId,
      { type: 'setup_intent.requires_action', object: { kind: 'setup_intent', record: waiting } },
      request,
    );
    return waiting;
  }

  /**
   * Checks the customer's answer to the microdeposits: the right one succeeds the SetupIntent
   * with its mandate; a wrong one is counted and refused, and the last allowed wrong one (or
   * Stripe's test values for too many attempts and for a timeout) sends it back to
   * `requires_payment_method` with `last_setup_error`.
   */
  async verifyMicrodeposits(
    merchantId: string,
    id: string,
    answer: MicrodepositAnswer,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const intent = await this.get(merchantId, id);
    const pending = intent.microdeposits;
    if (intent.status !== 'requires_action' || pending === null || intent.paymentMethod === null)
      throw unexpectedState('verify', intent.status);
    const judgement = judge(answer);
    if (judgement.kind === 'verified') {
      const paymentMethod = await this.paymentMethods.get(merchantId, intent.paymentMethod, 'intent');
      const next: SetupIntent = { ...intent, microdeposits: null };
      return this.db.transaction().execute(async (trx) => {
        await this.paymentMethods.markVerified(trx, merchantId, paymentMethod.id);
        return this.succeed(trx, merchantId, intent, next, paymentMethod, pending.acceptance, request);
      });
    }
    const failures = pending.failures + 1;
    const ended = judgement.kind === 'ended' ? judgement : failures >= maxFailures ? exceeded : undefined;
    if (ended === undefined) {
      const counted: SetupIntent = { ...intent, microdeposits: { ...pending, failures } };
      await this.db
        .transaction()
        .execute((trx) => this.store.move(trx, merchantId, intent, counted, 'verify'));
      throw verificationError(judgement.code, judgement.message);
    }
    const failed: SetupIntent = {
      ...intent,
      status: 'requires_payment_method',
      paymentMethod: null,
      microdeposits: null,
      lastSetupError: { code: ended.code, message: ended.message },
    };
    await this.db.transaction().execute(async (trx) => {
      await this.store.move(trx, merchantId, intent, failed, 'verify');
      await this.events.record(
        trx,
        merchantId,
        { type: 'setup_intent.setup_failed', object: { kind: 'setup_intent', record: failed } },
        request,
      );
    });
    throw verificationError(ended.code, ended.message);
  }

  /**
   * The writes of a successful confirmation, in the caller's transaction: the mandate, the
   * attempt, the PaymentMethod attached to the customer, the SetupIntent (read as `intent`,
   * with the request's changes in `next`) succeeded, and their events.
   */
  private async succeed(
    trx: Kysely<Database>,
    merchantId: string,
    intent: SetupIntent,
    next: SetupIntent,
    paymentMethod: PaymentMethod,
    accepted: CustomerAcceptance,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const mandate = await this.mandates.insert(trx, merchantId, paymentMethod.id, accepted);
    const attempt = await this.attempts.insertSucceeded(trx, merchantId, {
      setupIntent: intent.id,
      customer: intent.customer,
      paymentMethod: paymentMethod.id,
      usage: intent.usage,
    });
    const succeeded: SetupIntent = {
      ...next,
      status: 'succeeded',
      paymentMethod: paymentMethod.id,
      mandate: mandate.id,
      latestAttempt: attempt.id,
    };
    await this.store.move(trx, merchantId, intent, succeeded, 'confirm');
    if (intent.customer !== null)
      await this.paymentMethods.attachIn(trx, merchantId, paymentMethod, intent.customer, request);
    await this.events.record(
      trx,
      merchantId,
      { type: 'setup_intent.succeeded', object: { kind: 'setup_intent', record: succeeded } },
      request,
    );
    return succeeded;
  }

  async update(merchantId: string, id: string, input: UpdateSetupIntentInput): Promise<SetupIntent> {
    const intent = await this.get(merchantId, id);
    if (!canChange(intent.status)) throw unexpectedState('update', intent.status);
    if (input.customer !== undefined && intent.customer !== null && input.customer !== intent.customer) {
      throw invalidRequest(
        'You cannot change the customer of a SetupIntent once it is set.',
        'customer',
        'setup_intent_invalid_parameter',
      );
    }
    const customer = input.customer ?? intent.customer;
    if (customer !== null) await this.customers.getLive(merchantId, customer, 'customer');
    const chosen = await chooseFor(this.paymentMethods, merchantId, input, customer);
    const paymentMethod = chosen?.existing ?? chosen?.built?.record;
    // A customer set on a SetupIntent that has a PaymentMethod must be its account's holder too.
    if (!chosen && customer !== intent.customer && intent.paymentMethod !== null)
      await existingFor(this.paymentMethods, merchantId, intent.paymentMethod, customer);
    const next: SetupIntent = {
      ...intent,
      customer,
      paymentMethod: paymentMethod?.id ?? intent.paymentMethod,
      description: input.description === undefined ? intent.description : input.description,
      verificationMethod: input.verificationMethod ?? intent.verificationMethod,
      metadata: mergeMetadata(intent.metadata, input.metadata),
    };
    next.status = next.paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation';
    await this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      await this.store.move(trx, merchantId, intent, next, 'update');
    });
    // Stripe has no event for an update of a SetupIntent.
    return next;
  }

  async cancel(
    merchantId: string,
    id: string,
    reason: SetupIntent['cancellationReason'],
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const intent = await this.get(merchantId, id);
    if (!canCancel(intent.status)) throw unexpectedState('cancel', intent.status);
    const canceled: SetupIntent = { ...intent, status: 'canceled', cancellationReason: reason };
    await this.db.transaction().execute(async (trx) => {
      await this.store.move(trx, merchantId, intent, canceled, 'cancel');
      await this.events.record(
        trx,
        merchantId,
        { type: 'setup_intent.canceled', object: { kind: 'setup_intent', record: canceled } },
        request,
      );
    });
    return canceled;
  }
}

/** The parameter that named the PaymentMethod a confirmation uses. */
function paymentParam(choice: PaymentMethodChoice): string {
  return choice.paymentMethodData ? 'payment_method_data' : 'payment_method';
}

function missingPaymentMethod() {
  return invalidRequest(
    "You cannot confirm this SetupIntent because it's missing a payment method. Update it with a payment method, or confirm it with payment_method or payment_method_data.",
    undefined,
    'setup_intent_unexpected_state',
  );
}
