/**
 * Every column of a table, spelled out, for statements that would otherwise select `*`: a
 * statement that names its columns keeps one result shape whatever a later migration adds, so
 * PostgreSQL can keep it prepared (see `pg-statements.ts`). The list fails to typecheck when it
 * misses a column of the table or names one it does not have:
 *
 *   const customerColumns = allColumns<CustomersTable>()(['id', 'merchant_id', …]);
 */
export function allColumns<Table>() {
  return <const Columns extends readonly (keyof Table & string)[]>(
    columns: Columns & ([Exclude<keyof Table, Columns[number]>] extends [never] ? unknown : never),
  ): Columns => columns;
}
