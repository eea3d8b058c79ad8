import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.ts';

/** Stands for a value while a template is compiled; never a value a request can send (NUL). */
const slotPrefix = '\u0000slot:';

interface Template {
  query: CompiledQuery;
  /** For each compiled parameter, the index of the value that goes there, or -1 for a constant. */
  slots: number[];
}

/** Puts the value of slot `index` of a template being built (see `QueryTemplates.rows`). */
export type Slot = <T>(index: number) => T;

const slot: Slot = <T>(index: number) => `${slotPrefix}${index}` as T;

/**
 * Queries built and compiled by Kysely once per shape and then run with each request's values:
 * building and compiling a list query cost a hot list route about as much as its statement. The
 * SQL stays Kysely's, so the two databases keep their own dialects.
 */
export class QueryTemplates {
  private readonly templates = new Map<string, Template>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * The rows of the query `build` makes with `values` in its slots. `build` must make the same
   * query for every call with the same `shape` (a key naming which filters and order it has), and
   * put each value through `slot(i)`; constants may be written as they are. `db` runs it, in a
   * transaction when it is one.
   */
  async rows<Row>(
    shape: string,
    values: readonly unknown[],
    build: (slot: Slot) => Compilable<Row>,
    db: Kysely<Database> = this.db,
  ): Promise<Row[]> {
    const result = await db.executeQuery<Row>(this.compiled(shape, values, build));
    return result.rows;
  }

  /**
   * Runs the statement `build` makes (as for `rows`) on `db`, the database or a transaction of
   * it, and returns its result: for writes, `numAffectedRows`.
   */
  run<Row>(
    db: Kysely<Database>,
    shape: string,
    values: readonly unknown[],
    build: (slot: Slot) => Compilable<Row>,
  ): Promise<QueryResult<Row>> {
    return db.executeQuery<Row>(this.compiled(shape, values, build));
  }

  /** The statement `build` makes (as for `rows`), compiled with `values` in its slots. */
  compiled<Row>(
    shape: string,
    values: readonly unknown[],
    build: (slot: Slot) => Compilable<Row>,
  ): CompiledQuery<Row> {
    let template = this.templates.get(shape);
    if (!template) {
      const query = build(slot).compile();
      const slots = query.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(slotPrefix) ? Number(p.slice(slotPrefix.length)) : -1,
      );
      template = { query, slots };
      this.templates.set(shape, template);
    }
    const { query, slots } = template;
    const parameters = query.parameters.map((p, i) => {
      const index = slots[i] as number;
      return index === -1 ? p : values[index];
    });
    return { ...query, parameters } as CompiledQuery<Row>;
  }
}
