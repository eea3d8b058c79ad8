import type { ApiClient } from './api-client.ts';

/** The objects a scenario made: the events `openfc trigger` reports are about these. */
export interface ScenarioRun {
  objects: string[];
  /** The connected account the events belong to, when they are not the platform's own. */
  account?: string;
}

export type Say = (line: string) => void;
export type Scenario = (api: ApiClient, say: Say) => Promise<ScenarioRun>;

type Obj = Record<string, unknown>;

export const defaultInstitution = 'Test Institution';

export async function createCustomer(api: ApiClient, say: Say): Promise<string> {
  const customer = await api.post('/v1/customers', {
    email: 'trigger@example.com',
    description: 'Made by openfc trigger',
  });
  say(`Created customer ${String(customer.id)}`);
  return String(customer.id);
}

/** A customer with one account linked at `institution`, through a completed session. */
export async function linkAccount(
  api: ApiClient,
  say: Say,
  permissions = ['balances', 'payment_method'],
  institution = defaultInstitution,
) {
  const customer = await createCustomer(api, say);
  const session = await api.post('/v1/financial_connections/sessions', {
    account_holder: { type: 'customer', customer },
    permissions,
    limits: { accounts: 1 },
  });
  const completed = await api.post(
    `/v1/test_helpers/financial_connections/sessions/${String(session.id)}/complete`,
    { institution },
  );
  const accounts = (completed.accounts as { data: Obj[] }).data;
  const account = accounts[0];
  if (!account) throw new Error(`Session ${String(session.id)} linked no account.`);
  say(`Completed session ${String(session.id)} at ${institution}: account ${String(account.id)}`);
  return { customer, account: String(account.id), authorization: String(account.authorization) };
}
