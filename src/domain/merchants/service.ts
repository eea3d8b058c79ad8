import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { idKind, newId, newSecret } from '../ids.ts';

export const merchantIds = idKind('acct');
export const apiKeyIds = idKind('key');

export interface Merchant {
  id: string;
  name: string;
  defaultApiVersion: string;
  /**
   * The platform a connected account belongs to; null for a platform, which holds API keys and
   * acts as one of its connected accounts with `Stripe-Account`.
   */
  platformId: string | null;
}

/** A merchant as its row holds it. */
export function merchantFromRow(row: {
  id: string;
  name: string;
  default_api_version: string;
  platform_id: string | null;
}): Merchant {
  return {
    id: row.id,
    name: row.name,
    defaultApiVersion: row.default_api_version,
    platformId: row.platform_id,
  };
}

export type KeyKind = 'secret' | 'publishable';

export interface Credential {
  merchant: Merchant;
  kind: KeyKind;
}

export interface IssuedKeys {
  secretKey: string;
  publishableKey: string;
}

export const keyPatterns = {
  secret: /^sk_test_[A-Za-z0-9]{16,200}$/,
  publishable: /^pk_test_[A-Za-z0-9]{16,200}$/,
} as const;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * How long a process trusts a key it has looked up, without hashing it or reading the database
 * again. Keys change rarely (configured keys at start; `setKeys` forgets every key this process
 * trusts); a key replaced by another process stops working here within this time.
 */
const credentialTtlMs = 5000;
const maxCachedCredentials = 1000;

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Merchant accounts and their API keys. Keys are stored as SHA-256 hashes, so the database never
 * holds a usable key; a key is shown in full only when it is made.
 */
