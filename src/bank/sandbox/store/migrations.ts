/** The sandbox bank's migrations, apart from openfc's: its own table of applied migrations. */
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';

const migrations: Record<string, Migration> = {
  '0001_bank': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('bank_meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('bank_clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('secret_digest', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('bank_users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('time_offset', 'bigint', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('bank_accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('account_key', 'text', (c) => c.notNull())
        .addColumn('closed', 'integer', (c) => c.notNull())
        .addColumn('unavailable', 'integer', (c) => c.notNull())
        .addColumn('number_generation', 'integer', (c) => c.notNull())
        .addColumn('numbers_issued_at', 'bigint', (c) => c.notNull())
        .addColumn('numbers_deactivated', 'integer', (c) => c.notNull())
        .addColumn('consents', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bank_accounts_user').on('bank_accounts').column('user_id').execute();
      await db.schema
        .createTable('bank_consents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('account_ids', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('ends_on_first_use', 'integer', (c) => c.notNull())
        .addColumn('refresh_digest', 'text', (c) => c.notNull().unique())
        .addColumn('ended_at', 'bigint')
        .addColumn('created', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bank_consents_user').on('bank_consents').column('user_id').execute();
      await db.schema
        .createTable('bank_access_tokens')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('consent_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('bank_access_tokens_expiry')
        .on('bank_access_tokens')
        .column('expires_at')
        .execute();
      await db.schema
        .createTable('bank_codes')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('client_id', 'text')
        .addColumn('institution_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('account_ids', 'text', (c) => c.notNull())
        .addColumn('redirect_uri', 'text')
        .addColumn('code_challenge', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('redeemed_consent', 'text')
        .execute();
      await db.schema.createIndex('bank_codes_expiry').on('bank_codes').column('expires_at').execute();
      await db.schema
        .createTable('bank_pending')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('bank_pending_expiry').on('bank_pending').column('expires_at').execute();
    },
  },
};

class InCodeProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

export async function migrateBank(db: Kysely<unknown>, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new InCodeProvider(),
    migrationTableName: 'bank_migrations',
    migrationLockTableName: 'bank_migrations_lock',
    ...(schema && { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
