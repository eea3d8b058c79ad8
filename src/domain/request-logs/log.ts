import { type Kysely, sql } from 'kysely';
import { QueryTemplates } from '../../store/query-templates.ts';
import type { Database, RequestLogsTable } from '../../store/schema.ts';
import { resourceMissing } from '../errors.ts';
import { idFloor, idKind } from '../ids.ts';
import { fetchPage, type Page, type PageResult } from '../paging.ts';
import { redactJsonText } from './redact.ts';

/** Every request's id, sent back in its `Request-Id` header; a request log has its request's id. */
export const requestIds = idKind('req');

/** How long a request stays in the logs. */
export const requestLogRetentionSeconds = 7 * 24 * 60 * 60;

/** The most of a body (parameters or response, in characters) a log keeps. */
export const requestLogBodyCap = 64 * 1024;

export interface RequestLog {
  id: string;
  merchantId: string;
  account: string | null;
  /** Unix seconds. */
  created: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  apiVersion: string | null;
  idempotencyKey: string | null;
  /** The parameters as redacted JSON text, at most `requestLogBodyCap` long. */
  params: string | null;
  paramsSize: number;
  /** The response body, redacted, at most `requestLogBodyCap` long. */
  response: string | null;
  responseSize: number;
}

/** A request as the edge hands it over once answered: nothing redacted or encoded yet. */
export interface AnsweredRequest {
  id: string;
  merchantId: string;
  account: string | null;
  created: number;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  apiVersion: string | null;
  idempotencyKey: string | null;
  /** The parameters as an object; read only when the log is written. Undefined: unreadable. */
  params: () => unknown;
  /** The response body as sent. */
  response: string | undefined;
}

export interface RequestLogFilter {
  outcome?: 'succeeded' | 'failed';
  method?: string;
  /** Part of the path, in any case. */
  pathContains?: string;
  requestId?: string;
}

function capped(text: string | null): string | null {
  return text === null || text.length <= requestLogBodyCap ? text : text.slice(0, requestLogBodyCap);
}

function paramsText(read: () => unknown): string | null {
  try {
    const params = read();
    return params === undefined ? null : redactJsonText(JSON.stringify(params));
  } catch {
    return null;
  }
}

/** The row an answered request is kept as: its secrets redacted, its bodies capped. */
export function toRow(answered: AnsweredRequest): RequestLogsTable {
  const params = paramsText(answered.params);
  const response = answered.response === undefined ? null : redactJsonText(answered.response);
  return {
    id: answered.id,
    merchant_id: answered.merchantId,
    account: answered.account,
    created: answered.created,
    method: answered.method,
    path: answered.path,
    status: answered.status,
    duration_ms: Math.round(answered.durationMs),
    api_version: answered.apiVersion,
    idempotency_key: answered.idempotencyKey,
    params: capped(params),
    params_size: params?.length ?? 0,
    response: capped(response),
    response_size: response?.length ?? 0,
  };
}

function fromRow(row: RequestLogsTable): RequestLog {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    account: row.account,
    created: Number(row.created),
    method: row.method,
    path: row.path,
    status: Number(row.status),
    durationMs: Number(row.duration_ms),
    apiVersion: row.api_version,
    idempotencyKey: row.idempotency_key,
    params: row.params,
    paramsSize: Number(row.params_size),
    response: row.response,
    responseSize: Number(row.response_size),
  };
}

/** What a list shows: everything but the bodies. */
const summaryColumns = [
  'id',
  'merchant_id',
  'account',
  'created',
  'method',
  'path',
  'status',
  'duration_ms',
  'api_version',
  'idempotency_key',
  'params_size',
  'response_size',
] as const;

