import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookEndpointsTable } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { resourceMissing } from '../errors.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId, newSecret } from '../ids.ts';
import { mergeMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

export const webhookEndpointIds = idKind('we');

export const webhookEndpointStatuses = ['enabled', 'disabled'] as const;

export interface WebhookEndpointFilter {
  status?: WebhookEndpoint['status'] | undefined;
}

export interface WebhookEndpoint {
  id: string;
  created: number;
  url: string;
  description: string | null;
  enabledEvents: string[];
  /** The API version events are rendered with for this endpoint; null: the merchant's default. */
  apiVersion: string | null;
  metadata: Record<string, string>;
  status: (typeof webhookEndpointStatuses)[number];
  /** Receives the events of the merchant's connected accounts instead of the merchant's own. */
  connect: boolean;
}

/** Fields a caller sets; `null` clears a field, `undefined` leaves it. */
export interface WebhookEndpointFields {
  url?: string | undefined;
  description?: string | null | undefined;
  enabledEvents?: string[] | undefined;
  apiVersion?: string | undefined;
  metadata?: Record<string, string | null> | undefined;
  disabled?: boolean | undefined;
  /** Only when the endpoint is made. */
  connect?: boolean | undefined;
}

function fromRow(row: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: row.id,
    created: Number(row.created),
    url: row.url,
    description: row.description,
    enabledEvents: JSON.parse(row.enabled_events) as string[],
    apiVersion: row.api_version,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    status: row.status,
    connect: row.connect === 1,
  };
}

/** Whether an endpoint listening to `enabledEvents` receives events of `type`. */
export function receives(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes('*') || enabledEvents.includes(type);
}

/**
 * The merchant's webhook endpoints. The signing secret is sealed at rest and shown once, when the
 * endpoint is made.
 */
export class WebhookEndpointService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  async create(
    merchantId: string,
    fields: WebhookEndpointFields & { url: string; enabledEvents: string[] },
  ): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const id = newId(webhookEndpointIds);
    madeObject(id);
    const secret = newSecret('whsec_', 32);
    const row = {
      id,
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      url: fields.url,
      description: fields.description ?? null,
      enabled_events: JSON.stringify(fields.enabledEvents),
      api_version: fields.apiVersion ?? null,
      metadata: JSON.stringify(mergeMetadata({}, fields.metadata)),
      status: fields.disabled ? ('disabled' as const) : ('enabled' as const),
      secret_sealed: this.secrets.seal(secret, id),
      connect: fields.connect ? 1 : 0,
    };
    await this.db.insertInto('webhook_endpoints').values(row).execute();
    return { endpoint: fromRow(row), secret };
  }

  async get(merchantId: string, id: string): Promise<WebhookEndpoint> {
    const row = await this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('webhook endpoint', id, 'webhook_endpoint');
    return fromRow(row);
  }

  /** The signing secret of one of the merchant's endpoints, to answer again the request that made it. */
  async secretOf(merchantId: string, id: string): Promise<string> {
    const row = await this.db
      .selectFrom('webhook_endpoints')
      .select('secret_sealed')
      .where('id', '=', id)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    if (!row) throw resourceMissing('webhook endpoint', id, 'webhook_endpoint');
    return this.openSecret(id, row.secret_sealed);
  }

  /** The endpoint's signing secret, for the worker that signs deliveries. */
  openSecret(endpointId: string, sealed: string): string {
    return this.secrets.open(sealed, endpointId);
  }

  async update(merchantId: string, id: string, fields: WebhookEndpointFields): Promise<WebhookEndpoint> {
    const current = await this.get(merchantId, id);
    const next: WebhookEndpoint = {
      ...current,
      url: fields.url ?? current.url,
      description: fields.description === undefined ? current.description : fields.description,
      enabledEvents: fields.enabledEvents ?? current.enabledEvents,
      metadata: mergeMetadata(current.metadata, fields.metadata),
      status: fields.disabled === undefined ? current.status : fields.disabled ? 'disabled' : 'enabled',
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_endpoints')
        .set({
          url: next.url,
          description: next.description,
          enabled_events: JSON.stringify(next.enabledEvents),
          metadata: JSON.stringify(next.metadata),
          status: next.status,
        })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .execute();
      // A disabled endpoint is sent nothing more, retries included.
      if (next.status === 'disabled') await this.cancelPending(trx, id);
    });
    return next;
  }

  async delete(merchantId: string, id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('webhook_endpoints')
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw resourceMissing('webhook endpoint', id, 'webhook_endpoint');
      await this.cancelPending(trx, id);
    });
  }

  async list(
    merchantId: string,
    filter: WebhookEndpointFilter,
    page: Page,
  ): Promise<PageResult<WebhookEndpoint>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db.selectFrom('webhook_endpoints').selectAll().where('merchant_id', '=', merchantId);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }

  private async cancelPending(db: Kysely<Database>, endpointId: string): Promise<void> {
    await db
      .updateTable('webhook_deliveries')
      .set({ status: 'cancelled' })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .execute();
  }
}
