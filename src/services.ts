import { CustomerService } from './domain/customers/service.ts';
import { AccountService, AuthorizationService } from './domain/financial-connections/accounts.ts';
import { InstitutionService } from './domain/financial-connections/institutions.ts';
import { Lifecycle } from './domain/financial-connections/lifecycle.ts';
import { SessionService } from './domain/financial-connections/sessions.ts';
import { IdempotencyService } from './domain/idempotency/service.ts';
import { MerchantService } from './domain/merchants/service.ts';
import type { Store } from './store/open.ts';

/** Every service, built once at start-up and handed to the routes. */
export interface Services {
  merchants: MerchantService;
  idempotency: IdempotencyService;
  customers: CustomerService;
  institutions: InstitutionService;
  accounts: AccountService;
  authorizations: AuthorizationService;
  sessions: SessionService;
  lifecycle: Lifecycle;
}

export function createServices(store: Store, defaultApiVersion: string): Services {
  const { db } = store;
  const customers = new CustomerService(db);
  const institutions = new InstitutionService();
  const accounts = new AccountService(db);
  const authorizations = new AuthorizationService(db);
  const lifecycle = new Lifecycle();
  return {
    merchants: new MerchantService(db, defaultApiVersion),
    idempotency: new IdempotencyService(db),
    customers,
    institutions,
    accounts,
    authorizations,
    sessions: new SessionService(db, customers, accounts, authorizations, institutions, lifecycle),
    lifecycle,
  };
}
