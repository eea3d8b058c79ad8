import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { eventFromRow } from '../../src/domain/events/log.ts';
import { accountFromRow, authorizationFromRow } from '../../src/domain/financial-connections/accounts.ts';
import type { BankDetails } from '../../src/domain/financial-connections/types.ts';
import { migrateToLatest, migrateUpTo } from '../../src/store/migrations.ts';
import { openStore, type Store } from '../../src/store/open.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';

const testInstitution = 'fcinst_Qn1a7A4KhL42se';

for (const backend of backends) {
  describe(`accounts linked before openfc kept the bank's details on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let database: ProvisionedDatabase;
    let store: Store;
    before(async () => {
      database = await backend.provision();
      store = openStore(database);
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });

    /** A row as openfc wrote it before 0011_account_details. */
    async function oldAuthorization(id: string, institution: string) {
      await sql`insert into fc_authorizations
          (id, merchant_id, created, institution_id, status, status_details)
        values (${id}, 'acct_1', 1, ${institution}, 'active', '{}')`.execute(store.db);
    }
    async function oldAccount(id: string, authorization: string, institution: string, key: string) {
      await sql`insert into fc_accounts
          (id, merchant_id, created, authorization_id, institution_id, bank_account_key,
           status, status_details, permissions, subscriptions)
        values (${id}, 'acct_1', 1, ${authorization}, ${institution}, ${key},
          'active', '{}', '["balances"]', '[]')`.execute(store.db);
    }

    /** An event about the record, kept as openfc kept domain records before. */
    async function oldEvent(id: string, kind: string, record: object) {
      await sql`insert into events (id, merchant_id, created, type, object_id, object_kind, object_snapshot)
        values (${id}, 'acct_1', 1, 'x.updated', 'x', ${kind}, ${JSON.stringify(record)})`.execute(store.db);
    }

    async function details(id: string): Promise<BankDetails> {
      const row = await store.db
        .selectFrom('fc_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      const { institutionName, displayName, last4, category, subcategory, supportedPaymentMethodTypes } =
        accountFromRow(row);
      return { institutionName, displayName, last4, category, subcategory, supportedPaymentMethodTypes };
    }

    test('the migration fills in what the sandbox catalogue said about each account', async () => {
      await migrateUpTo(store.db, store.caps, '0010_idempotency_commits');
      await oldAuthorization('fcauthz_known', testInstitution);
      await oldAccount('fca_checking', 'fcauthz_known', testInstitution, 'checking');
      await oldAccount('fca_card', 'fcauthz_known', testInstitution, 'credit-card');
      await oldAccount('fca_gone', 'fcauthz_known', testInstitution, 'no-such-account');
      await oldAuthorization('fcauthz_unknown', 'fcinst_unknown');
      await oldAccount('fca_elsewhere', 'fcauthz_unknown', 'fcinst_unknown', 'checking');
      const accountRecord = {
        id: 'fca_checking',
        institutionId: testInstitution,
        bankAccountKey: 'checking',
      };
      await oldEvent('evt_1', 'financial_connections.account', accountRecord);
      await oldEvent('evt_2', 'financial_connections.authorization', {
        id: 'fcauthz_unknown',
        institutionId: 'fcinst_unknown',
      });
      await oldEvent('evt_3', 'financial_connections.session', { id: 'fcsess_1', accounts: [accountRecord] });
      await oldEvent('evt_4', 'customer', { id: 'cus_1' });

      const applied = await migrateToLatest(store.db, store.caps);
      assert.equal(applied[0], '0011_account_details', applied.join(', '));

      assert.deepEqual(await details('fca_checking'), {
        institutionName: 'Test Institution',
        displayName: 'Success',
        last4: '6789',
        category: 'cash',
        subcategory: 'checking',
        supportedPaymentMethodTypes: ['us_bank_account', 'link'],
      });
      assert.deepEqual(await details('fca_card'), {
        institutionName: 'Test Institution',
        displayName: 'Rewards Credit Card',
        last4: '5517',
        category: 'credit',
        subcategory: 'credit_card',
        supportedPaymentMethodTypes: [],
      });
      // What these rendered before: the catalogue had no entry for them.
      const unknownAccount = {
        displayName: null,
        last4: null,
        category: 'other',
        subcategory: 'other',
        supportedPaymentMethodTypes: [],
      };
      assert.deepEqual(await details('fca_gone'), { institutionName: 'Test Institution', ...unknownAccount });
      assert.deepEqual(await details('fca_elsewhere'), {
        institutionName: 'Unknown institution',
        ...unknownAccount,
      });

      const checking = { ...accountRecord, ...(await details('fca_checking')) };
      const events = await store.db.selectFrom('events').selectAll().orderBy('id').execute();
      assert.deepEqual(
        events.map((row) => eventFromRow(row, 0).object.record),
        [
          checking,
          { id: 'fcauthz_unknown', institutionId: 'fcinst_unknown', institutionName: 'Unknown institution' },
          { id: 'fcsess_1', accounts: [checking] },
          { id: 'cus_1' },
        ],
      );

      const authorizations = await store.db
        .selectFrom('fc_authorizations')
        .selectAll()
        .orderBy('id')
        .execute();
      assert.deepEqual(
        authorizations.map(authorizationFromRow).map((a) => [a.id, a.institutionName]),
        [
          ['fcauthz_known', 'Test Institution'],
          ['fcauthz_unknown', 'Unknown institution'],
        ],
      );
    });
  });
}
