import type { InstitutionConnector } from './bank/connector.ts';
import type { SandboxControl } from './bank/sandbox-control.ts';
import { BalanceTransactions } from './domain/balance/balance-transactions.ts';
import { TopupSettlement } from './domain/balance/topup-settlement.ts';
import { TopupService } from './domain/balance/topups.ts';
import { TransferService } from './domain/balance/transfers.ts';
import { CustomerService } from './domain/customers/service.ts';
import { DashboardSessions } from './domain/dashboard/sessions.ts';
import { EventLog } from './domain/events/log.ts';
import { AccountData } from './domain/financial-connections/account-data.ts';
import { AccountLinking } from './domain/financial-connections/account-linking.ts';
import { AccountNumberSync } from './domain/financial-connections/account-numbers.ts';
import { AccountService, AuthorizationService } from './domain/financial-connections/accounts.ts';
import { BankSync } from './domain/financial-connections/bank-sync.ts';
import { SessionCompletion } from './domain/financial-connections/completion.ts';
import { FlowService } from './domain/financial-connections/flow.ts';
import { FlowReader } from './domain/financial-connections/flow-reader.ts';
import { FlowStore } from './domain/financial-connections/flow-store.ts';
import { HolderTime } from './domain/financial-connections/holder-time.ts';
import { HostedAccess } from './domain/financial-connections/hosted-access.ts';
import { HostedLinks } from './domain/financial-connections/hosted-links.ts';
import { HostedMail } from './domain/financial-connections/hosted-mail.ts';
import { HostedSessions } from './domain/financial-connections/hosted-sessions.ts';
import { InstitutionService } from './domain/financial-connections/institutions.ts';
import { Lifecycle } from './domain/financial-connections/lifecycle.ts';
import { SandboxShortcut } from './domain/financial-connections/sandbox-shortcut.ts';
import { runsWhenAdvanced, ScheduledSync } from './domain/financial-connections/scheduled-sync.ts';
import { SessionService } from './domain/financial-connections/sessions.ts';
import { Simulator } from './domain/financial-connections/simulate.ts';
import { TransactionService } from './domain/financial-connections/transactions.ts';
import { IdempotencyService } from './domain/idempotency/service.ts';
import { ConnectedAccountService } from './domain/merchants/connected-accounts.ts';
import { MerchantService } from './domain/merchants/service.ts';
import { AchDebits } from './domain/payments/ach-debit.ts';
import { AchSettlement } from './domain/payments/ach-settlement.ts';
import { ChargeStore } from './domain/payments/charges.ts';
import { MandateService } from './domain/payments/mandates.ts';
import { PaymentIntentStore } from './domain/payments/payment-intent-store.ts';
import { PaymentIntentService } from './domain/payments/payment-intents.ts';
import { PaymentMethodsFollowNumbers } from './domain/payments/payment-method-follow.ts';
import { PaymentMethodStore } from './domain/payments/payment-method-store.ts';
import { PaymentMethodService } from './domain/payments/payment-methods.ts';
import { SetupAttemptLog } from './domain/payments/setup-attempts.ts';
import { SetupIntentStore } from './domain/payments/setup-intent-store.ts';
import { SetupIntentService } from './domain/payments/setup-intents.ts';
import { BankAccountTokens } from './domain/payouts/bank-account-tokens.ts';
import { ExternalAccountStore } from './domain/payouts/external-account-store.ts';
import { ExternalAccountService } from './domain/payouts/external-accounts.ts';
import { LinkedBankStates } from './domain/payouts/linked-bank-states.ts';
import { PayoutSettlement } from './domain/payouts/payout-settlement.ts';
import { PayoutService } from './domain/payouts/payouts.ts';
import { RequestLogStore } from './domain/request-logs/log.ts';
import { RequestLogWriter } from './domain/request-logs/writer.ts';
import { SandboxClocks } from './domain/sandbox-clock/clocks.ts';
import { WebhookEndpointService } from './domain/webhook-endpoints/service.ts';
import type { Mailer } from './mail/mailer.ts';
import type { Store } from './store/open.ts';
import type { SecretBox } from './store/secrets.ts';
import { CliResends, CliSessions, cliResendChannel } from './webhooks/cli-sessions.ts';
import { DeliveryLog } from './webhooks/deliveries.ts';
import { Outbox } from './webhooks/outbox.ts';
import { WakeSignal } from './webhooks/signal.ts';