function likeContaining(text: string): string {
  return `%${text.toLowerCase().replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
}

const maxChunk = 128;

/** The rows the next statement of a batch writes: the largest power of two up to 128. */
function chunkSize(left: number): number {
  return 2 ** Math.floor(Math.log2(Math.min(left, maxChunk)));
}

/** A row's columns, in the order an insert's values are given. */
const columns = [
  ...summaryColumns,
  'params',
  'response',
] as const satisfies readonly (keyof RequestLogsTable)[];

/** The table of request logs: its writes (in batches) and the merchant's reads. */
export class RequestLogStore {
  private readonly queries: QueryTemplates;

  constructor(private readonly db: Kysely<Database>) {
    this.queries = new QueryTemplates(db);
  }

  /**
   * Writes rows in one transaction, in chunks of 128, 64, … 1 rows: a handful of statement shapes,
   * each built and prepared once and kept (a statement for every batch size would crowd out the
   * others), and a handful of round trips. Only the values are made for each batch: building the
   * statement's query tree for a batch made thousands of objects that lived through collections.
   */
  async insert(rows: RequestLogsTable[]): Promise<void> {
    if (rows.length === 0) return;
    const first = chunkSize(rows.length);
    // One statement is a transaction of its own: on PostgreSQL, one round trip instead of three.
    if (first === rows.length) return this.insertChunk(this.db, rows, 0, first);
    await this.db.transaction().execute(async (trx) => {
      for (let at = 0; at < rows.length; ) {
        const size = chunkSize(rows.length - at);
        await this.insertChunk(trx, rows, at, size);
        at += size;
      }
    });
  }

  private async insertChunk(db: Kysely<Database>, rows: RequestLogsTable[], at: number, size: number) {
    const values: unknown[] = [];
    for (let r = at; r < at + size; r++) {
      const row = rows[r] as RequestLogsTable;
      for (const column of columns) values.push(row[column]);
    }
    await this.queries.run(db, `insert ${size}`, values, (slot) =>
      db
        .insertInto('request_logs')
        .values(
          Array.from({ length: size }, (_, r) =>
            Object.fromEntries(columns.map((column, c) => [column, slot(r * columns.length + c)])),
          ) as RequestLogsTable[],
        ),
    );
  }

  /** The merchant's requests of the last 7 days (pruning may lag behind). */
  private visible(merchantId: string) {
    const since = idFloor(requestIds, Date.now() - requestLogRetentionSeconds * 1000);
    return this.db.selectFrom('request_logs').where('merchant_id', '=', merchantId).where('id', '>=', since);
  }

  async get(merchantId: string, id: string): Promise<RequestLog> {
    const row = await this.visible(merchantId).selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw resourceMissing('request log', id);
    return fromRow(row);
  }

  /** Newest first, without the bodies. */
  async list(merchantId: string, filter: RequestLogFilter, page: Page): Promise<PageResult<RequestLog>> {
    const result = await fetchPage(page, (w) => {
      let q = this.visible(merchantId).select(summaryColumns);
      if (w.cursor !== undefined) q = q.where('id', w.direction, w.cursor);
      if (filter.outcome === 'succeeded') q = q.where('status', '>=', 200).where('status', '<', 300);
      if (filter.outcome === 'failed') q = q.where('status', '>=', 400);
      if (filter.method !== undefined) q = q.where('method', '=', filter.method);
      if (filter.requestId !== undefined) q = q.where('id', '=', filter.requestId);
      if (filter.pathContains !== undefined)
        q = q.where(sql<boolean>`lower(path) like ${likeContaining(filter.pathContains)} escape '\\'`);
      return q.orderBy('id', w.order).limit(w.limit).execute();
    });
    return {
      data: result.data.map((row) => fromRow({ ...row, params: null, response: null })),
      hasMore: result.hasMore,
    };
  }

  /** Forgets requests older than 7 days. */
  async pruneExpired(): Promise<number> {
    const before = idFloor(requestIds, Date.now() - requestLogRetentionSeconds * 1000);
    const result = await this.db.deleteFrom('request_logs').where('id', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
