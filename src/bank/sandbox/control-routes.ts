/**
 * Bank-side facts on demand, the way they happen at a real bank: a consent ends, the holder revokes
 * access, must log in again or ends the connection, an account closes or disappears, tokenized
 * numbers rotate or stop working. openfc notices them only through the data API, as it would with a
 * real bank.
 */
import type { FastifyInstance } from 'fastify';
import { institutionOrThrow } from './availability.ts';
import { BankError, invalidRequest } from './errors.ts';
import { bodyOf, requiredText } from './http.ts';
import { isTokenized, numbersOf, rotate } from './numbers.ts';
import type { BankContext } from './plugin.ts';
import type { Consent, HeldAccount } from './state.ts';

type UserAction = 'expire-consent' | 'revoke' | 'require-reauthentication' | 'disconnect';
type AccountAction = 'close' | 'make-unavailable' | 'reopen' | 'rotate-numbers' | 'deactivate-numbers';

export function controlRoutes(app: FastifyInstance, { bank }: BankContext): void {
  const userActions: Record<UserAction, (consent: Consent) => void> = {
    'expire-consent': (c) => {
      c.expiresAt = Math.min(c.expiresAt, bank.nowFor(c.userId));
    },
    revoke: (c) => {
      c.status = 'revoked';
    },
    'require-reauthentication': (c) => {
      if (c.status === 'active') c.status = 'reauthentication_required';
    },
    // The holder ends the connection from the bank's side (online banking, a call to the bank).
    disconnect: (c) => {
      c.status = 'disconnected';
    },
  };

  const tokenizedOnly = (held: HeldAccount) => {
    if (!isTokenized(held.account))
      throw new BankError('not_supported', 'This account has no tokenized number.');
  };
  const accountActions: Record<AccountAction, (held: HeldAccount) => void> = {
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
    'rotate-numbers': (held) => {
      tokenizedOnly(held);
      rotate(held.facts, bank.nowFor(held.userId));
    },
    'deactivate-numbers': (held) => {
      tokenizedOnly(held);
      held.facts.numbersDeactivated = true;
    },
  };

  for (const [action, apply] of Object.entries(userActions)) {
    app.post<{ Params: { bankUser: string } }>(`/control/users/:bankUser/${action}`, async (request) => {
      const userId = request.params.bankUser;
      if (!bank.hasUser(userId)) throw new BankError('not_found', `No bank user ${userId}.`);
      const consents = bank.consentsOf(userId);
      for (const consent of consents) apply(consent);
      return { bank_user_id: userId, consents: consents.length };
    });
  }

  for (const [action, apply] of Object.entries(accountActions)) {
    app.post<{ Params: { id: string } }>(`/control/accounts/:id/${action}`, async (request) => {
      const held = bank.heldAccount(request.params.id);
      if (!held) throw new BankError('not_found', `No account ${request.params.id}.`);
      apply(held);
      return {
        account: bank.describe(held.id),
        numbers: numbersOf(held.account, held.facts, bank.nowFor(held.userId)),
      };
    });
  }

  // One holder's time moves forward (openfc's per-merchant sandbox clock moves its holders this way).
  app.post<{ Params: { bankUser: string } }>('/control/users/:bankUser/advance', async (request) => {
    const userId = request.params.bankUser;
    if (!bank.hasUser(userId)) throw new BankError('not_found', `No bank user ${userId}.`);
    const raw = bodyOf(request).seconds;
    const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1)
      throw invalidRequest('Send {"seconds": a positive integer}.');
    return { bank_user_id: userId, now: bank.advanceUser(userId, seconds) };
  });

  // The holder a username names at an institution: the one its credential login reaches, so that
  // openfc can start a new holder at the merchant's time before the login grants a consent.
  app.post('/control/holders', async (request) => {
    const fields = bodyOf(request);
    const institution = institutionOrThrow(fields.institution);
    return { bank_user_id: bank.user(institution, requiredText(fields, 'username')) };
  });

  app.get('/control/clock', async () => ({ now: bank.now() }));

  app.post('/control/clock', async (request) => {
    const fields = bodyOf(request);
    const set = bank.clock.set?.bind(bank.clock);
    if (!set) throw new BankError('not_supported', "This bank follows openfc's clock; move that instead.");
    const { now, advance } = fields;
    if (typeof now === 'number' && Number.isInteger(now)) set(now);
    else if (typeof advance === 'number' && Number.isInteger(advance)) set(bank.now() + advance);
    else throw invalidRequest('Send {"now": unix seconds} or {"advance": seconds}.');
    return { now: bank.now() };
  });
}