/** Every service, built once at start-up and handed to the routes. */
export interface Services {
  merchants: MerchantService;
  /** The connected accounts platforms make, and which of them a request may act as. */
  connectedAccounts: ConnectedAccountService;
  idempotency: IdempotencyService;
  customers: CustomerService;
  institutions: InstitutionService;
  accounts: AccountService;
  authorizations: AuthorizationService;
  sessions: SessionService;
  /** Links to hosted sessions, and the mail that carries them. */
  hostedLinks: HostedLinks;
  hostedMail: HostedMail;
  /** Opening a hosted link, and asking for a new one. */
  hostedAccess: HostedAccess;
  completion: SessionCompletion;
  /** The account holder's flow through a session, one step at a time. */
  flow: FlowService;
  lifecycle: Lifecycle;
  bank: BankSync;
  /** Refreshes of balances, owners and transactions, run in the background. */
  accountData: AccountData;
  /** Reading refreshed transactions and ownership snapshots. */
  transactions: TransactionService;
  /** The account numbers of accounts linked for payments, sealed at rest. */
  accountNumbers: AccountNumberSync;
  /** Makes bank-side facts happen at the sandbox bank, for the test helpers. */
  simulator: Simulator;
  /** openfc's sandbox clock per merchant. */
  clocks: SandboxClocks;
  /** The merchant-visible log of changes. */
  events: EventLog;
  webhookEndpoints: WebhookEndpointService;
  /** The webhook deliveries that events queue, for workers to send. */
  outbox: Outbox;
  /** Webhook deliveries and their attempts, as the dashboard shows them. */
  deliveries: DeliveryLog;
  /** The API requests merchants made, for the dashboard's logs. */
  requestLogs: RequestLogStore;
  /** Writes answered requests to `requestLogs` in batches, off the request path. */
  requestLogWriter: RequestLogWriter;
  /** Signed-in dashboards. */
  dashboardSessions: DashboardSessions;
  /** Wakes the delivery worker and event listeners when events are written. */
  signal: WakeSignal;
  /** Sessions of `stripe listen` and `openfc listen`, and their signing secret. */
  cliSessions: CliSessions;
  /** Events sent again to the listening CLI sessions (here, and notified to other processes). */
  cliResends: CliResends;
  /** What openfc does on its own, on a timer: due refreshes and bank checks. */
  scheduled: ScheduledSync;
  /** `us_bank_account` PaymentMethods built on linked accounts. */
  paymentMethods: PaymentMethodService;
  mandates: MandateService;
  setupIntents: SetupIntentService;
  setupAttempts: SetupAttemptLog;
  paymentIntents: PaymentIntentService;
  /** The charges of ACH debits, read-only from the API. */
  charges: ChargeStore;
  /** Movements of each merchant's funds, read-only from the API. */
  balanceTransactions: BalanceTransactions;
  /** Settles ACH debits that fell due on a merchant's sandbox clock. */
  achSettlement: AchSettlement;
  /** Funds platforms add to their balance from their bank accounts. */
  topups: TopupService;
  /** Settles top-ups that fell due on a merchant's sandbox clock. */
  topupSettlement: TopupSettlement;
  /** Funds platforms send to their connected accounts. */
  transfers: TransferService;
  /** Single-use tokens of bank accounts linked for connected accounts. */
  bankAccountTokens: BankAccountTokens;
  /** Connected accounts' bank accounts for payouts. */
  externalAccounts: ExternalAccountService;
  /** Funds accounts send to their bank accounts. */
  payouts: PayoutService;
  /** Moves payouts on (in transit, paid or failed) as a merchant's sandbox clock passes. */
  payoutSettlement: PayoutSettlement;
}

export interface BankParts {
  connector: InstitutionConnector;
  secrets: SecretBox;
  sandboxControl: SandboxControl;
  /** How long (on the merchant's clock) before openfc asks the bank again about a connection. */
  bankCheckSeconds: number;
  /** Business days (on the merchant's clock) before an ACH debit settles. */
  achSettlementDays: number;
}

/** How hosted sessions reach their holders. */
export interface HostedOptions {
  mailer: Mailer;
  /** The URL hosted links start with, when openfc is reached at another address than its own. */
  publicUrl: string | undefined;
}

