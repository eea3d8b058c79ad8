import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { backfillAccountDetails, unknownInstitution } from './account-details-backfill.ts';
import type { DialectCapabilities } from './dialect.ts';
import type { Database } from './schema.ts';

/** Named, ordered migrations. Each is written once for both backends through the capabilities. */
function migrations(caps: DialectCapabilities): Record<string, Migration> {
  const key = caps.keyType;
  return {
    '0001_core': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('merchant_accounts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('default_api_version', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('api_keys')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull().references('merchant_accounts.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('key_hash', 'text', (c) => c.notNull().unique())
          .addColumn('last4', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('customers')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('name', 'text')
          .addColumn('description', 'text')
          .addColumn('phone', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('customers_merchant')
          .on('customers')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createTable('fc_authorizations')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('institution_id', 'text', (c) => c.notNull())
          .addColumn('holder_type', 'text')
          .addColumn('holder_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('status_details', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('fc_accounts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('authorization_id', key, (c) => c.notNull().references('fc_authorizations.id'))
          .addColumn('institution_id', 'text', (c) => c.notNull())
          .addColumn('bank_account_key', 'text', (c) => c.notNull())
          .addColumn('holder_type', 'text')
          .addColumn('holder_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('status_details', 'text', (c) => c.notNull())
          .addColumn('permissions', 'text', (c) => c.notNull())
          .addColumn('subscriptions', 'text', (c) => c.notNull())
          .addUniqueConstraint('fc_accounts_bank_account', ['authorization_id', 'bank_account_key'])
          .execute();
        await db.schema
          .createIndex('fc_accounts_merchant')
          .on('fc_accounts')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('fc_accounts_holder')
          .on('fc_accounts')
          .columns(['merchant_id', 'holder_id', 'id'])
          .execute();
        await db.schema
          .createTable('fc_sessions')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('client_secret', 'text', (c) => c.notNull())
          .addColumn('holder_type', 'text')
          .addColumn('holder_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('permissions', 'text', (c) => c.notNull())
          .addColumn('prefetch', 'text')
          .addColumn('filters', 'text', (c) => c.notNull())
          .addColumn('limits_accounts', 'integer')
          .addColumn('manual_entry_mode', 'text')
          .addColumn('return_url', 'text')
          .addColumn('relink_authorization_id', 'text')
          .addColumn('relink_account_id', 'text')
          .addColumn('relink_result', 'text')
          .addColumn('cancelled_reason', 'text')
          .execute();
        await db.schema
          .createTable('fc_session_accounts')
          .addColumn('session_id', key, (c) => c.notNull())
          .addColumn('account_id', key, (c) => c.notNull())
          .addColumn('position', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('fc_session_accounts_pk', ['session_id', 'account_id'])
          .execute();
        await db.schema
          .createIndex('fc_session_accounts_account')
          .on('fc_session_accounts')
          .column('account_id')
          .execute();
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('status_code', 'integer')
          .addColumn('body', 'text')
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['merchant_id', 'key'])
          .execute();
      },
    },
    '0002_bank_grants': {
      async up(db: Kysely<unknown>) {
        // The grant (tokens) is sealed with openfc's secret box before it is stored.
        await db.schema.alterTable('fc_authorizations').addColumn('grant_sealed', 'text').execute();
        await db.schema.alterTable('fc_authorizations').addColumn('bank_user_id', 'text').execute();
        await db.schema.alterTable('fc_accounts').addColumn('bank_account_id', 'text').execute();
      },
    },
    '0003_account_data': {
      async up(db: Kysely<unknown>) {
        // Refresh states and the balance are JSON, as the account renders them.
        for (const column of [
          'balance',
          'balance_refresh',
          'ownership_refresh',
          'transaction_refresh',
          'ownership_id',
        ]) {
          await db.schema.alterTable('fc_accounts').addColumn(column, 'text').execute();
        }
        await db.schema
          .createTable('fc_account_ownerships')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('account_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('fc_account_owners')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('ownership_id', key, (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('phone', 'text')
          .addColumn('raw_address', 'text')
          .addColumn('refreshed_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('fc_account_owners_ownership')
          .on('fc_account_owners')
          .columns(['ownership_id', 'id'])
          .execute();
        await db.schema
          .createTable('fc_transactions')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('account_id', key, (c) => c.notNull())
          .addColumn('bank_transaction_id', 'text', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('transacted_at', 'bigint', (c) => c.notNull())
          .addColumn('posted_at', 'bigint')
          .addColumn('void_at', 'bigint')
          .addColumn('transaction_refresh', key, (c) => c.notNull())
          .addColumn('updated', 'bigint', (c) => c.notNull())
          // A re-fetch (or a relink) updates the bank's transaction in place.
          .addUniqueConstraint('fc_transactions_bank', ['account_id', 'bank_transaction_id'])
          .execute();
        await db.schema
          .createIndex('fc_transactions_account')
          .on('fc_transactions')
          .columns(['account_id', 'id'])
          .execute();
      },
    },
    '0004_account_numbers': {
      async up(db: Kysely<unknown>) {
        // The numbers themselves are sealed (bound to the account id); the plain column keeps only
        // what the account renders (type, status, expiry, networks).
        await db.schema.alterTable('fc_accounts').addColumn('account_numbers_sealed', 'text').execute();
        await db.schema.alterTable('fc_accounts').addColumn('account_numbers', 'text').execute();
      },
    },
    '0005_sandbox_clocks': {
      async up(db: Kysely<unknown>) {
        // A merchant's sandbox clock runs `offset_seconds` ahead of real time; no row means 0.
        await db.schema
          .createTable('sandbox_clocks')
          .addColumn('merchant_id', key, (c) => c.primaryKey())
          .addColumn('offset_seconds', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0006_events': {
      async up(db: Kysely<unknown>) {
        // Written in the same transaction as the change each describes.
        await db.schema
          .createTable('events')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('object_id', 'text', (c) => c.notNull())
          .addColumn('object_kind', 'text', (c) => c.notNull())
          .addColumn('object_snapshot', 'text', (c) => c.notNull())
          .addColumn('previous_attributes', 'text')
          .addColumn('request_id', 'text')
          .addColumn('idempotency_key', 'text')
          .execute();
        await db.schema.createIndex('events_merchant').on('events').columns(['merchant_id', 'id']).execute();
      },
    },
    '0007_webhooks': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('webhook_endpoints')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('enabled_events', 'text', (c) => c.notNull())
          .addColumn('api_version', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('secret_sealed', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('webhook_endpoints_merchant')
          .on('webhook_endpoints')
          .columns(['merchant_id', 'id'])
          .execute();
        // The outbox: the transaction that writes an event writes its deliveries; workers claim
        // due rows by `next_attempt_at`.
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('event_id', key, (c) => c.notNull())
          .addColumn('endpoint_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease', 'text')
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_due')
          .on('webhook_deliveries')
          .columns(['status', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_event')
          .on('webhook_deliveries')
          .columns(['event_id', 'status'])
          .execute();
        await db.schema
          .createTable('webhook_attempts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('delivery_id', key, (c) => c.notNull())
          .addColumn('event_id', key, (c) => c.notNull())
          .addColumn('endpoint_id', key, (c) => c.notNull())
          .addColumn('attempted_at', 'bigint', (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('status_code', 'integer')
          .addColumn('error', 'text')
          .addColumn('response_excerpt', 'text')
          .addColumn('next_attempt_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('webhook_attempts_delivery')
          .on('webhook_attempts')
          .columns(['delivery_id', 'id'])
          .execute();
        await db.schema.createIndex('events_created').on('events').columns(['created']).execute();
      },
    },
    '0008_bank_checks': {
      async up(db: Kysely<unknown>) {
        // When openfc last asked the bank about the authorization (the merchant's clock); the
        // scheduler claims a check by moving it, so processes sharing a database do not both check.
        await db.schema.alterTable('fc_authorizations').addColumn('bank_checked_at', 'bigint').execute();
        await db.schema
          .createIndex('fc_authorizations_bank_check')
          .on('fc_authorizations')
          .columns(['merchant_id', 'bank_checked_at'])
          .execute();
        await db.schema
          .createIndex('fc_authorizations_bank_user')
          .on('fc_authorizations')
          .column('bank_user_id')
          .execute();
      },
    },
    '0009_number_expiry_notices': {
      async up(db: Kysely<unknown>) {
        // The expiry date of the tokenized number the merchant was last told is about to expire.
        await db.schema.alterTable('fc_accounts').addColumn('number_expiry_noticed', 'bigint').execute();
      },
    },
    '0010_idempotency_commits': {
      async up(db: Kysely<unknown>) {
        // A key is now marked in the transaction of its request's first write, by the request that
        // holds it, and responses are sealed. Keys kept before (24 hours at most) had neither, and
        // are forgotten.
        await sql`delete from idempotency_keys`.execute(db);
        await db.schema.alterTable('idempotency_keys').addColumn('request_id', 'text').execute();
        await db.schema.alterTable('idempotency_keys').addColumn('object_id', 'text').execute();
      },
    },
    '0011_account_details': {
      async up(db: Kysely<unknown>) {
        // What the bank reports about an account at link time is kept, so that rendering reads
        // openfc's rows, whichever bank they came from. The defaults are what an account at an
        // institution openfc does not know rendered before.
        const unknown = unknownInstitution;
        await db.schema
          .alterTable('fc_authorizations')
          .addColumn('institution_name', 'text', (c) => c.notNull().defaultTo(unknown))
          .execute();
        const added: Array<[string, string | null]> = [
          ['institution_name', unknown],
          ['display_name', null],
          ['last4', null],
          ['category', 'other'],
          ['subcategory', 'other'],
          ['supported_payment_method_types', '[]'],
        ];
        for (const [column, value] of added) {
          await db.schema
            .alterTable('fc_accounts')
            .addColumn(column, 'text', (c) => (value === null ? c : c.notNull().defaultTo(value)))
            .execute();
        }
        await backfillAccountDetails(db);
      },
    },
    '0012_session_flows': {
      async up(db: Kysely<unknown>) {
        // The holder's progress through a session, kept in the database so that any process can
        // take the next step.
        await db.schema
          .createTable('fc_session_flows')
          .addColumn('session_id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('step', 'text', (c) => c.notNull())
          .addColumn('institution_id', 'text')
          .addColumn('consented', 'integer', (c) => c.notNull())
          .addColumn('state_digest', 'text')
          .addColumn('verifier_sealed', 'text')
          .addColumn('redirect_uri', 'text')
          .addColumn('authorize_url_sealed', 'text')
          .addColumn('login_id_sealed', 'text')
          .addColumn('prompt', 'text')
          .addColumn('grant_sealed', 'text')
          .addColumn('bank_accounts', 'text')
          .addColumn('failure_kind', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('failure_available_at', 'bigint')
          .addColumn('updated', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('fc_session_flows_state')
          .on('fc_session_flows')
          .column('state_digest')
          .execute();
      },
    },
    '0013_hosted_links': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('fc_sessions')
          .addColumn('ui_mode', 'text', (c) => c.notNull().defaultTo('modal'))
          .execute();
        await db.schema.alterTable('fc_sessions').addColumn('hosted_delivery_method', 'text').execute();
        // The publishable key, sealed, so that a hosted link can hand it to the hosted page.
        await db.schema.alterTable('api_keys').addColumn('key_sealed', 'text').execute();
        // Links to hosted sessions: the token only as a digest, the URL sealed so that the session
        // can show it again. Times are on the merchant's clock except `issued_real` (real time),
        // which paces new links.
        await db.schema
          .createTable('hosted_links')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('session_id', key, (c) => c.notNull())
          .addColumn('token_digest', 'text', (c) => c.notNull().unique())
          .addColumn('url_sealed', 'text', (c) => c.notNull())
          .addColumn('relink_authorization_id', 'text')
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('issued_real', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('first_visited_at', 'bigint')
          .addColumn('replaced_at', 'bigint')
          .addColumn('mail_to', 'text')
          .addColumn('mail_status', 'text')
          .execute();
        await db.schema
          .createIndex('hosted_links_session')
          .on('hosted_links')
          .columns(['session_id', 'created'])
          .execute();
        await db.schema
          .createIndex('hosted_links_relink')
          .on('hosted_links')
          .columns(['merchant_id', 'relink_authorization_id', 'created'])
          .execute();
      },
    },
    '0014_payments': {
      async up(db: Kysely<unknown>) {
        // PaymentMethods keep no bank numbers of their own: they read the numbers of the linked
        // account they were built on, so that a relink reaches them without a copy to update.
        await db.schema
          .createTable('payment_methods')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('fc_account_id', 'text', (c) => c.notNull())
          .addColumn('account_holder_type', 'text', (c) => c.notNull())
          .addColumn('account_type', 'text')
          .addColumn('billing_details', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('payment_methods_customer')
          .on('payment_methods')
          .columns(['merchant_id', 'customer_id', 'id'])
          .execute();
        await db.schema
          .createIndex('payment_methods_account')
          .on('payment_methods')
          .column('fc_account_id')
          .execute();
        await db.schema
          .createTable('mandates')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('payment_method_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('customer_acceptance', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('setup_intents')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('client_secret', 'text', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('payment_method_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('usage', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('verification_method', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('mandate_id', 'text')
          .addColumn('latest_attempt_id', 'text')
          .addColumn('cancellation_reason', 'text')
          .execute();
        await db.schema
          .createIndex('setup_intents_customer')
          .on('setup_intents')
          .columns(['merchant_id', 'customer_id', 'id'])
          .execute();
        await db.schema
          .createTable('setup_attempts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('setup_intent_id', 'text', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('payment_method_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('usage', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('setup_attempts_intent')
          .on('setup_attempts')
          .columns(['merchant_id', 'setup_intent_id', 'id'])
          .execute();
      },
    },
    '0015_payment_intents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('payment_intents')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('client_secret', 'text', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('payment_method_id', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('mandate_id', 'text')
          .addColumn('latest_charge_id', 'text')
          .addColumn('last_payment_error', 'text')
          .addColumn('settles_at', 'bigint')
          .addColumn('canceled_at', 'bigint')
          .addColumn('cancellation_reason', 'text')
          .execute();
        await db.schema
          .createIndex('payment_intents_customer')
          .on('payment_intents')
          .columns(['merchant_id', 'customer_id', 'id'])
          .execute();
        // Settlement looks for the merchant's debits that fell due on its clock.
        await db.schema
          .createIndex('payment_intents_settling')
          .on('payment_intents')
          .columns(['merchant_id', 'status', 'settles_at'])
          .execute();
        await db.schema
          .createTable('charges')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('payment_intent_id', 'text', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('payment_method_id', 'text', (c) => c.notNull())
          .addColumn('mandate_id', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('failure_code', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('bank_details', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('charges_payment_intent')
          .on('charges')
          .columns(['merchant_id', 'payment_intent_id', 'id'])
          .execute();
      },
    },
    '0016_scale_indexes': {
      async up(db: Kysely<unknown>) {
        // The scheduler looks at the subscribed accounts on every pass; few accounts are, and
        // without this it read every account of the merchant to find them. The query must say
        // `subscriptions <> '[]'` as a literal for SQLite to use the index.
        await sql`create index fc_accounts_subscribed on fc_accounts (merchant_id, id) where subscriptions <> '[]'`.execute(
          db,
        );
      },
    },
    '0017_dashboard_sessions': {
      async up(db: Kysely<unknown>) {
        // A signed-in dashboard: the cookie holds a random token, the table its SHA-256 hash, so
        // the database never holds a usable session.
        await db.schema
          .createTable('dashboard_sessions')
          .addColumn('token_hash', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('csrf_token', 'text', (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('dashboard_sessions_expiry')
          .on('dashboard_sessions')
          .columns(['expires_at'])
          .execute();
        // The dashboard watches for a merchant's latest delivery attempt, and shows an event's.
        await db.schema
          .createIndex('webhook_attempts_merchant')
          .on('webhook_attempts')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('webhook_attempts_event')
          .on('webhook_attempts')
          .columns(['event_id', 'id'])
          .execute();
      },
    },
    '0018_manual_bank_accounts': {
      async up(db: Kysely<unknown>) {
        // A PaymentMethod from manually entered numbers has no linked account, so fc_account_id
        // becomes nullable. SQLite changes a column's constraint only by rebuilding the table;
        // both backends rebuild it the same way. The entered account number is kept sealed
        // (bound to the PaymentMethod's id); what a PaymentMethod shows of it is kept plain.
        await db.schema
          .createTable('payment_methods_rebuilt')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('customer_id', 'text')
          .addColumn('fc_account_id', 'text')
          .addColumn('account_holder_type', 'text', (c) => c.notNull())
          .addColumn('account_type', 'text')
          .addColumn('billing_details', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('routing_number', 'text')
          .addColumn('last4', 'text')
          .addColumn('fingerprint', 'text')
          .addColumn('account_number_sealed', 'text')
          .execute();
        const kept = sql.join(
          [
            'id',
            'merchant_id',
            'created',
            'customer_id',
            'fc_account_id',
            'account_holder_type',
            'account_type',
            'billing_details',
            'metadata',
          ].map((column) => sql.ref(column)),
        );
        await sql`insert into payment_methods_rebuilt (${kept}) select ${kept} from payment_methods`.execute(
          db,
        );
        await db.schema.dropTable('payment_methods').execute();
        await db.schema.alterTable('payment_methods_rebuilt').renameTo('payment_methods').execute();
        await db.schema
          .createIndex('payment_methods_customer')
          .on('payment_methods')
          .columns(['merchant_id', 'customer_id', 'id'])
          .execute();
        await db.schema
          .createIndex('payment_methods_account')
          .on('payment_methods')
          .column('fc_account_id')
          .execute();
      },
    },
    '0019_balance_transactions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('balance_transactions')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('reporting_category', 'text', (c) => c.notNull())
          .addColumn('source_id', 'text')
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('fee', 'bigint', (c) => c.notNull())
          .addColumn('fee_details', 'text', (c) => c.notNull())
          .addColumn('net', 'bigint', (c) => c.notNull())
          .addColumn('available_on', 'bigint', (c) => c.notNull())
          .addColumn('description', 'text')
          .execute();
        await db.schema
          .createIndex('balance_transactions_merchant')
          .on('balance_transactions')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('balance_transactions_source')
          .on('balance_transactions')
          .columns(['merchant_id', 'source_id'])
          .execute();
        await db.schema.alterTable('charges').addColumn('balance_transaction_id', 'text').execute();
      },
    },
    '0020_connected_accounts': {
      async up(db: Kysely<unknown>) {
        // A connected account is a merchant account of its own, made by its platform: every
        // object it owns is scoped by its id as a platform's objects are by the platform's.
        await db.schema.alterTable('merchant_accounts').addColumn('platform_id', 'text').execute();
        for (const column of ['type', 'email', 'country', 'business_type', 'capabilities', 'metadata']) {
          await db.schema.alterTable('merchant_accounts').addColumn(column, 'text').execute();
        }
        await db.schema
          .alterTable('merchant_accounts')
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('merchant_accounts_platform')
          .on('merchant_accounts')
          .columns(['platform_id', 'id'])
          .execute();
        // The connected account an event comes from, shown as the event's `account`.
        await db.schema.alterTable('events').addColumn('account', 'text').execute();
        await db.schema
          .alterTable('webhook_endpoints')
          .addColumn('connect', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    '0021_microdeposits': {
      async up(db: Kysely<unknown>) {
        // A SetupIntent waiting for its entered account's microdeposits: when they land, the
        // wrong verifications tried so far, the mandate acceptance to record once verified,
        // and the error that sent it back to requires_payment_method.
        const columns: Array<[string, 'bigint' | 'text']> = [
          ['microdeposits_arrival', 'bigint'],
          ['microdeposit_failures', 'bigint'],
          ['pending_acceptance', 'text'],
          ['last_setup_error', 'text'],
        ];
        for (const [name, type] of columns)
          await db.schema.alterTable('setup_intents').addColumn(name, type).execute();
        // 1 on a PaymentMethod made from a pm_usBankAccount_* test token: verified as entered.
        await db.schema.alterTable('payment_methods').addColumn('test_token', 'bigint').execute();
      },
    },
    '0022_payment_intent_microdeposits': {
      async up(db: Kysely<unknown>) {
        // A PaymentIntent waiting for its entered account's microdeposits: when they land, the
        // wrong verifications tried so far, and the mandate to debit under once verified.
        const columns: Array<[string, 'bigint' | 'text']> = [
          ['microdeposits_arrival', 'bigint'],
          ['microdeposit_failures', 'bigint'],
          ['pending_mandate', 'text'],
        ];
        for (const [name, type] of columns)
          await db.schema.alterTable('payment_intents').addColumn(name, type).execute();
        // 1 on a PaymentMethod whose entered numbers were verified with microdeposits.
        await db.schema.alterTable('payment_methods').addColumn('verified', 'bigint').execute();
      },
    },
    '0023_dashboard_lists': {
      async up(db: Kysely<unknown>) {
        // The dashboard lists a merchant's sessions and authorizations newest first, and an
        // endpoint's latest deliveries.
        await db.schema
          .createIndex('fc_sessions_merchant')
          .on('fc_sessions')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('fc_authorizations_merchant')
          .on('fc_authorizations')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_endpoint')
          .on('webhook_deliveries')
          .columns(['endpoint_id', 'id'])
          .execute();
      },
    },
    '0024_topups_and_transfers': {
      async up(db: Kysely<unknown>) {
        // Funds a platform adds from its bank account: pending until `settles_at` on its clock.
        await db.schema
          .createTable('topups')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('settles_at', 'bigint', (c) => c.notNull())
          .addColumn('balance_transaction_id', 'text')
          .addColumn('description', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('statement_descriptor', 'text')
          .addColumn('transfer_group', 'text')
          .execute();
        await db.schema.createIndex('topups_merchant').on('topups').columns(['merchant_id', 'id']).execute();
        await db.schema
          .createIndex('topups_settling')
          .on('topups')
          .columns(['merchant_id', 'status', 'settles_at'])
          .execute();
        // Funds a platform sends to one of its connected accounts.
        await db.schema
          .createTable('transfers')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('destination', 'text', (c) => c.notNull())
          .addColumn('destination_payment', 'text', (c) => c.notNull())
          .addColumn('balance_transaction_id', 'text', (c) => c.notNull())
          .addColumn('description', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('transfer_group', 'text')
          .execute();
        await db.schema
          .createIndex('transfers_merchant')
          .on('transfers')
          .columns(['merchant_id', 'id'])
          .execute();
      },
    },
    '0025_external_accounts': {
      async up(db: Kysely<unknown>) {
        // A single-use bank account token, made when a session linked an account for a connected
        // account holder: the bank details as they were then, and the bank account id it becomes.
        await db.schema
          .createTable('bank_account_tokens')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('account_id', key, (c) => c.notNull())
          .addColumn('session_id', key, (c) => c.notNull().unique())
          .addColumn('fc_account_id', key, (c) => c.notNull())
          .addColumn('bank_account_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('used', 'integer', (c) => c.notNull())
          .addColumn('account_holder_type', 'text', (c) => c.notNull())
          .addColumn('account_type', 'text')
          .addColumn('bank_name', 'text')
          .addColumn('last4', 'text', (c) => c.notNull())
          .addColumn('routing_number', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .execute();
        // A connected account's bank accounts for payouts, each on a linked account.
        await db.schema
          .createTable('external_accounts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('account_id', key, (c) => c.notNull())
          .addColumn('fc_account_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('account_holder_name', 'text')
          .addColumn('account_holder_type', 'text')
          .addColumn('account_type', 'text')
          .addColumn('bank_name', 'text')
          .addColumn('last4', 'text', (c) => c.notNull())
          .addColumn('routing_number', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('default_for_currency', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('metadata', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('external_accounts_account')
          .on('external_accounts')
          .columns(['account_id', 'id'])
          .execute();
        await db.schema
          .createIndex('external_accounts_fc_account')
          .on('external_accounts')
          .column('fc_account_id')
          .execute();
      },
    },
    '0026_request_logs': {
      async up(db: Kysely<unknown>) {
        // Each API request a merchant made, kept for a week: written in batches after the answer
        // is sent, with secrets already redacted and the bodies capped. Ids (`req_…`) sort by
        // time, so both the dashboard's pages and the pruning read the primary key's order.
        await db.schema
          .createTable('request_logs')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('account', 'text')
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('duration_ms', 'integer', (c) => c.notNull())
          .addColumn('api_version', 'text')
          .addColumn('idempotency_key', 'text')
          .addColumn('params', 'text')
          .addColumn('params_size', 'integer', (c) => c.notNull())
          .addColumn('response', 'text')
          .addColumn('response_size', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('request_logs_merchant')
          .on('request_logs')
          .columns(['merchant_id', 'id'])
          .execute();
      },
    },
    '0027_payouts': {
      async up(db: Kysely<unknown>) {
        // Funds an account sends to its bank account: pending, in transit, then paid or failed on
        // its sandbox clock.
        await db.schema
          .createTable('payouts')
          .addColumn('id', key, (c) => c.primaryKey())
          .addColumn('merchant_id', key, (c) => c.notNull())
          .addColumn('created', 'bigint', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('method', 'text', (c) => c.notNull())
          .addColumn('destination', 'text', (c) => c.notNull())
          .addColumn('in_transit_at', 'bigint', (c) => c.notNull())
          .addColumn('arrival_date', 'bigint', (c) => c.notNull())
          .addColumn('balance_transaction_id', 'text', (c) => c.notNull())
          .addColumn('failure_balance_transaction_id', 'text')
          .addColumn('failure_code', 'text')
          .addColumn('failure_message', 'text')
          .addColumn('description', 'text')
          .addColumn('metadata', 'text', (c) => c.notNull())
          .addColumn('statement_descriptor', 'text')
          .execute();
        await db.schema
          .createIndex('payouts_merchant')
          .on('payouts')
          .columns(['merchant_id', 'id'])
          .execute();
        await db.schema
          .createIndex('payouts_moving')
          .on('payouts')
          .columns(['merchant_id', 'status', 'in_transit_at'])
          .execute();
      },
    },
    '0028_list_filters': {
      async up(db: Kysely<unknown>) {
        // The dashboard's list filters, each read newest first within one merchant: an index that
        // fixes the filtered column after the merchant reads `limit + 1` rows in id order.
        const byMerchant = [
          ['fc_accounts_status', 'fc_accounts', 'status'],
          ['fc_accounts_institution', 'fc_accounts', 'institution_id'],
          ['fc_authorizations_status', 'fc_authorizations', 'status'],
          ['fc_authorizations_institution', 'fc_authorizations', 'institution_id'],
          ['fc_sessions_status', 'fc_sessions', 'status'],
          ['customers_email', 'customers', 'email'],
          ['transfers_destination', 'transfers', 'destination'],
          ['balance_transactions_type', 'balance_transactions', 'type'],
        ] as const;
        for (const [name, table, column] of byMerchant)
          await db.schema.createIndex(name).on(table).columns(['merchant_id', column, 'id']).execute();
        // Few sessions are relinks; the list of them must not read every session to find them.
        await sql`create index fc_sessions_relink on fc_sessions (merchant_id, id) where relink_authorization_id is not null`.execute(
          db,
        );
      },
    },
  };
}

class InCodeProvider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.all;
  }
}

export interface MigrationPlan {
  applied: string[];
  pending: string[];
}

function migrator(db: Kysely<unknown>, caps: DialectCapabilities): Migrator {
  return new Migrator({ db, provider: new InCodeProvider(migrations(caps)) });
}

export async function migrationPlan(db: Kysely<Database>, caps: DialectCapabilities): Promise<MigrationPlan> {
  const infos = await migrator(db as unknown as Kysely<unknown>, caps).getMigrations();
  return {
    applied: infos.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: infos.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}

/**
 * Runs start-up work (migrations, default records) while holding a PostgreSQL session-level
 * advisory lock, so that processes started together do it one after another.
 */
export async function withStartupLock<T>(
  db: Kysely<Database>,
  caps: DialectCapabilities,
  work: (conn: Kysely<unknown>) => Promise<T>,
): Promise<T> {
  const raw = db as unknown as Kysely<unknown>;
  // SQLite has one connection and one writer: there is nothing to lock, and pinning the only
  // connection would leave none for the work itself.
  if (caps.kind !== 'postgres') return work(raw);
  return raw.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(727274)`.execute(conn);
    try {
      return await work(conn);
    } finally {
      await sql`select pg_advisory_unlock(727274)`.execute(conn);
    }
  });
}

async function applyPending(conn: Kysely<unknown>, caps: DialectCapabilities): Promise<string[]> {
  const { error, results } = await migrator(conn, caps).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to `last` only: a database as an older openfc left it. */
export async function migrateUpTo(
  db: Kysely<Database>,
  caps: DialectCapabilities,
  last: string,
): Promise<void> {
  const { error } = await migrator(db as unknown as Kysely<unknown>, caps).migrateTo(last);
  if (error) throw error;
}

/** Applies pending migrations under the start-up lock. */
export async function migrateToLatest(db: Kysely<Database>, caps: DialectCapabilities): Promise<string[]> {
  return withStartupLock(db, caps, (conn) => applyPending(conn, caps));
}

/** Applies pending migrations, then runs `then`, both under the start-up lock. */
export async function migrateThen<T>(
  db: Kysely<Database>,
  caps: DialectCapabilities,
  then: () => Promise<T>,
): Promise<{ applied: string[]; result: T }> {
  return withStartupLock(db, caps, async (conn) => ({
    applied: await applyPending(conn, caps),
    result: await then(),
  }));
}
