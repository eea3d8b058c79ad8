/**
 * Accounts linked before openfc kept what the bank reported about them (`0011_account_details`)
 * were all at sandbox institutions, and rendered the sandbox catalogue's details: those details
 * are written into their rows, and into the events about them, so that they render as before.
 */
import { type Kysely, sql } from 'kysely';
import { findInstitution, findSandboxAccount, sandboxInstitutions } from '../bank/catalogue.ts';

/** The institution name of an account at an institution openfc does not know. */
export const unknownInstitution = 'Unknown institution';

export async function backfillAccountDetails(db: Kysely<unknown>): Promise<void> {
  for (const institution of sandboxInstitutions) {
    const { id: at, name } = institution;
    for (const table of ['fc_authorizations', 'fc_accounts']) {
      await sql`update ${sql.table(table)} set institution_name = ${name} where institution_id = ${at}`.execute(
        db,
      );
    }
    for (const account of institution.accounts) {
      await sql`update fc_accounts set
          display_name = ${account.displayName},
          last4 = ${account.last4},
          category = ${account.category},
          subcategory = ${account.subcategory},
          supported_payment_method_types = ${JSON.stringify(account.supportedPaymentMethodTypes)}
        where institution_id = ${at} and bank_account_key = ${account.key}`.execute(db);
    }
  }
  await backfillEventSnapshots(db);
}

type Snapshot = Record<string, unknown>;

function accountDetails(record: Snapshot): Snapshot {
  const institution = findInstitution(String(record.institutionId));
  const bank = institution && findSandboxAccount(institution, String(record.bankAccountKey));
  return {
    institutionName: institution?.name ?? unknownInstitution,
    displayName: bank?.displayName ?? null,
    last4: bank?.last4 ?? null,
    category: bank?.category ?? 'other',
    subcategory: bank?.subcategory ?? 'other',
    supportedPaymentMethodTypes: bank?.supportedPaymentMethodTypes ?? [],
  };
}

/** An event's snapshot (a domain record, see `EventObject`) with the details it now carries. */
function withDetails(kind: string, record: Snapshot): Snapshot {
  switch (kind) {
    case 'financial_connections.account':
      return { ...accountDetails(record), ...record };
    case 'financial_connections.authorization':
      return {
        institutionName: findInstitution(String(record.institutionId))?.name ?? unknownInstitution,
        ...record,
      };
    case 'financial_connections.session':
      return {
        ...record,
        accounts: (record.accounts as Snapshot[]).map((a) => withDetails('financial_connections.account', a)),
      };
    default:
      return record;
  }
}

async function backfillEventSnapshots(db: Kysely<unknown>): Promise<void> {
  const batch = 500;
  let after = '';
  for (;;) {
    const { rows } = await sql<{ id: string; object_kind: string; object_snapshot: string }>`
      select id, object_kind, object_snapshot from events
      where object_kind like 'financial_connections.%' and id > ${after}
      order by id limit ${batch}`.execute(db);
    for (const row of rows) {
      const snapshot = JSON.stringify(withDetails(row.object_kind, JSON.parse(row.object_snapshot)));
      await sql`update events set object_snapshot = ${snapshot} where id = ${row.id}`.execute(db);
    }
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = last.id;
  }
}
