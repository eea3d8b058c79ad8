/**
 * Bank-side facts on demand, the way they happen at a real bank: a consent ends, the holder revokes
 * access, must log in again or ends the connection, an account closes or disappears, tokenized
 * numbers rotate or stop working. openfc notices them only through the data API, as it would with a
 * real bank. Every control endpoint needs a registered client (reaching its tenant's holders only)
 * or the bank's administrator; only the administrator moves the bank's own clock.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { institutionOrThrow } from './availability.ts';
import { requiredTenant, tenantOf } from './clients.ts';
import type { Consent } from './consents.ts';
import { BankError, invalidRequest } from './errors.ts';
import { describe, type HeldAccount } from './holders.ts';
import { bodyOf, requiredText } from './http.ts';
import { isTokenized, numbersOf, rotate } from './numbers.ts';
import type { BankContext } from './plugin.ts';

type UserAction = 'expire-consent' | 'revoke' | 'require-reauthentication' | 'disconnect';
type AccountAction = 'close' | 'make-unavailable' | 'reopen' | 'rotate-numbers' | 'deactivate-numbers';

function positiveSeconds(raw: unknown): number {
  const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1)
    throw invalidRequest('Send {"seconds": a positive integer}.');
  return seconds;
}

export function controlRoutes(app: FastifyInstance, context: BankContext): void {
  const { clock, holders, consents, clients } = context;

  /** The tenant whose holders this request may reach (every tenant for the administrator). */
  const scope = async (request: FastifyRequest) => {
    const caller = await clients.caller(request);
    return tenantOf(caller, bodyOf(request).tenant);
  };
  const holderIn = async (request: FastifyRequest<{ Params: { bankUser: string } }>) =>
    holders.ofTenant(request.params.bankUser, await scope(request));

  const userActions: Record<UserAction, (c: Consent) => Promise<void>> = {
    'expire-consent': (c) => consents.endAt(c, holders.nowFor(c.holder)),
    revoke: (c) => consents.setStatus(c.id, 'revoked'),
    'require-reauthentication': async (c) => {
      if (c.status === 'active') await consents.setStatus(c.id, 'reauthentication_required');
    },
    // The holder ends the connection from the bank's side (online banking, a call to the bank).
    disconnect: (c) => consents.setStatus(c.id, 'disconnected'),
  };

  const tokenizedOnly = (held: HeldAccount) => {
    if (!isTokenized(held.account))
      throw new BankError('not_supported', 'This account has no tokenized number.');
  };
  const accountActions: Record<AccountAction, (held: HeldAccount, now: number) => void> = {
    close: (held) => {
      held.facts.closed = true;
    },
    'make-unavailable': (held) => {
      held.facts.unavailable = true;
    },
    reopen: (held) => {
      held.facts.closed = false;
      held.facts.unavailable = false;
    },
    'rotate-numbers': (held, now) => {
      tokenizedOnly(held);
      rotate(held.facts, now);
    },
    'deactivate-numbers': (held) => {
      tokenizedOnly(held);
      held.facts.numbersDeactivated = true;
    },
  };

  for (const [action, apply] of Object.entries(userActions)) {
    app.post<{ Params: { bankUser: string } }>(`/control/users/:bankUser/${action}`, async (request) => {
      const holder = await holderIn(request);
      const held = await consents.consentsOf(holder.id);
      for (const consent of held) await apply(consent);
      return { bank_user_id: holder.id, consents: held.length };
    });
  }

  for (const [action, apply] of Object.entries(accountActions)) {
    app.post<{ Params: { id: string } }>(`/control/accounts/:id/${action}`, async (request) => {
      const tenant = await scope(request);
      const held = await holders.account(request.params.id);
      const holder = held && (await holders.find(held.userId));
      if (!held || !holder || (tenant !== undefined && holder.tenant !== tenant))
        throw new BankError('not_found', `No account ${request.params.id}.`);
      const now = holders.nowFor(holder);
      apply(held, now);
      await holders.saveFacts(held);
      return { account: describe(held), numbers: numbersOf(held.account, held.facts, now) };
    });
  }

  // One holder's time moves forward (openfc's per-merchant sandbox clock moves its holders this way).
  app.post<{ Params: { bankUser: string } }>('/control/users/:bankUser/advance', async (request) => {
    const holder = await holderIn(request);
    const seconds = positiveSeconds(bodyOf(request).seconds);
    return { bank_user_id: holder.id, now: await holders.advance(holder, seconds) };
  });

  // The holder a username names at an institution: the one its credential login reaches, so that
  // openfc can start a new holder at the merchant's time before the login grants a consent.
  app.post('/control/holders', async (request) => {
    await clients.caller(request);
    const fields = bodyOf(request);
    const institution = institutionOrThrow(fields.institution);
    const tenant = requiredTenant(fields.tenant);
    return { bank_user_id: await holders.user(tenant, institution, requiredText(fields, 'username')) };
  });

  app.get('/control/clock', async (request) => {
    await clients.caller(request);
    return { now: clock.now() };
  });

  // The bank's own clock moves every holder of every tenant: the administrator's alone.
  app.post('/control/clock', async (request) => {
    const caller = await clients.caller(request);
    if (caller.kind !== 'admin')
      throw new BankError(
        'forbidden',
        "Only the bank's administrator moves the bank's clock; move a holder instead.",
      );
    const fields = bodyOf(request);
    const set = clock.set?.bind(clock);
    if (!set) throw new BankError('not_supported', "This bank follows openfc's clock; move that instead.");
    const { now, advance } = fields;
    if (typeof now === 'number' && Number.isInteger(now)) await set(now);
    else if (typeof advance === 'number' && Number.isInteger(advance)) await set(clock.now() + advance);
    else throw invalidRequest('Send {"now": unix seconds} or {"advance": seconds}.');
    return { now: clock.now() };
  });
}
