import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { invalidRequest } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import type { SandboxClocks } from '../sandbox-clock/clocks.ts';
import type { ChargeStore } from './charges.ts';
import type { CustomerAcceptance, Mandate, MandateService } from './mandates.ts';
import { arrivalDate } from './microdeposits.ts';
import { afterBusinessDays, unexpectedState } from './payment-intent-rules.ts';
import type { PaymentIntent, PaymentIntentStore, PendingMandate } from './payment-intent-store.ts';
import { checkVerified, choose } from './payment-method-choice.ts';
import type { PaymentMethod } from './payment-method-store.ts';
import type { NewPaymentMethod, PaymentMethodInput, PaymentMethodService } from './payment-methods.ts';
import { type AcceptanceInput, acceptanceOf } from './setup-rules.ts';

/** What a confirmation names: the PaymentMethod to debit, and the mandate that allows it. */
export interface DebitInput {
  paymentMethod?: string | undefined;
  paymentMethodData?: PaymentMethodInput | undefined;
  mandate?: string | undefined;
  mandateData?: AcceptanceInput | undefined;
  verificationMethod?: 'automatic' | 'instant' | undefined;
}

/** The PaymentMethod a request uses, and whether the request builds it. */
export interface ChosenPaymentMethod {
  paymentMethod: PaymentMethod;
  built?: NewPaymentMethod | undefined;
}

/** A debit checked and ready to send: nothing of it is written yet. */
export interface CheckedDebit {
  paymentMethod: PaymentMethod;
  /** A PaymentMethod the request builds, written with the debit. */
  built?: NewPaymentMethod | undefined;
  /** The merchant's clock when checked, and when the debit settles on it. */
  checkedAt: number;
  settlesAt: number;
  /** The mandate it is made under: an existing one, or the customer's acceptance of a new one. */
  mandate: { existing: Mandate } | { accepted: CustomerAcceptance };
}

/**
 * Sending an ACH debit for a PaymentIntent: the checks Stripe makes on confirmation, then a
 * pending charge that settles after `settlementDays` business days on the merchant's clock.
 */
export class AchDebits {
  constructor(
    private readonly intents: PaymentIntentStore,
    private readonly charges: ChargeStore,
    private readonly paymentMethods: PaymentMethodService,
    private readonly mandates: MandateService,
    private readonly clocks: SandboxClocks,
    private readonly events: EventLog,
    private readonly settlementDays: number,
  ) {}

  /**
   * The PaymentMethod a request names (an existing one, or one it builds, unwritten), or the
   * intent's own; undefined when there is none.
   */
  async chosen(
    merchantId: string,
    intent: Pick<PaymentIntent, 'paymentMethod'>,
    input: Pick<DebitInput, 'paymentMethod' | 'paymentMethodData'>,
  ): Promise<ChosenPaymentMethod | undefined> {
    const chosen = await choose(this.paymentMethods, merchantId, input);
    if (chosen?.built) return { paymentMethod: chosen.built.record, built: chosen.built };
    const id = chosen?.existing ?? intent.paymentMethod;
    return id === null ? undefined : { paymentMethod: await this.paymentMethods.get(merchantId, id) };
  }

