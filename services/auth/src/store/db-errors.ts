/**
 * True when a statement failed on a UNIQUE or PRIMARY KEY constraint, on either
 * engine (SQLite reports SQLITE_CONSTRAINT_*, PostgreSQL SQLSTATE 23505). The
 * stores check first and rely on the constraint only for races.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
