import type { Kysely, Selectable } from 'kysely';
import { allColumns } from '../../store/columns.ts';
import { type TimeRange, within } from '../../store/filters.ts';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { CustomersTable, Database } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import type { EventLog, RequestRef } from '../events/log.ts';
import { madeObject } from '../idempotency/scope.ts';
import { idKind, newId } from '../ids.ts';
import { mergeMetadata, previousMetadata } from '../metadata.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';

export const customerIds = idKind('cus');

export interface Customer {
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Record<string, string>;
  deleted: boolean;
}

/** Fields a caller sets; `null` clears a field, `undefined` leaves it. */
export interface CustomerFields {
  email?: string | null | undefined;
  name?: string | null | undefined;
  description?: string | null | undefined;
  phone?: string | null | undefined;
  /** Keys with `null` are removed. */
  metadata?: Record<string, string | null> | undefined;
}

export interface CustomerFilter {
  email?: string | undefined;
  created?: TimeRange | undefined;
}

const customerColumns = allColumns<CustomersTable>()([
  'id',
  'merchant_id',
  'created',
  'email',
  'name',
  'description',
  'phone',
  'metadata',
  'deleted',
]);

function fromRow(row: Selectable<CustomersTable>): Customer {
  return {
    id: row.id,
    created: row.created,
    email: row.email,
    name: row.name,
    description: row.description,
    phone: row.phone,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    deleted: row.deleted === 1,
  };
}

/** The fields of `before` that differ in `after`, with their old values, as Stripe's wire names them. */
function changedFields(before: Customer, after: Customer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of ['email', 'name', 'description', 'phone'] as const) {
    if (before[field] !== after[field]) out[field] = before[field];
  }
  const metadata = previousMetadata(before.metadata, after.metadata);
  if (metadata) out.metadata = metadata;
  return out;
}

export class CustomerService {
  /** The read by id, built and compiled once: every create naming a customer makes one. */
  private readonly queries: QueryTemplates;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly events: EventLog,
  ) {
    this.queries = new QueryTemplates(db);
  }

  async create(merchantId: string, fields: CustomerFields, request?: RequestRef): Promise<Customer> {
    const row = {
      id: newId(customerIds),
      merchant_id: merchantId,
      created: Math.floor(Date.now() / 1000),
      email: fields.email ?? null,
      name: fields.name ?? null,
      description: fields.description ?? null,
      phone: fields.phone ?? null,
      metadata: JSON.stringify(mergeMetadata({}, fields.metadata)),
      deleted: 0,
    };
    const customer = fromRow(row);
    madeObject(row.id);
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('customers').values(row).execute();
      await this.events.record(
        trx,
        merchantId,
        { type: 'customer.created', object: { kind: 'customer', record: customer } },
        request,
      );
    });
    return customer;
  }

  /** The customer, deleted or not; undefined when this merchant has no such customer. */
  async find(merchantId: string, id: string): Promise<Customer | undefined> {
    const [row] = await this.queries.rows('find', [id, merchantId], (slot) =>
      this.db
        .selectFrom('customers')
        .select(customerColumns)
        .where('id', '=', slot<string>(0))
        .where('merchant_id', '=', slot<string>(1)),
    );
    return row && fromRow(row);
  }

  async get(merchantId: string, id: string): Promise<Customer> {
    const customer = await this.find(merchantId, id);
    if (!customer) throw resourceMissing('customer', id);
    return customer;
  }

  /** A customer that can be used for new objects: it must exist and not be deleted. */
  async getLive(merchantId: string, id: string, param: string): Promise<Customer> {
    const customer = await this.find(merchantId, id);
    if (!customer || customer.deleted) throw resourceMissing('customer', id, param);
    return customer;
  }

  async update(
    merchantId: string,
    id: string,
    fields: CustomerFields,
    request?: RequestRef,
  ): Promise<Customer> {
    const current = await this.getLive(merchantId, id, 'id');
    const next: Customer = {
      ...current,
      email: fields.email === undefined ? current.email : fields.email,
      name: fields.name === undefined ? current.name : fields.name,
      description: fields.description === undefined ? current.description : fields.description,
      phone: fields.phone === undefined ? current.phone : fields.phone,
      metadata: mergeMetadata(current.metadata, fields.metadata),
    };
    const previous = changedFields(current, next);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('customers')
        .set({
          email: next.email,
          name: next.name,
          description: next.description,
          phone: next.phone,
          metadata: JSON.stringify(next.metadata),
        })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('deleted', '=', 0)
        .execute();
      if (Object.keys(previous).length > 0) {
        await this.events.record(
          trx,
          merchantId,
          { type: 'customer.updated', object: { kind: 'customer', record: next }, previous },
          request,
        );
      }
    });
    return next;
  }

  async delete(merchantId: string, id: string, request?: RequestRef): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('customers')
        .set({ deleted: 1 })
        .where('id', '=', id)
        .where('merchant_id', '=', merchantId)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw resourceMissing('customer', id);
      const row = await trx
        .selectFrom('customers')
        .select(customerColumns)
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      // The event carries the customer as it was, as openfc renders deleted customers by id alone.
      await this.events.record(
        trx,
        merchantId,
        {
          type: 'customer.deleted',
          object: { kind: 'customer', record: { ...fromRow(row), deleted: false } },
        },
        request,
      );
    });
  }

  async list(merchantId: string, filter: CustomerFilter, page: Page): Promise<PageResult<Customer>> {
    const result = await fetchPage(page, (w) => {
      let q = this.db
        .selectFrom('customers')
        .select(customerColumns)
        .where('merchant_id', '=', merchantId)
        .where('deleted', '=', 0);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      if (filter.email !== undefined) q = q.where('email', '=', filter.email);
      if (filter.created) q = q.where((eb) => within(eb, 'created', filter.created));
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return { data: result.data.map(fromRow), hasMore: result.hasMore };
  }
}

declare module '../events/log.ts' {
  interface EventObjectTypes {
    customer: Customer;
  }
}