  /**
   * Refuses, as Stripe does, a debit that cannot be sent; changes nothing. `known` is the
   * PaymentMethod the caller already chose from `input`.
   */
  async check(
    merchantId: string,
    intent: PaymentIntent,
    input: DebitInput,
    known?: ChosenPaymentMethod,
  ): Promise<CheckedDebit> {
    const chosen = known ?? (await this.chosen(merchantId, intent, input));
    if (!chosen) {
      throw invalidRequest(
        "You cannot confirm this PaymentIntent because it's missing a payment method. Update it with a payment method, or confirm it with payment_method or payment_method_data.",
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const { paymentMethod, built } = chosen;
    const id = paymentMethod.id;
    const param = input.paymentMethodData ? 'payment_method_data' : 'payment_method';
    await this.paymentMethods.usableAccount(merchantId, paymentMethod, param);
    checkVerified(paymentMethod, param, input.verificationMethod);
    if (paymentMethod.customer !== null && paymentMethod.customer !== intent.customer) {
      throw invalidRequest(
        intent.customer === null
          ? `The PaymentMethod ${id} is attached to a customer: pass that customer with the PaymentIntent to use it.`
          : `The PaymentMethod ${id} is attached to another customer than '${intent.customer}' and cannot be used with this PaymentIntent.`,
        'payment_method',
        'payment_intent_invalid_parameter',
      );
    }
    const mandate = await this.mandateFor(merchantId, paymentMethod, input);
    const now = await this.clocks.now(merchantId);
    return {
      paymentMethod,
      built,
      mandate,
      checkedAt: now,
      settlesAt: afterBusinessDays(now, this.settlementDays),
    };
  }

  /**
   * The debit a PaymentIntent waiting for microdeposits was confirmed with, checked again now
   * that they verified: its PaymentMethod and mandate as they are, settling from now.
   */
  async resumed(merchantId: string, intent: PaymentIntent, pending: PendingMandate): Promise<CheckedDebit> {
    if (intent.paymentMethod === null) throw unexpectedState('verify', intent.status);
    const paymentMethod = await this.paymentMethods.get(merchantId, intent.paymentMethod, 'intent');
    const mandate =
      'existing' in pending
        ? { existing: await this.mandates.get(merchantId, pending.existing) }
        : { accepted: pending.accepted };
    const now = await this.clocks.now(merchantId);
    return {
      paymentMethod,
      mandate,
      checkedAt: now,
      settlesAt: afterBusinessDays(now, this.settlementDays),
    };
  }

  private async mandateFor(merchantId: string, paymentMethod: PaymentMethod, input: DebitInput) {
    if (input.mandate !== undefined && input.mandateData !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: mandate, mandate_data.',
        'mandate_data',
        'parameters_exclusive',
      );
    }
    if (input.mandateData !== undefined) return { accepted: acceptanceOf(input.mandateData) };
    if (input.mandate !== undefined) {
      const mandate = await this.mandates.get(merchantId, input.mandate);
      if (mandate.paymentMethod !== paymentMethod.id || mandate.status !== 'active') {
        throw invalidRequest(
          mandate.paymentMethod !== paymentMethod.id
            ? `The mandate ${mandate.id} is for another PaymentMethod than ${paymentMethod.id}.`
            : `The mandate ${mandate.id} is ${mandate.status}: the customer no longer allows debits under it. Collect a new mandate with mandate_data.`,
          'mandate',
          'payment_intent_mandate_invalid',
        );
      }
      return { existing: mandate };
    }
    const active = await this.mandates.activeFor(merchantId, paymentMethod.id);
    if (active) return { existing: active };
    throw invalidRequest(
      `The PaymentMethod ${paymentMethod.id} has no active mandate: confirm with mandate_data[customer_acceptance] (or set it up with a SetupIntent first).`,
      'mandate_data',
      'parameter_missing',
    );
  }

  /**
   * Sends the checked debit in the caller's transaction, or, on numbers entered by hand and not
   * yet verified, holds it: the PaymentIntent waits in `requires_action` for the microdeposits,
   * with the mandate to debit under once they verify, and nothing is debited yet.
   */
  async send(
    trx: Kysely<Database>,
    merchantId: string,
    intent: PaymentIntent,
    debit: CheckedDebit,
    request?: RequestRef,
  ): Promise<PaymentIntent> {
    const { paymentMethod } = debit;
    if (debit.built) await this.paymentMethods.insert(trx, debit.built);
    if (paymentMethod.entered === null || paymentMethod.entered.verified)
      return this.debit(trx, merchantId, intent, debit, request);
    const waiting: PaymentIntent = {
      ...intent,
      status: 'requires_action',
      paymentMethod: paymentMethod.id,
      lastPaymentError: null,
      microdeposits: {
        arrivalDate: arrivalDate(debit.checkedAt),
        failures: 0,
        mandate:
          'existing' in debit.mandate
            ? { existing: debit.mandate.existing.id }
            : { accepted: debit.mandate.accepted },
      },
    };
    await this.intents.move(trx, merchantId, intent, waiting, 'confirm');
    await this.events.record(
      trx,
      merchantId,
      { type: 'payment_intent.requires_action', object: { kind: 'payment_intent', record: waiting } },
      request,
    );
    return waiting;
  }

  /**
   * Debits in the caller's transaction: the mandate if new, a pending charge, the PaymentIntent
   * `processing` until it settles, and their events.
   */
  async debit(
    trx: Kysely<Database>,
    merchantId: string,
    intent: PaymentIntent,
    debit: CheckedDebit,
    request?: RequestRef,
  ): Promise<PaymentIntent> {
    const { paymentMethod } = debit;
    const mandate =
      'existing' in debit.mandate
        ? debit.mandate.existing
        : await this.mandates.insert(trx, merchantId, paymentMethod.id, debit.mandate.accepted);
    const bank = paymentMethod.usBankAccount;
    const charge = await this.charges.insertPending(trx, merchantId, {
      paymentIntent: intent.id,
      amount: intent.amount,
      currency: intent.currency,
      customer: intent.customer,
      paymentMethod: paymentMethod.id,
      mandate: mandate.id,
      description: intent.description,
      debited: {
        accountHolderType: bank.accountHolderType,
        accountType: bank.accountType,
        bankName: bank.bankName,
        fingerprint: bank.fingerprint,
        last4: bank.last4,
        routingNumber: bank.routingNumber,
      },
    });
    const processing: PaymentIntent = {
      ...intent,
      status: 'processing',
      paymentMethod: paymentMethod.id,
      mandate: mandate.id,
      latestCharge: charge.id,
      lastPaymentError: null,
      microdeposits: null,
      settlesAt: debit.settlesAt,
    };
    await this.intents.move(trx, merchantId, intent, processing, 'confirm');
    await this.events.record(
      trx,
      merchantId,
      { type: 'charge.pending', object: { kind: 'charge', record: charge } },
      request,
    );
    await this.events.record(
      trx,
      merchantId,
      { type: 'payment_intent.processing', object: { kind: 'payment_intent', record: processing } },
      request,
    );
    return processing;
  }
}