export function createServices(
  store: Store,
  defaultApiVersion: string,
  parts: BankParts,
  hosted: HostedOptions,
): Services {
  const { db } = store;
  const signal = new WakeSignal();
  const outbox = new Outbox(db, store.caps, signal);
  const events = new EventLog(db, outbox);
  const customers = new CustomerService(db, events);
  const institutions = new InstitutionService();
  const accounts = new AccountService(db, events);
  const authorizations = new AuthorizationService(db);
  const lifecycle = new Lifecycle();
  const clocks = new SandboxClocks(db);
  // Bank accounts for payouts follow the linked accounts under them.
  const externalAccountStore = new ExternalAccountStore(db);
  const linkedBankStates = new LinkedBankStates(externalAccountStore, parts.secrets, events);
  const bank = new BankSync(db, parts.connector, parts.secrets, lifecycle, clocks, events, [
    linkedBankStates,
  ]);
  const hostedLinks = new HostedLinks(db, parts.secrets, hosted.publicUrl);
  const hostedMail = new HostedMail(hostedLinks, hosted.mailer);
  const hostedSessions = new HostedSessions({
    customers,
    accounts,
    links: hostedLinks,
    mail: hostedMail,
    clocks,
  });
  const connectedAccounts = new ConnectedAccountService(db, events, externalAccountStore);
  const sessions = new SessionService(
    db,
    customers,
    connectedAccounts,
    accounts,
    authorizations,
    institutions,
    hostedSessions,
  );
  const merchants = new MerchantService(db, defaultApiVersion, parts.secrets);
  const hostedAccess = new HostedAccess({
    links: hostedLinks,
    mail: hostedMail,
    sessions,
    merchants,
    customers,
    authorizations,
    clocks,
  });
  const accountData = new AccountData(db, accounts, bank, clocks, events);
  const paymentMethodStore = new PaymentMethodStore(db);
  const accountNumbers = new AccountNumberSync(db, bank, parts.secrets, events, [
    new PaymentMethodsFollowNumbers(paymentMethodStore, events),
    linkedBankStates,
  ]);
  const bankAccountTokens = new BankAccountTokens(db, sessions, accountNumbers);
  const linking = new AccountLinking(db, sessions, lifecycle, bank, accountData, accountNumbers, events, [
    bankAccountTokens,
  ]);
  const holderTime = new HolderTime(db, clocks, parts.sandboxControl);
  const flowStore = new FlowStore(db, parts.secrets);
  const flow = new FlowService(
    new FlowReader(sessions, accounts, authorizations, institutions, flowStore),
    flowStore,
    parts.connector,
    linking,
    holderTime,
    parts.sandboxControl,
  );
  const mandates = new MandateService(db, events);
  const paymentMethods = new PaymentMethodService(
    db,
    paymentMethodStore,
    accounts,
    accountNumbers,
    customers,
    mandates,
    events,
    parts.secrets,
  );
  const setupAttempts = new SetupAttemptLog(db);
  const paymentIntentStore = new PaymentIntentStore(db);
  const charges = new ChargeStore(db);
  const balanceTransactions = new BalanceTransactions(db, clocks, store.caps);
  const achSettlement = new AchSettlement(
    db,
    paymentIntentStore,
    charges,
    balanceTransactions,
    paymentMethods,
    events,
  );
  const topupSettlement = new TopupSettlement(db, balanceTransactions, events);
  const requestLogs = new RequestLogStore(db);
  const externalAccounts = new ExternalAccountService(
    db,
    externalAccountStore,
    connectedAccounts,
    bankAccountTokens,
    linkedBankStates,
    events,
  );
  const payoutSettlement = new PayoutSettlement(db, balanceTransactions, externalAccounts, events);
  // Work that falls due on a merchant's sandbox clock: run on the scheduler's passes, and at once
  // when the clock is advanced.
  const dueWork = [achSettlement, topupSettlement, payoutSettlement];
  return {
    merchants,
    connectedAccounts,
    idempotency: new IdempotencyService(db, parts.secrets),
    customers,
    institutions,
    accounts,
    authorizations,
    sessions,
    hostedLinks,
    hostedMail,
    hostedAccess,
    completion: new SessionCompletion(
      sessions,
      accounts,
      authorizations,
      linking,
      flow,
      new SandboxShortcut(db, parts.connector, holderTime),
      parts.sandboxControl,
    ),
    flow,
    lifecycle,
    bank,
    accountData,
    transactions: new TransactionService(db, accounts),
    accountNumbers,
    simulator: new Simulator(
      db,
      parts.sandboxControl,
      bank,
      accounts,
      authorizations,
      accountNumbers,
      clocks,
      accountData,
      [outbox, ...dueWork.map((work) => runsWhenAdvanced(work, clocks))],
    ),
    clocks,
    events,
    webhookEndpoints: new WebhookEndpointService(db, parts.secrets),
    outbox,
    deliveries: new DeliveryLog(db),
    requestLogs,
    requestLogWriter: new RequestLogWriter(requestLogs),
    dashboardSessions: new DashboardSessions(db),
    signal,
    cliSessions: new CliSessions(parts.secrets),
    cliResends: new CliResends((payload) => store.caps.notify(db, cliResendChannel, payload)),
    scheduled: new ScheduledSync(db, clocks, bank, accountData, parts.bankCheckSeconds, dueWork),
    paymentMethods,
    mandates,
    setupIntents: new SetupIntentService(
      db,
      new SetupIntentStore(db),
      customers,
      paymentMethods,
      mandates,
      setupAttempts,
      events,
      clocks,
    ),
    setupAttempts,
    paymentIntents: new PaymentIntentService(
      db,
      paymentIntentStore,
      customers,
      paymentMethods,
      new AchDebits(
        paymentIntentStore,
        charges,
        paymentMethods,
        mandates,
        clocks,
        events,
        parts.achSettlementDays,
      ),
      events,
    ),
    charges,
    balanceTransactions,
    achSettlement,
    topups: new TopupService(db, clocks, events, parts.achSettlementDays),
    topupSettlement,
    transfers: new TransferService(db, balanceTransactions, connectedAccounts, clocks, events),
    bankAccountTokens,
    externalAccounts,
    payouts: new PayoutService(db, balanceTransactions, externalAccountStore, clocks, events),
    payoutSettlement,
  };
}
