import { type ColumnDataType, type Expression, sql } from 'kysely';

/**
 * What differs between the two backends, in one place: business code asks these flags and
 * never branches on the database kind itself.
 */
export interface DialectCapabilities {
  kind: 'sqlite' | 'postgres';
  /** Column type for ids and other keys compared with `<`/`>`: byte-wise ordering in both. */
  keyType: ColumnDataType | Expression<unknown>;
  /** Recognises a unique-constraint violation thrown by the driver. */
  isUniqueViolation(error: unknown): boolean;
}

export const sqliteCapabilities: DialectCapabilities = {
  kind: 'sqlite',
  keyType: 'text',
  isUniqueViolation: (error) =>
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    String((error as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT'),
};

export const postgresCapabilities: DialectCapabilities = {
  kind: 'postgres',
  keyType: sql`text collate "C"`,
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505',
};