export class MerchantService {
  private readonly credentials = new Map<string, { credential: Credential | undefined; until: number }>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaultApiVersion: string,
    private readonly secrets: SecretBox,
  ) {}

  /** Publishable keys are kept sealed too (bound to their merchant), for hosted pages. */
  private sealed(merchantId: string, kind: KeyKind, key: string): string | null {
    return kind === 'publishable' ? this.secrets.seal(key, merchantId) : null;
  }

  /** The merchant's publishable key, when it was made or configured since openfc kept it. */
  async publishableKey(merchantId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .select('key_sealed')
      .where('merchant_id', '=', merchantId)
      .where('kind', '=', 'publishable')
      .executeTakeFirst();
    return row?.key_sealed ? this.secrets.open(row.key_sealed, merchantId) : undefined;
  }

  /**
   * Seals a publishable key openfc kept from before it sealed them (the embedded sandbox's key
   * file), when it is this merchant's current key; any other key is left alone.
   */
  async sealKnownPublishableKey(merchantId: string, key: string): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ key_sealed: this.sealed(merchantId, 'publishable', key) })
      .where('merchant_id', '=', merchantId)
      .where('kind', '=', 'publishable')
      .where('key_hash', '=', hashKey(key))
      .where('key_sealed', 'is', null)
      .execute();
  }

  async create(name: string, keys?: Partial<IssuedKeys>): Promise<{ merchant: Merchant; keys: IssuedKeys }> {
    const merchant: Merchant = {
      id: newId(merchantIds),
      name,
      defaultApiVersion: this.defaultApiVersion,
      platformId: null,
    };
    const issued: IssuedKeys = {
      secretKey: keys?.secretKey ?? newSecret('sk_test_', 32),
      publishableKey: keys?.publishableKey ?? newSecret('pk_test_', 32),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('merchant_accounts')
        .values({
          id: merchant.id,
          name,
          default_api_version: merchant.defaultApiVersion,
          created: now(),
          deleted: 0,
        })
        .execute();
      await trx.insertInto('api_keys').values(this.keyRows(merchant.id, issued)).execute();
    });
    return { merchant, keys: issued };
  }

  private keyRows(merchantId: string, keys: IssuedKeys) {
    return (
      [
        ['secret', keys.secretKey],
        ['publishable', keys.publishableKey],
      ] as const
    ).map(([kind, key]) => ({
      id: newId(apiKeyIds),
      merchant_id: merchantId,
      kind,
      key_hash: hashKey(key),
      last4: key.slice(-4),
      created: now(),
      key_sealed: this.sealed(merchantId, kind, key),
    }));
  }

  /** The first merchant account made on this database, which `openfc serve` sets up. */
  async findDefault(): Promise<Merchant | undefined> {
    const row = await this.db
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('platform_id', 'is', null)
      .orderBy('id', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row && merchantFromRow(row);
  }

  async find(id: string): Promise<Merchant | undefined> {
    const row = await this.db
      .selectFrom('merchant_accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && merchantFromRow(row);
  }

  /** Replaces a merchant's keys of each given kind with the given key. */
  async setKeys(merchantId: string, keys: Partial<IssuedKeys>): Promise<void> {
    try {
      await this.replaceKeys(merchantId, keys);
    } finally {
      // Also after the commit: a replaced key looked up while the transaction ran stays out.
      this.credentials.clear();
    }
  }

  private async replaceKeys(merchantId: string, keys: Partial<IssuedKeys>): Promise<void> {
    this.credentials.clear();
    const given = (
      [
        ['secret', keys.secretKey],
        ['publishable', keys.publishableKey],
      ] as const
    ).filter((entry): entry is readonly [KeyKind, string] => entry[1] !== undefined);
    await this.db.transaction().execute(async (trx) => {
      for (const [kind, key] of given) {
        const hash = hashKey(key);
        const existing = await trx
          .selectFrom('api_keys')
          .select(['merchant_id'])
          .where('key_hash', '=', hash)
          .executeTakeFirst();
        if (existing?.merchant_id === merchantId) {
          // A key kept from before openfc sealed publishable keys gets sealed now.
          await trx
            .updateTable('api_keys')
            .set({ key_sealed: this.sealed(merchantId, kind, key) })
            .where('key_hash', '=', hash)
            .where('key_sealed', 'is', null)
            .execute();
          continue;
        }
        if (existing)
          throw new Error(`The configured ${kind} key already belongs to another merchant account.`);
        await trx
          .deleteFrom('api_keys')
          .where('merchant_id', '=', merchantId)
          .where('kind', '=', kind)
          .execute();
        await trx
          .insertInto('api_keys')
          .values({
            id: newId(apiKeyIds),
            merchant_id: merchantId,
            kind,
            key_hash: hash,
            last4: key.slice(-4),
            created: now(),
            key_sealed: this.sealed(merchantId, kind, key),
          })
          .execute();
      }
    });
  }

  async keyHints(merchantId: string): Promise<Record<KeyKind, string | undefined>> {
    const rows = await this.db
      .selectFrom('api_keys')
      .select(['kind', 'last4'])
      .where('merchant_id', '=', merchantId)
      .execute();
    const hint = (kind: KeyKind, prefix: string) => {
      const row = rows.find((r) => r.kind === kind);
      return row && `${prefix}…${row.last4}`;
    };
    return { secret: hint('secret', 'sk_test_'), publishable: hint('publishable', 'pk_test_') };
  }

  /**
   * The key's merchant and kind. A key looked up within the last `credentialTtlMs` is answered
   * from memory, by the key as given: the SHA-256 it is stored under costs a hot GET route about
   * a twentieth of its CPU.
   */
  async authenticate(key: string): Promise<Credential | undefined> {
    const cached = this.credentials.get(key);
    if (cached && cached.until > Date.now()) return cached.credential;
    const credential = await this.lookup(hashKey(key));
    if (this.credentials.size >= maxCachedCredentials) this.credentials.clear();
    this.credentials.set(key, { credential, until: Date.now() + credentialTtlMs });
    return credential;
  }

  private async lookup(hash: string): Promise<Credential | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .innerJoin('merchant_accounts', 'merchant_accounts.id', 'api_keys.merchant_id')
      .select([
        'api_keys.kind',
        'merchant_accounts.id',
        'merchant_accounts.name',
        'merchant_accounts.default_api_version',
        'merchant_accounts.platform_id',
      ])
      .where('api_keys.key_hash', '=', hash)
      .executeTakeFirst();
    if (!row) return undefined;
    return { kind: row.kind, merchant: merchantFromRow(row) };
  }
}
