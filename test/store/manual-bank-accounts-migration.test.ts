import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest, migrateUpTo } from '../../src/store/migrations.ts';
import { openStore, type Store } from '../../src/store/open.ts';
import { backends, type ProvisionedDatabase } from '../support/backends.ts';

for (const backend of backends) {
  describe(`PaymentMethods kept before entered numbers on ${backend.name}`, { skip: backend.skip }, () => {
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

    test('the rebuilt table keeps every PaymentMethod and takes rows without a linked account', async () => {
      await migrateUpTo(store.db, store.caps, '0015_payment_intents');
      await sql`insert into payment_methods
          (id, merchant_id, created, customer_id, fc_account_id, account_holder_type, account_type,
           billing_details, metadata)
        values ('pm_old', 'acct_1', 7, 'cus_1', 'fca_1', 'company', 'savings', '{"name":"A"}', '{"k":"v"}')`.execute(
        store.db,
      );
      await migrateToLatest(store.db, store.caps);

      const kept = await store.db.selectFrom('payment_methods').selectAll().execute();
      assert.deepEqual(
        kept.map((row) => ({ ...row, created: Number(row.created) })),
        [
          {
            id: 'pm_old',
            merchant_id: 'acct_1',
            created: 7,
            customer_id: 'cus_1',
            fc_account_id: 'fca_1',
            account_holder_type: 'company',
            account_type: 'savings',
            billing_details: '{"name":"A"}',
            metadata: '{"k":"v"}',
            routing_number: null,
            last4: null,
            fingerprint: null,
            account_number_sealed: null,
            test_token: null,
            verified: null,
          },
        ],
      );
      await store.db
        .insertInto('payment_methods')
        .values({
          id: 'pm_entered',
          merchant_id: 'acct_1',
          created: 8,
          customer_id: null,
          fc_account_id: null,
          account_holder_type: 'individual',
          account_type: null,
          billing_details: '{}',
          metadata: '{}',
          routing_number: '110000000',
          last4: '6789',
          fingerprint: 'f',
          account_number_sealed: 'v1.x',
        })
        .execute();
      const customers = await store.db
        .selectFrom('payment_methods')
        .select('id')
        .where('merchant_id', '=', 'acct_1')
        .where('customer_id', '=', 'cus_1')
        .execute();
      assert.deepEqual(customers, [{ id: 'pm_old' }]);
    });
  });
}
