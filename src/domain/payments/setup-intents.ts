import type { Kysely, Selectable } from 'kysely';
import { type TimeRange, within } from '../../store/filters.ts';
import type { Database, SetupIntentsTable } from '../../store/schema.ts';
import type { CustomerService } from '../customers/service.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { newId, newSecret } from '../ids.ts';
import { mergeMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import type { MandateService } from './mandates.ts';
import type {
  NewPaymentMethod,
  PaymentMethod,
  PaymentMethodInput,
  PaymentMethodService,
} from './payment-methods.ts';
import type { SetupAttemptLog } from './setup-attempts.ts';
import {
  type AcceptanceInput,
  acceptanceOf,
  canChange,
  canConfirm,
  checkHolder,
  type SetupIntentStatus,
  sameSecret,
  unexpectedState,
} from './setup-rules.ts';

export interface SetupIntent {
  id: string;
  created: number;
  clientSecret: string;
  customer: string | null;
  paymentMethod: string | null;
  status: SetupIntentStatus;
  usage: SetupIntentsTable['usage'];
  description: string | null;
  verificationMethod: SetupIntentsTable['verification_method'];
  metadata: Record<string, string>;
  mandate: string | null;
  latestAttempt: string | null;
  cancellationReason: SetupIntentsTable['cancellation_reason'];
}

/** The payment method a request names: an existing one, or one to build from an account. */
export interface PaymentMethodChoice {
  paymentMethod?: string | undefined;
  paymentMethodData?: PaymentMethodInput | undefined;
}

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

function fromRow(row: Selectable<SetupIntentsTable>): SetupIntent {
  return {
    id: row.id,
    created: Number(row.created),
    clientSecret: row.client_secret,
    customer: row.customer_id,
    paymentMethod: row.payment_method_id,
    status: row.status,
    usage: row.usage,
    description: row.description,
    verificationMethod: row.verification_method,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    mandate: row.mandate_id,
    latestAttempt: row.latest_attempt_id,
    cancellationReason: row.cancellation_reason,
  };
}

const dataParam = 'payment_method_data[us_bank_account][financial_connections_account]';

/** SetupIntents for `us_bank_account`: the one module that writes `setup_intents`. */
export class SetupIntentService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly customers: CustomerService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly mandates: MandateService,
    private readonly attempts: SetupAttemptLog,
    private readonly events: EventLog,
  ) {}

  async get(merchantId: string, id: string, param = 'intent'): Promise<SetupIntent> {
    const row = await this.db
      .selectFrom('setup_intents')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('setupintent', id, param);
    return fromRow(row);
  }

  /** The SetupIntent, for a caller that proves it was handed its client secret. */
  async getWithSecret(merchantId: string, id: string, clientSecret: string | undefined) {
    if (clientSecret === undefined) {
      throw invalidRequest(
        'Missing required param: client_secret. A publishable key reads a SetupIntent only with its client secret.',
        'client_secret',
        'parameter_missing',
      );
    }
    const intent = await this.get(merchantId, id);
    if (!sameSecret(clientSecret, intent.clientSecret)) {
      throw invalidRequest(
        'The client_secret provided does not match the client_secret associated with the SetupIntent.',
        'client_secret',
      );
    }
    return intent;
  }

  /**
   * The PaymentMethod a request chooses, checked for this SetupIntent's customer: an existing
   * one, or one built (unwritten) from a linked account.
   */
  private async choose(
    merchantId: string,
    choice: PaymentMethodChoice,
    customer: string | null,
  ): Promise<{ existing?: PaymentMethod; built?: NewPaymentMethod } | undefined> {
    if (choice.paymentMethod !== undefined && choice.paymentMethodData !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: payment_method, payment_method_data.',
        'payment_method_data',
        'parameters_exclusive',
      );
    }
    if (choice.paymentMethodData) {
      const built = await this.paymentMethods.prepare(merchantId, choice.paymentMethodData, dataParam);
      checkHolder(built.account, customer);
      return { built };
    }
    if (choice.paymentMethod === undefined) return undefined;
    const existing = await this.paymentMethods.get(merchantId, choice.paymentMethod);
    checkHolder(await this.paymentMethods.payableAccount(merchantId, existing, 'payment_method'), customer);
    if (existing.customer !== null && existing.customer !== customer) {
      throw invalidRequest(
        `The PaymentMethod ${existing.id} is attached to another customer and cannot be used with this SetupIntent.`,
        'payment_method',
        'setup_intent_invalid_parameter',
      );
    }
    return { existing };
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
    const chosen = await this.choose(merchantId, input, customer);
    if (input.confirm) {
      if (!chosen) throw missingPaymentMethod();
      acceptanceOf(input.mandateData);
    }
    const paymentMethod = chosen?.existing ?? chosen?.built?.record;
    const id = newId('setupIntent');
    const row: Selectable<SetupIntentsTable> = {
      id,
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      client_secret: newSecret(`${id}_secret_`, 24),
      customer_id: customer,
      payment_method_id: paymentMethod?.id ?? null,
      status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
      usage: input.usage ?? 'off_session',
      description: input.description ?? null,
      verification_method: input.verificationMethod ?? 'automatic',
      metadata: JSON.stringify(mergeMetadata({}, input.metadata)),
      mandate_id: null,
      latest_attempt_id: null,
      cancellation_reason: null,
    };
    madeObject(id);
    return this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      await trx.insertInto('setup_intents').values(row).execute();
      const created = fromRow(row);
      await this.events.record(
        trx,
        merchantId,
        { type: 'setup_intent.created', object: { kind: 'setup_intent', record: created } },
        request,
      );
      if (!input.confirm || !paymentMethod) return created;
      return this.succeed(trx, merchantId, created, paymentMethod, input.mandateData, request);
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
    const chosen = await this.choose(merchantId, input, intent.customer);
    let paymentMethod = chosen?.existing ?? chosen?.built?.record;
    if (!paymentMethod && intent.paymentMethod !== null) {
      paymentMethod = await this.paymentMethods.get(merchantId, intent.paymentMethod);
      checkHolder(
        await this.paymentMethods.payableAccount(merchantId, paymentMethod, 'payment_method'),
        intent.customer,
      );
    }
    if (!paymentMethod) throw missingPaymentMethod();
    acceptanceOf(input.mandateData);
    const chosenMethod = paymentMethod;
    const before = {
      ...intent,
      verificationMethod: input.verificationMethod ?? intent.verificationMethod,
    };
    return this.db.transaction().execute(async (trx) => {
      if (chosen?.built) await this.paymentMethods.insert(trx, chosen.built);
      return this.succeed(trx, merchantId, before, chosenMethod, input.mandateData, request);
    });
  }

  /**
   * The writes of a successful confirmation, in the caller's transaction: the mandate, the
   * attempt, the PaymentMethod attached to the customer, the SetupIntent succeeded (guarded on
   * the status it was read in), and their events.
   */
  private async succeed(
    trx: Kysely<Database>,
    merchantId: string,
    intent: SetupIntent,
    paymentMethod: PaymentMethod,
    mandateData: AcceptanceInput | undefined,
    request?: RequestRef,
  ): Promise<SetupIntent> {
    const mandate = await this.mandates.insert(trx, merchantId, paymentMethod.id, acceptanceOf(mandateData));
    const attempt = await this.attempts.insertSucceeded(trx, merchantId, {
      setupIntent: intent.id,
      customer: intent.customer,
      paymentMethod: paymentMethod.id,
      usage: intent.usage,
    });
    const moved = await trx
      .updateTable('setup_intents')
      .set({
        status: 'succeeded',
        payment_method_id: paymentMethod.id,
        mandate_id: mandate.id,
        latest_attempt_id: attempt.id,
        verification_method: intent.verificationMethod,
      })
      .where('id', '=', intent.id)
      .where('merchant_id', '=', merchantId)
      .where('status', '=', intent.status)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw unexpectedState('confirm', await statusNow(trx, intent.id));
    if (intent.customer !== null)
      await this.paymentMethods.attachIn(trx, merchantId, paymentMethod, intent.customer, request);
    const succeeded: SetupIntent = {
      ...intent,
      status: 'succeeded',
      paymentMethod: paymentMethod.id,
      mandate: mandate.id,
      latestAttempt: attempt.id,
    };
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
    const chosen = await this.choose(merchantId, input, customer);
    const paymentMethod = chosen?.existing ?? chosen?.built?.record;
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
      const moved = await trx
        .updateTable('setup_intents')
        .set({
          customer_id: next.customer,
          payment_method_id: next.paymentMethod,
          description: next.description,
          verification_method: next.verificationMethod,
          metadata: JSON.stringify(next.metadata),
          status: next.status,
        })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', intent.status)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw unexpectedState('update', await statusNow(trx, id));
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
    if (!canChange(intent.status)) throw unexpectedState('cancel', intent.status);
    const canceled: SetupIntent = { ...intent, status: 'canceled', cancellationReason: reason };
    await this.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('setup_intents')
        .set({ status: 'canceled', cancellation_reason: reason })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('status', '=', intent.status)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw unexpectedState('cancel', await statusNow(trx, id));
      await this.events.record(
        trx,
        merchantId,
        { type: 'setup_intent.canceled', object: { kind: 'setup_intent', record: canceled } },
        request,
      );
    });
    return canceled;
  }

  async list(
    merchantId: string,
    filter: {
      customer?: string | undefined;
      paymentMethod?: string | undefined;
      created?: TimeRange | undefined;
    },
    page: Page,
  ): Promise<PageResult<SetupIntent>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('setup_intents').selectAll().where('merchant_id', '=', merchantId);
      if (filter.customer !== undefined) q = q.where('customer_id', '=', filter.customer);
      if (filter.paymentMethod !== undefined) q = q.where('payment_method_id', '=', filter.paymentMethod);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

/** The status another request left a SetupIntent in, after a guarded write found it moved. */
async function statusNow(trx: Kysely<Database>, id: string): Promise<string> {
  const row = await trx
    .selectFrom('setup_intents')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.status;
}

function missingPaymentMethod() {
  return invalidRequest(
    "You cannot confirm this SetupIntent because it's missing a payment method. Update it with a payment method, or confirm it with payment_method or payment_method_data.",
    undefined,
    'setup_intent_unexpected_state',
  );
}
