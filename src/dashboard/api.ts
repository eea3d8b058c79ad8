import type {
  Account,
  AccountView,
  ApiErrorBody,
  Authorization,
  AuthorizationView,
  Balance,
  BalanceTransaction,
  ClockView,
  ConnectedAccount,
  ConnectedAccountView,
  Customer,
  CustomerView,
  EndpointView,
  EventView,
  FlowProgress,
  Institution,
  List,
  LogFilters,
  PaymentKind,
  PaymentObject,
  PaymentView,
  Payout,
  RequestLog,
  RequestLogSummary,
  Session,
  SessionInfo,
  StripeEvent,
  Topup,
  Transfer,
  WebhookEndpoint,
} from './types.ts';

/** Raised for any answer that is not a 2xx; carries the Stripe-shaped error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiErrorBody,
  ) {
    super(error.message);
  }
}

const base = '/dashboard/api';
const timeoutMs = 30_000;

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    ...init,
    credentials: 'same-origin',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: ApiErrorBody };
  if (!response.ok) {
    throw new ApiError(
      response.status,
      body.error ?? { type: 'api_error', message: 'openfc did not answer.' },
    );
  }
  return body as T;
}

/** A list's cursors, page size and filters, as the page's address has them. */
export interface PageQuery {
  starting_after?: string;
  ending_before?: string;
  [filter: string]: string | undefined;
}

function listPath(path: string, page: PageQuery): string {
  const query = new URLSearchParams(page as Record<string, string>).toString();
  return query ? `${path}?${query}` : path;
}

/** Signing in: the key goes to openfc once and is kept nowhere in the browser. */
export function signIn(key: string): Promise<SessionInfo> {
  return request('/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
}

/** The session the cookie stands for, if any. */
export async function currentSession(): Promise<SessionInfo | undefined> {
  try {
    return await request<SessionInfo>('/session');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

/** The calls of a signed-in page; changes carry the session's CSRF token. */
export class DashboardApi {
  constructor(private readonly csrfToken: string) {}

  private change<T>(path: string, body: Record<string, string> = {}): Promise<T> {
    return request<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openfc-csrf': this.csrfToken },
      body: JSON.stringify(body),
    });
  }

  signOut(): Promise<unknown> {
    return this.change('/session/end');
  }

  accounts(page: PageQuery): Promise<List<Account>> {
    return request(listPath('/accounts', page));
  }

  account(id: string): Promise<AccountView> {
    return request(`/accounts/${encodeURIComponent(id)}`);
  }

  simulate(id: string, target: 'account' | 'authorization', event: string): Promise<AccountView> {
    const action = target === 'account' ? 'simulate' : 'simulate-authorization';
    return this.change(`/accounts/${encodeURIComponent(id)}/${action}`, { event });
  }

  customers(page: PageQuery): Promise<List<Customer>> {
    return request(listPath('/customers', page));
  }

  customer(id: string): Promise<CustomerView> {
    return request(`/customers/${encodeURIComponent(id)}`);
  }

  authorization(id: string): Promise<AuthorizationView> {
    return request(`/authorizations/${encodeURIComponent(id)}`);
  }

  session(id: string): Promise<{ session: Session; flow: FlowProgress | null }> {
    return request(`/sessions/${encodeURIComponent(id)}`);
  }

  sandboxClock(seconds: number | undefined): Promise<ClockView> {
    return request(seconds === undefined ? '/sandbox-clock' : `/sandbox-clock?seconds=${seconds}`);
  }

  advanceClock(seconds: number): Promise<ClockView> {
    return this.change('/sandbox-clock/advance', { seconds: String(seconds) });
  }

  linkAccount(customer: string): Promise<{ session: Session }> {
    return this.change(`/customers/${encodeURIComponent(customer)}/link`);
  }

  startRelink(account: string): Promise<{ session: Session }> {
    return this.change(`/accounts/${encodeURIComponent(account)}/relink`);
  }

  payments(kind: PaymentKind, page: PageQuery): Promise<List<PaymentObject>> {
    return request(listPath(`/${kind}`, page));
  }

  payment(kind: PaymentKind, id: string): Promise<PaymentView> {
    return request(`/${kind}/${encodeURIComponent(id)}`);
  }

  events(page: PageQuery): Promise<List<StripeEvent>> {
    return request(listPath('/events', page));
  }

  event(id: string): Promise<EventView> {
    return request(`/events/${encodeURIComponent(id)}`);
  }

  resend(id: string): Promise<EventView> {
    return this.change(`/events/${encodeURIComponent(id)}/resend`);
  }

  sessions(page: PageQuery): Promise<List<Session>> {
    return request(listPath('/sessions', page));
  }

  authorizations(page: PageQuery): Promise<List<Authorization>> {
    return request(listPath('/authorizations', page));
  }

  institutions(): Promise<List<Institution>> {
    return request('/institutions');
  }

  webhookEndpoints(page: PageQuery): Promise<List<WebhookEndpoint>> {
    return request(listPath('/webhook-endpoints', page));
  }

  webhookEndpoint(id: string): Promise<EndpointView> {
    return request(`/webhook-endpoints/${encodeURIComponent(id)}`);
  }

  /** "Disable" and "Enable": the endpoint's update, as `POST /v1/webhook_endpoints/{id}` makes it. */
  setEndpointEnabled(id: string, enabled: boolean): Promise<EndpointView> {
    return this.change(`/webhook-endpoints/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`);
  }

  logs(query: PageQuery & LogFilters): Promise<List<RequestLogSummary>> {
    return request(listPath('/logs', query));
  }

  /** A request's log, or undefined when the merchant has none with this id. */
  async log(id: string): Promise<RequestLog | undefined> {
    try {
      return (await request<{ log: RequestLog }>(`/logs/${encodeURIComponent(id)}`)).log;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  balance(): Promise<{ balance: Balance }> {
    return request('/balance');
  }

  balanceTransactions(page: PageQuery): Promise<List<BalanceTransaction>> {
    return request(listPath('/balance-transactions', page));
  }

  topups(page: PageQuery): Promise<List<Topup>> {
    return request(listPath('/topups', page));
  }

  topup(id: string): Promise<{ topup: Topup }> {
    return request(`/topups/${encodeURIComponent(id)}`);
  }

  transfers(page: PageQuery): Promise<List<Transfer>> {
    return request(listPath('/transfers', page));
  }

  transfer(id: string): Promise<{ transfer: Transfer }> {
    return request(`/transfers/${encodeURIComponent(id)}`);
  }

  connectedAccounts(page: PageQuery): Promise<List<ConnectedAccount>> {
    return request(listPath('/connected-accounts', page));
  }

  connectedAccount(id: string): Promise<ConnectedAccountView> {
    return request(`/connected-accounts/${encodeURIComponent(id)}`);
  }

  accountPayouts(account: string, page: PageQuery): Promise<List<Payout>> {
    return request(listPath(`/connected-accounts/${encodeURIComponent(account)}/payouts`, page));
  }

  payout(account: string, id: string): Promise<{ payout: Payout }> {
    return request(`/connected-accounts/${encodeURIComponent(account)}/payouts/${encodeURIComponent(id)}`);
  }
}
