import type pg from 'pg';

const maxNamedStatements = 500;
/**
 * Statements with more values than this stay unnamed: they write or read many rows at once (the
 * request logs' batches, lists of ids), so their planning is a small part of their cost, and each
 * count of rows is a text of its own that would hold a large plan in every connection.
 */
const maxNamedParameters = 64;

/** A `*` that is not the whole argument of a function such as `count(*)`. */
const columnWildcard = /(?<!\()\*|\*(?!\))/;

/**
 * Names for statement texts, the same in every connection of the process. A text whose result
 * columns can follow the schema (`select *`, `"events".*`, `returning *`) is left unnamed: a
 * prepared statement keeps the columns it was planned with, and PostgreSQL refuses to run it once
 * a migration of another process has changed them. `count(*)` is no such column list. Nor is a
 * statement with more than 64 values named.
 */
export class StatementNames {
  private readonly names = new Map<string, string | null>();

  constructor(private readonly max = maxNamedStatements) {}

  nameOf(text: string, parameterCount: number): string | undefined {
    if (parameterCount > maxNamedParameters) return undefined;
    let name = this.names.get(text);
    if (name === undefined) {
      if (this.names.size >= this.max) return undefined;
      name = columnWildcard.test(text) ? null : `openfc_${this.names.size + 1}`;
      this.names.set(text, name);
    }
    return name ?? undefined;
  }
}

const processNames = new StatementNames();

/**
 * PostgreSQL parses, analyses and plans an unnamed statement on every run; a named one is
 * prepared once per connection and then only bound and run. Kysely sends every statement
 * unnamed, so each connection of `pool` names the statements it is given with a text and its
 * values (the first 500 distinct texts of the process; later ones stay unnamed). For a read of
 * one account by id, that nearly halves what the server spends on it.
 */
export function withNamedStatements(pool: pg.Pool, names: StatementNames = processNames): pg.Pool {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((config: unknown, values?: unknown, callback?: unknown) => {
      const name =
        typeof config === 'string' && Array.isArray(values) ? names.nameOf(config, values.length) : undefined;
      return name === undefined
        ? query(config, values, callback)
        : query({ name, text: config, values }, undefined, callback);
    }) as typeof client.query;
  });
  return pool;
}
