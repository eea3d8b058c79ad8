/**
 * The bank's holders and their accounts, kept in the bank's store: which institution a holder
 * banks at, how far their time runs ahead of the bank's clock, and what the bank remembers about
 * each account beyond the catalogue (closed, numbers rotated, ...).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { findSandboxAccount, type SandboxAccount, type SandboxInstitution } from '../catalogue.ts';
import type { AccountBody } from '../wire.ts';
import { institutionOrThrow } from './availability.ts';
import type { BankClock } from './clock.ts';
import { BankError } from './errors.ts';
import type { AccountFacts } from './numbers.ts';
import type { BankDatabase } from './store/schema.ts';
import { digest } from './tokens.ts';

export interface Holder {
  id: string;
  tenant: string;
  institution: SandboxInstitution;
  offset: number;
}

export interface HeldAccount {
  id: string;
  userId: string;
  institution: SandboxInstitution;
  account: SandboxAccount;
  facts: AccountFacts;
}

type AccountRow = Selectable<BankDatabase['bank_accounts']> & { institution_id: string };

function heldFrom(row: AccountRow): HeldAccount {
  const institution = institutionOrThrow(row.institution_id);
  const account = findSandboxAccount(institution, row.account_key);
  if (!account) throw new BankError('server_error', `Unknown account ${row.account_key}.`);
  return {
    id: row.id,
    userId: row.user_id,
    institution,
    account,
    facts: {
      closed: row.closed === 1,
      unavailable: row.unavailable === 1,
      numberGeneration: row.number_generation,
      numbersIssuedAt: row.numbers_issued_at,
      numbersDeactivated: row.numbers_deactivated === 1,
      consents: row.consents,
    },
  };
}

export function factColumns(facts: AccountFacts) {
  return {
    closed: facts.closed ? 1 : 0,
    unavailable: facts.unavailable ? 1 : 0,
    number_generation: facts.numberGeneration,
    numbers_issued_at: facts.numbersIssuedAt,
    numbers_deactivated: facts.numbersDeactivated ? 1 : 0,
    consents: facts.consents,
  };
}

export function describe(held: HeldAccount): AccountBody {
  const { account, facts } = held;
  return {
    id: held.id,
    key: account.key,
    name: account.displayName,
    category: account.category,
    subcategory: account.subcategory,
    last4: account.last4,
    status: facts.closed ? 'closed' : facts.unavailable ? 'unavailable' : 'open',
    supported_payment_method_types: [...account.supportedPaymentMethodTypes],
    currency: account.currency,
  };
}

export class Holders {
  constructor(
    private readonly db: Kysely<BankDatabase>,
    readonly clock: BankClock,
  ) {}

  /**
   * The holder at an institution for a tenant (the merchant a client acts for): a named holder is
   * the same on every login, so a relink reaches the same accounts and their facts; without a
   * name, a new holder each time. Holders of one tenant are never reached through another.
   */
  async user(tenant: string, institution: SandboxInstitution, name?: string): Promise<string> {
    if (name) {
      // A holder named by the id the bank gave it (as a relink does) is that same holder.
      const known = await this.find(name);
      if (known && known.tenant === tenant && known.institution.id === institution.id) return known.id;
    }
    const id = name
      ? `bu_${digest(`${tenant}|${institution.id}|${name}`).slice(0, 20)}`
      : `bu_${randomBytes(10).toString('hex')}`;
    const created = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('bank_users')
        .values({ id, tenant, institution_id: institution.id, time_offset: 0, created })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return;
      await trx
        .insertInto('bank_accounts')
        .values(
          institution.accounts.map((account) => ({
            id: `acc_${digest(`${id}|${account.key}`).slice(0, 20)}`,
            user_id: id,
            account_key: account.key,
            ...factColumns({
              closed: false,
              unavailable: false,
              numberGeneration: 0,
              numbersIssuedAt: created,
              numbersDeactivated: false,
              consents: 0,
            }),
          })),
        )
        .execute();
    });
    return id;
  }

  async find(userId: string): Promise<Holder | undefined> {
    const row = await this.db
      .selectFrom('bank_users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      tenant: row.tenant,
      institution: institutionOrThrow(row.institution_id),
      offset: row.time_offset,
    };
  }

  /** The holder, if it exists and belongs to `tenant` (any tenant when undefined: the bank's admin). */
  async ofTenant(userId: string, tenant: string | undefined): Promise<Holder> {
    const holder = await this.find(userId);
    if (!holder || (tenant !== undefined && holder.tenant !== tenant))
      throw new BankError('not_found', `No bank user ${userId}.`);
    return holder;
  }

  /** The bank's time for everything about one holder: the bank's clock plus that holder's offset. */
  nowFor(holder: Pick<Holder, 'offset'>): number {
    return this.clock.now() + holder.offset;
  }

  /** Moves one holder's time forward; the bank's clock and other holders are untouched. */
  async advance(holder: Holder, seconds: number): Promise<number> {
    await this.db
      .updateTable('bank_users')
      .set((eb) => ({ time_offset: eb('time_offset', '+', seconds) }))
      .where('id', '=', holder.id)
      .execute();
    const moved = await this.ofTenant(holder.id, undefined);
    return this.nowFor(moved);
  }

  async accountsOf(userId: string, keys?: readonly string[]): Promise<HeldAccount[]> {
    let query = this.db
      .selectFrom('bank_accounts')
      .innerJoin('bank_users', 'bank_users.id', 'bank_accounts.user_id')
      .selectAll('bank_accounts')
      .select('bank_users.institution_id')
      .where('bank_accounts.user_id', '=', userId);
    if (keys !== undefined) {
      if (keys.length === 0) return [];
      query = query.where('bank_accounts.account_key', 'in', [...keys]);
    }
    const held = (await query.execute()).map(heldFrom);
    // In the catalogue's order, as the holder sees them listed at the bank.
    const position = (h: HeldAccount) => h.institution.accounts.indexOf(h.account);
    return held.sort((a, b) => position(a) - position(b));
  }

  async account(accountId: string): Promise<HeldAccount | undefined> {
    const row = await this.db
      .selectFrom('bank_accounts')
      .innerJoin('bank_users', 'bank_users.id', 'bank_accounts.user_id')
      .selectAll('bank_accounts')
      .select('bank_users.institution_id')
      .where('bank_accounts.id', '=', accountId)
      .executeTakeFirst();
    return row && heldFrom(row);
  }

  async accounts(accountIds: readonly string[]): Promise<HeldAccount[]> {
    if (accountIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('bank_accounts')
      .innerJoin('bank_users', 'bank_users.id', 'bank_accounts.user_id')
      .selectAll('bank_accounts')
      .select('bank_users.institution_id')
      .where('bank_accounts.id', 'in', [...accountIds])
      .execute();
    const byId = new Map(rows.map((row) => [row.id, heldFrom(row)]));
    return accountIds.flatMap((id) => byId.get(id) ?? []);
  }

  async saveFacts(held: HeldAccount): Promise<void> {
    await this.db
      .updateTable('bank_accounts')
      .set(factColumns(held.facts))
      .where('id', '=', held.id)
      .execute();
  }
}
